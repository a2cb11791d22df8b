export { PythonPool, type PythonPoolOptions } from './pool.js';
export { PythonToolError, PythonWorkerCrashError } from './errors.js';
export { pythonParamValueType, type PythonValueType } from './value-type.js';
export type { PythonCallRequest, PythonCallResult, PythonMetric, PythonParamMeta, PythonToolMeta } from './types.js';
export { WORKER_SOURCE } from './worker-source.generated.js';
