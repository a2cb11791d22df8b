export type * from './types.js';
export { RunStore, completedLines, SNAPSHOT_EXCLUDES, type OpenRunOptions, type RunRecordInit, type FinalizeOptions } from './store.js';
export { readRun, type RunHandle } from './read.js';
export { loadRunFile, parseDotEnv, type RunSpec } from './run-file.js';
export { defaultRunName, formatDisplayName, parseVariant, sanitizeName, DEFAULT_VARIANT } from './names.js';
export { bulkRunErrorDict, flowArtifactFileName, nodeArtifactFileName, LOCAL_STORAGE_BATCH_SIZE } from './records.js';
