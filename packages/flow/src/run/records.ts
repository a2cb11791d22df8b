/**
 * The per-line and per-node records of Prompt flow's local run folder
 * (`_local_storage_operations.py` LineRunRecord / NodeRunRecord, `contracts/run_info.py`),
 * and their reading back for a resume.
 */
import { randomUUID } from 'node:crypto';
import { numericValue } from '../py/pyvalue.js';
import { durationSeconds, epochSeconds, isoUtc, parseUtc } from './time.js';
import type { LineResult, NodeRunResult, PfErrorDict, TokenUsage } from './types.js';

/** Lines per flow_artifacts file (`LOCAL_STORAGE_BATCH_SIZE`); meta.json says so too. */
export const LOCAL_STORAGE_BATCH_SIZE = 1;
const WIDTH = 9;

export function flowArtifactFileName(lineNumber: number): string {
  const lower = Math.floor(lineNumber / LOCAL_STORAGE_BATCH_SIZE) * LOCAL_STORAGE_BATCH_SIZE;
  const upper = lower + LOCAL_STORAGE_BATCH_SIZE - 1;
  return `${String(lower).padStart(WIDTH, '0')}_${String(upper).padStart(WIDTH, '0')}.jsonl`;
}

/** Node records of aggregation nodes (no line) go to 000000000.jsonl, as in Prompt flow. */
export function nodeArtifactFileName(lineNumber: number | null): string {
  return `${String(lineNumber ?? 0).padStart(WIDTH, '0')}.jsonl`;
}

function tokenMetrics(usage: TokenUsage | undefined): Record<string, number> {
  return usage ? { completion_tokens: usage.completionTokens, prompt_tokens: usage.promptTokens, total_tokens: usage.totalTokens } : {};
}

/** A tool-level trace entry, the shape of `api_calls` children. */
function toolCall(node: NodeRunResult): Record<string, unknown> {
  return {
    name: node.node,
    type: 'Tool',
    inputs: node.inputs,
    output: node.status === 'Completed' ? node.output : null,
    start_time: epochSeconds(node.startTime),
    end_time: epochSeconds(node.endTime),
    error: node.error ?? null,
    children: [],
    node_name: node.node,
    parent_id: '',
    id: randomUUID(),
    system_metrics: tokenMetrics(node.usage)
  };
}

/** `{NodeName, line_number, run_info, start_time, end_time, status}`. */
export function nodeRunRecord(runName: string, lineNumber: number | null, node: NodeRunResult): Record<string, unknown> {
  const suffix = lineNumber === null ? 'reduce' : String(lineNumber);
  return {
    NodeName: node.node,
    line_number: lineNumber,
    run_info: {
      node: node.node,
      flow_run_id: runName,
      run_id: `${runName}_${node.node}_${suffix}`,
      status: node.status,
      inputs: node.inputs,
      output: node.status === 'Completed' ? node.output : null,
      metrics: null,
      error: node.error ?? null,
      parent_run_id: lineNumber === null ? runName : `${runName}_${lineNumber}`,
      start_time: isoUtc(node.startTime, true),
      end_time: isoUtc(node.endTime, true),
      index: lineNumber,
      api_calls: node.status === 'Bypassed' ? [] : [toolCall(node)],
      cached_run_id: null,
      cached_flow_run_id: null,
      logs: node.logs ?? { stdout: '', stderr: '' },
      system_metrics: { ...tokenMetrics(node.usage), duration: durationSeconds(node.startTime, node.endTime) },
      result: null,
      message_format: 'basic'
    },
    start_time: isoUtc(node.startTime),
    end_time: isoUtc(node.endTime),
    status: node.status
  };
}

