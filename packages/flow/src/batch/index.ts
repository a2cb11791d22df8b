export { loadData, fillMissingKeys, readJsonlSync, parseJsonlText, type Row } from './data.js';
export { parseDelimited } from './csv.js';
export { resolveBatchInputs, validateColumnMapping, LINE_NUMBER, type BatchInputsOptions, type MappedLine } from './mapping.js';
export { parseColumnMapping, parseConnectionOverrides, parseEnvironmentVariables } from './parse.js';
