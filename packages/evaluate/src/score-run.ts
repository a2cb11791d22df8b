/**
 * Built-in metrics for a run directory in one call: resolve each line's prediction
 * and ground truth, then score them. What the evaluate action and the CLI call.
 */
import { computeBuiltinMetrics, type BuiltinMetricName, type BuiltinResult } from './builtin.js';
import { resolveLineValues, type ResolveLineValuesOptions, type ResolvedLines } from './line-values.js';

export interface ScoreRunOptions extends ResolveLineValuesOptions {
  metrics: readonly BuiltinMetricName[];
  /** Strip and lowercase labels before comparing (default true, as the classic grade script). */
  normalize?: boolean;
}

export interface ScoredRun extends BuiltinResult {
  runName?: string;
  /** Line numbers that failed in the run (scored as wrong). */
  failedLines: number[];
  /** Lines left out because the data file has no row for them; worth a warning when any. */
  unmatchedLines: number[];
  /** Torn or malformed records skipped in the run's files; worth a warning when not 0. */
  skippedRecords: number;
}

export async function scoreRunWithBuiltins(options: ScoreRunOptions): Promise<ScoredRun> {
  const resolved: ResolvedLines = await resolveLineValues(options);
  const result = computeBuiltinMetrics({ predictions: resolved.lines, metrics: options.metrics, normalize: options.normalize ?? true });
  const scored: ScoredRun = { ...result, failedLines: resolved.failedLines, unmatchedLines: resolved.unmatchedLines, skippedRecords: resolved.skippedRecords };
  if (resolved.runName !== undefined) scored.runName = resolved.runName;
  return scored;
}