/** `{line_number, run_info, start_time, end_time, name, description, status, tags}`. */
export function lineRunRecord(runName: string, line: LineResult): Record<string, unknown> {
  const usage = line.usage ?? sumUsage(line.nodeRuns.map((n) => n.usage));
  const systemMetrics = {
    duration: durationSeconds(line.startTime, line.endTime),
    prompt_tokens: usage.promptTokens,
    completion_tokens: usage.completionTokens,
    total_tokens: usage.totalTokens
  };
  return {
    line_number: line.lineNumber,
    run_info: {
      run_id: `${runName}_${line.lineNumber}`,
      status: line.status,
      error: line.error ?? null,
      inputs: line.inputs,
      output: line.status === 'Completed' ? (line.output ?? null) : null,
      metrics: null,
      request: null,
      parent_run_id: runName,
      root_run_id: runName,
      source_run_id: null,
      flow_id: 'default_flow_id',
      start_time: isoUtc(line.startTime, true),
      end_time: isoUtc(line.endTime, true),
      index: line.lineNumber,
      api_calls: [
        {
          name: 'flow',
          node_name: 'flow',
          type: 'Flow',
          start_time: epochSeconds(line.startTime),
          end_time: epochSeconds(line.endTime),
          children: line.nodeRuns.filter((n) => n.status !== 'Bypassed').map(toolCall),
          system_metrics: systemMetrics
        }
      ],
      name: '',
      description: '',
      tags: null,
      system_metrics: systemMetrics,
      result: null,
      upload_metrics: false,
      otel_trace_id: '',
      message_format: 'basic'
    },
    start_time: isoUtc(line.startTime),
    end_time: isoUtc(line.endTime),
    name: '',
    description: '',
    status: line.status,
    tags: null
  };
}

export function sumUsage(usages: Array<TokenUsage | undefined>): TokenUsage {
  const total: TokenUsage = { promptTokens: 0, completionTokens: 0, totalTokens: 0 };
  for (const u of usages) {
    if (!u) continue;
    total.promptTokens += u.promptTokens;
    total.completionTokens += u.completionTokens;
    total.totalTokens += u.totalTokens;
  }
  return total;
}

type Json = Record<string, unknown>;

function usageFrom(metrics: unknown): TokenUsage | undefined {
  const m = (metrics ?? {}) as Json;
  if (m.total_tokens === undefined && m.prompt_tokens === undefined) return undefined;
  return {
    promptTokens: numericValue(m.prompt_tokens) ?? 0,
    completionTokens: numericValue(m.completion_tokens) ?? 0,
    totalTokens: numericValue(m.total_tokens) ?? 0
  };
}

/** Read a node record back (for a resumed run). */
export function nodeRunFromRecord(record: Json): NodeRunResult {
  const info = record.run_info as Json;
  const logs = info.logs as { stdout: string; stderr: string } | null;
  return {
    node: String(record.NodeName ?? info.node),
    status: info.status as NodeRunResult['status'],
    inputs: (info.inputs ?? {}) as Json,
    output: info.output,
    ...(info.error ? { error: info.error as PfErrorDict } : {}),
    startTime: parseUtc(String(info.start_time)),
    endTime: parseUtc(String(info.end_time)),
    ...(usageFrom(info.system_metrics) ? { usage: usageFrom(info.system_metrics) } : {}),
    ...(logs ? { logs } : {})
  };
}

/** Read a line record back, with its node runs (for a resumed run). */
export function lineResultFromRecord(record: Json, nodeRuns: NodeRunResult[]): LineResult {
  const info = record.run_info as Json;
  const status = info.status as LineResult['status'];
  return {
    lineNumber: numericValue(record.line_number ?? info.index) ?? 0,
    inputs: (info.inputs ?? {}) as Json,
    status,
    ...(status === 'Completed' ? { output: (info.output ?? {}) as Json } : {}),
    ...(info.error ? { error: info.error as PfErrorDict } : {}),
    startTime: parseUtc(String(info.start_time)),
    endTime: parseUtc(String(info.end_time)),
    nodeRuns,
    usage: usageFrom(info.system_metrics) ?? sumUsage(nodeRuns.map((n) => n.usage))
  };
}

/**
 * error.json: Prompt flow's BulkRunException as `PromptflowExceptionPresenter.to_dict(include_debug_info=True)`
 * presents it. `errors` are `{line_number, error}` (sorted) then `{error, aggregation_node_name}`.
 */
export function bulkRunErrorDict(options: {
  errors: Json[];
  failedLines: number | 'unknown';
  totalLines: number | 'unknown';
  firstMessage: string;
}): Json {
  let message = `First error message is: ${options.firstMessage}`;
  if (typeof options.failedLines === 'number' && typeof options.totalLines === 'number' && options.failedLines > 0) {
    message = `Failed to run ${options.failedLines}/${options.totalLines} lines. ${message}`;
  }
  return {
    message,
    messageFormat: '',
    messageParameters: {},
    referenceCode: 'Runtime',
    code: 'UserError',
    innerError: { code: 'SDKError', innerError: { code: 'BulkRunException', innerError: null } },
    additionalInfo: [{ type: 'BulkRunErrors', info: { errors: options.errors } }],
    debugInfo: { type: 'BulkRunException', message, stackTrace: 'Traceback (most recent call last):\n', innerException: null }
  };
}
