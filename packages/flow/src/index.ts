/** @llmops/flow: Prompt flow model, native executor and run store. */
export * from './py/index.js';
export * from './dag/index.js';
export * from './connections/index.js';
export * from './batch/index.js';
export * from './run/index.js';
export * from './llm/index.js';
export * from './python/index.js';
export { runFlow, DEFAULT_CONCURRENCY, DEFAULT_LINE_TIMEOUT_SEC, DEFAULT_RUNS_DIR, DEFAULT_CACHE_DIR, type RunFlowOptions, type RunFlowResult } from './exec/batch.js';
export { renderRunSummary, failureRateExceeded } from './exec/report.js';
export type { LineRunResult, NodeRunResult, TokenUsage, AggregationResult } from './exec/types.js';
