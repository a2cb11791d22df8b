/**
 * What the executor hands the run store, and what the store hands back.
 * Shapes follow Prompt flow's `contracts/run_info.py`, in TypeScript naming.
 */

/** Prompt flow's error dict (`_utils/exception_utils.py`): message, messageFormat, code, innerError, … */
export interface PfErrorDict {
  message: string;
  code: string;
  messageFormat?: string;
  messageParameters?: Record<string, unknown>;
  referenceCode?: string;
  innerError?: unknown;
  additionalInfo?: Array<{ type: string; info: unknown }>;
  debugInfo?: unknown;
}

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

export type NodeRunStatus = 'Completed' | 'Failed' | 'Bypassed';
export type LineStatus = 'Completed' | 'Failed';
export type RunStatus = 'Running' | 'Completed' | 'Failed' | 'Canceled';

/** One node's run within a line (or an aggregation node's single run). */
export interface NodeRunResult {
  node: string;
  status: NodeRunStatus;
  inputs: Record<string, unknown>;
  output: unknown;
  error?: PfErrorDict;
  startTime: Date;
  endTime: Date;
  usage?: TokenUsage;
  logs?: { stdout: string; stderr: string };
}

/** One line of a batch run. */
export interface LineResult {
  lineNumber: number;
  /** Mapped inputs after defaults (and `line_number` last). */
  inputs: Record<string, unknown>;
  status: LineStatus;
  /** Flow outputs in YAML order; undefined when the line failed. */
  output?: Record<string, unknown>;
  error?: PfErrorDict;
  startTime: Date;
  endTime: Date;
  nodeRuns: NodeRunResult[];
  usage?: TokenUsage;
}

/** What the aggregation step produced. */
export interface AggregationOutcome {
  nodeRuns: NodeRunResult[];
  /** A failed aggregation node: the run still completes, and error.json records it. */
  failure?: { node: string; error: PfErrorDict };
}

/** `pf run show` (`Run._to_dict()`), plus our counts. Written to `run.json`. */
export interface RunRecord {
  name: string;
  created_on: string;
  status: RunStatus;
  display_name: string;
  description: string | null;
  tags: Record<string, string> | null;
  properties: RunProperties;
  flow_name: string;
  data: string | null;
  output: string;
  /** The base run's name (Prompt flow pops it out of `properties`). */
  run?: string;
  error?: Record<string, unknown>;
  lines: { total: number; completed: number; failed: number };
  tokens: { prompt: number; completion: number; total: number };
  start_time: string;
  end_time: string | null;
  /** Seconds. */
  duration: number | null;
}

export interface RunProperties {
  flow_path: string;
  output_path: string;
  node_variant?: string;
  resume_from?: string;
  column_mapping?: Record<string, unknown>;
  system_metrics?: Record<string, unknown>;
  [key: string]: unknown;
}
