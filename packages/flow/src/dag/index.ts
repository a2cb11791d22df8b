/** Loading and validating `flow.dag.yaml`: the public surface of `dag/`. */
export { loadFlow, resolveFlowFile, type LoadFlowOptions } from './load.js';
export { parseInputAssignment, serializeInputAssignment, resolvePropertyPath, propertyParts, referencedNodes } from './reference.js';
export { parseValueType, coerceFlowInputs, parseFlowInputValue, ValueTypeError } from './value-type.js';
export { LineError, isLineError, type LineErrorCode } from './errors.js';
export { applyPythonConnectionOverrides, type ConnectionOverrides, type IsConnectionParam } from './connection-overrides.js';
export { parseVariantChoice, type VariantChoice } from './variants.js';
export { chatFlowInfo, type ChatFlowInfo } from './chat.js';
export { ensureFlowValidInBatchMode } from './validate.js';
export { parseDotenv } from './environment.js';
export type * from './model.js';
