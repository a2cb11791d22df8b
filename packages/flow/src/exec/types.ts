import type { FlowNode } from '../dag/model.js';
import type { PromptEscape } from '../llm/index.js';
import type { LineResult, NodeRunResult as StoredNodeRun, TokenUsage } from '../run/types.js';

export type { TokenUsage };

export interface LoggedMetric {
  key: string;
  value: unknown;
}

/** What invoking one node's tool produced. */
export interface ToolOutcome {
  output: unknown;
  /** A prompt node's escape state (Prompt flow's PromptResult), handed to nodes that take its whole output. */
  promptEscape?: PromptEscape;
  usage?: TokenUsage;
  logs?: { stdout: string; stderr: string };
  metrics?: LoggedMetric[];
}

export interface InvokeContext {
  lineNumber: number | null;
  signal: AbortSignal;
  /** Inputs bound to a whole upstream prompt-node output: that node's escape state. */
  promptResults?: Record<string, PromptEscape | undefined>;
}

/**
 * A node ready to run: its tool resolved, literal inputs coerced once
 * (Prompt flow's `_convert_literal_input_types`), and an invoker.
 */
export interface PreparedNode {
  node: FlowNode;
  /** Literal inputs after coercion; literals equal to None or "" are already dropped. */
  literalInputs: Record<string, unknown>;
  /** Whether the tool's parameter has a default (a bypassed dependency then omits the kwarg). */
  paramHasDefault(name: string): boolean;
  invoke(kwargs: Record<string, unknown>, context: InvokeContext): Promise<ToolOutcome>;
}

/** A node run as the store keeps it, plus the metrics it logged. */
export interface NodeRunResult extends StoredNodeRun {
  metrics?: LoggedMetric[];
}

/** A line as the store keeps it, with its token usage always summed. */
export interface LineRunResult extends LineResult {
  nodeRuns: NodeRunResult[];
  usage: TokenUsage;
}

export interface AggregationResult {
  metrics: Record<string, unknown>;
  nodeRuns: NodeRunResult[];
  /** The first aggregation node that failed, with its error (the run still completes, as in Prompt flow). */
  failure?: { node: string; error: NonNullable<StoredNodeRun['error']> };
}

export const ZERO_USAGE: TokenUsage = { promptTokens: 0, completionTokens: 0, totalTokens: 0 };

export function addUsage(a: TokenUsage, b: TokenUsage | undefined): TokenUsage {
  if (!b) return a;
  return {
    promptTokens: a.promptTokens + b.promptTokens,
    completionTokens: a.completionTokens + b.completionTokens,
    totalTokens: a.totalTokens + b.totalTokens
  };
}
