export { CONNECTION_CLASS_NAMES, type Connection } from './model.js';
export { connectionProblem, loadConnections, toExecutionConnectionDict, type LoadConnectionsOptions } from './load.js';
export { CONNECTION_SPECS, normalizeConnectionType, type ConnectionSpec } from './specs.js';
