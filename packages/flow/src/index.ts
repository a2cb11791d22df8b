/** @llmops/flow: Prompt flow model, native executor and run store. */
export * from './py/index.js';
export * from './dag/index.js';
export * from './connections/index.js';
export * from './batch/index.js';
export * from './run/index.js';
export * from './python/index.js';
