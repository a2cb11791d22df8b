/**
 * A bulk run, as `pf run create` does it locally: resolve the run file and the
 * flow, map the data onto flow inputs, run the lines concurrently (a failed
 * line is recorded and never stops the others), persist each line as it
 * completes, run the aggregation nodes over the succeeded lines, and write the
 * Prompt flow run directory.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { stringify as stringifyYaml } from 'yaml';
import { SecretMasker, UserError, type Log } from '@llmops/common';
import { loadData, resolveBatchInputs } from '../batch/index.js';
import { connectionProblem, loadConnections } from '../connections/index.js';
import type { Connection } from '../connections/model.js';
import { applyPythonConnectionOverrides, loadFlow } from '../dag/index.js';
import type { Flow } from '../dag/model.js';
import { abortableSleep, EMBEDDING_TOOL, LlmCache, LlmClient, type CacheMode } from '../llm/index.js';
import { PythonPool, pythonParamValueType } from '../python/index.js';
import { defaultRunName, loadRunFile, readRun, RunStore, type RunSpec } from '../run/index.js';
import { runAggregation } from './aggregation.js';
import { Semaphore } from './concurrency.js';
import { lineTimeoutFailure } from './errors.js';
import { LineExecutor } from './line.js';
import { prepareNodes } from './tools.js';
import { addUsage, ZERO_USAGE, type LineRunResult, type TokenUsage } from './types.js';

export const DEFAULT_CONCURRENCY = 16;
export const DEFAULT_LINE_TIMEOUT_SEC = 600;
export const DEFAULT_RUNS_DIR = '.llmops/runs';
export const DEFAULT_CACHE_DIR = '.llmops/cache';
/** Nodes of one line run at once (Prompt flow's flow-test default; batch runs used 2). */
export const DEFAULT_NODE_CONCURRENCY = 16;

export interface RunFlowOptions {
  flow?: string;
  data?: string;
  runFile?: string;
  columnMapping?: Record<string, unknown>;
  /** Base run: a run directory or a run name under runsDir. */
  run?: string;
  variant?: string;
  /** `{node: {connection, deployment_name, model, <python connection input>}}` as in run.yml. */
  connections?: Record<string, Record<string, unknown>>;
  connectionsFile?: string | string[];
  environmentVariables?: Record<string, string>;
  concurrency?: number;
  lineTimeoutSec?: number;
  runsDir?: string;
  name?: string;
  displayName?: string;
  description?: string;
  tags?: Record<string, string>;
  python?: string;
  cache?: CacheMode;
  cacheDir?: string;
  /** Continue a run directory that already exists, skipping its completed lines. */
  resume?: boolean;
  /** Base for relative paths (default: the process working directory). */
  cwd?: string;
  log: Log;
  /** Called as each line finishes. */
  onLine?: (line: LineRunResult, progress: { done: number; total: number }) => void;
  /** Stops the run early (lines in flight fail, completed lines are kept). */
  signal?: AbortSignal;
}

export interface RunFlowResult {
  runName: string;
  runDir: string;
  outputFile: string;
  /** Canceled when `signal` stopped the run: finished lines are kept and `resume` runs the rest. */
  status: 'Completed' | 'Failed' | 'Canceled';
  linesTotal: number;
  linesCompleted: number;
  linesFailed: number;
  metrics: Record<string, unknown>;
  usage: TokenUsage;
  durationMs: number;
  /** The failed lines, in line order, with their error messages. */
  failedLines: Array<{ lineNumber: number; message: string }>;
  /** An aggregation node that failed (the run still completes). */
  aggregationError?: { node: string; message: string };
}

/** Explicit options override the run file's keys, as `pf run create --file x --flow y` does. */
function mergeRunFile(options: RunFlowOptions, spec: RunSpec | undefined, cwd: string) {
  const pick = <T>(explicit: T | undefined, fromFile: T | undefined) => (explicit !== undefined ? explicit : fromFile);
  const abs = (p: string | undefined) => (p === undefined ? undefined : isAbsolute(p) ? p : resolve(cwd, p));
  return {
    flow: options.flow !== undefined ? abs(options.flow) : spec?.flow,
    data: options.data !== undefined ? abs(options.data) : spec?.data,
    columnMapping: pick(options.columnMapping, spec?.columnMapping),
    run: pick(options.run, spec?.run),
    variant: pick(options.variant, spec?.variant),
    connections: pick(options.connections, spec?.connections),
    environmentVariables: { ...(spec?.environmentVariables ?? {}), ...(options.environmentVariables ?? {}) },
    name: pick(options.name, spec?.name),
    displayName: pick(options.displayName, spec?.displayName),
    description: pick(options.description, spec?.description),
    tags: pick(options.tags, spec?.tags)
  };
}

/** `${conn.key}` values in environment variables are read from connections, as Prompt flow does. */
function resolveEnvironment(vars: Record<string, string>, connections: Map<string, Connection>, flow: Flow, log: Log): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(vars)) {
    const match = /^\$\{([^.}]+)\.([^}]+)\}$/.exec(String(value));
    if (!match || match[1] === 'env') {
      out[key] = String(value);
      continue;
    }
    const connection = connections.get(match[1]!);
    const field = match[2]!;
    const problem = connection && connectionProblem(connection);
    if (problem) throw problem;
    const resolved = connection?.secrets[field] ?? connection?.configs[field];
    if (resolved === undefined) {
      throw new UserError(`Environment variable '${key}' refers to '${value}', but no connection '${match[1]}' with field '${field}' was given.`, {
        file: flow.file,
        field: `environment_variables.${key}`,
        code: 'ConnectionNotFound'
      });
    }
    if (connection?.secrets[field] !== undefined) log.setSecret(resolved);
    out[key] = resolved;
  }
  return out;
}

export async function runFlow(options: RunFlowOptions): Promise<RunFlowResult> {
  const started = Date.now();
  const cwd = options.cwd ?? process.cwd();
  const log = options.log;
  const spec = options.runFile ? await loadRunFile(resolve(cwd, options.runFile)) : undefined;
  for (const warning of spec?.warnings ?? []) log.warning(warning, { file: options.runFile });
  const merged = mergeRunFile(options, spec, cwd);
  if (!merged.flow) throw new UserError('No flow given: set `flow` (or `flow:` in the run file).', { field: 'flow' });
  if (!merged.data && !merged.run) throw new UserError('No data given: set `data` (or `data:` in the run file).', { field: 'data' });

  let flow = await loadFlow(merged.flow, { variant: merged.variant, connectionOverrides: stringValues(merged.connections) });
  for (const warning of flow.warnings ?? []) log.warning(warning, { file: flow.file });

  const connectionFiles = options.connectionsFile === undefined ? [] : [options.connectionsFile].flat().map((f) => resolve(cwd, f));
  const connections = connectionFiles.length ? loadConnections(connectionFiles, { log, deferMissingEnv: true }) : new Map<string, Connection>();

  const runsDir = resolve(cwd, options.runsDir ?? DEFAULT_RUNS_DIR);
  const baseRun = merged.run ? await readRun(merged.run, runsDir) : undefined;
  baseRun?.ensureCompleted();
  const data = merged.data ? await loadData(merged.data) : undefined;
  const runInputs = baseRun?.dataPath && existsSync(baseRun.dataPath) ? await loadData(baseRun.dataPath) : undefined;
  const { lines } = resolveBatchInputs({
    flowInputs: flow.inputs,
    data,
    dataFile: merged.data,
    runOutputs: baseRun?.outputs(),
    runInputs,
    columnMapping: merged.columnMapping,
    mappingFile: options.runFile && !options.columnMapping ? resolve(cwd, options.runFile) : undefined
  });
  if (lines.length === 0) {
    throw new UserError(`The data has no lines to run${merged.data ? ` (${merged.data})` : ''}.`, { file: merged.data, field: 'data', code: 'EmptyData' });
  }

  const runName = merged.name ?? defaultRunName(flow.dir, flow.nodeVariant ? variantIdOf(flow.nodeVariant) : undefined, new Date());
  const environment = resolveEnvironment({ ...flow.environmentVariables, ...merged.environmentVariables }, connections, flow, log);
  const pool = new PythonPool({
    python: options.python ?? 'python3',
    // One worker per line in flight, plus room for a line's independent Python nodes to overlap.
    size: Math.max(1, options.concurrency ?? DEFAULT_CONCURRENCY) + Math.max(0, countPythonNodes(flow) - 1),
    flowDir: flow.dir,
    env: environment,
    log
  });
  let store: RunStore | undefined;
  try {
    flow = await applyPendingOverrides(flow, pool);
    store = await RunStore.open({
      runsDir,
      name: runName,
      flowDir: flow.dir,
      flowYaml: stringifyYaml(flow.raw),
      additionalIncludes: flow.additionalIncludes,
      resume: options.resume ?? false,
      mask: secretMasker(connections),
      record: {
        flowPath: flow.dir,
        flowName: flow.name,
        displayName: merged.displayName,
        description: merged.description,
        tags: merged.tags,
        data: merged.data,
        run: baseRun?.name,
        columnMapping: merged.columnMapping,
        variant: flow.nodeVariant
      }
    });
    const llm = new LlmClient({
      cache: new LlmCache({ mode: options.cache ?? 'off', dir: resolve(cwd, options.cacheDir ?? DEFAULT_CACHE_DIR) }),
      log
    });
    const prepared = await prepareNodes(flow, {
      pool,
      llm,
      connections,
      connectionsSource: connectionFiles.join(', ') || '(none)',
      log
    });
    const executor = new LineExecutor(flow, prepared);
    log.debug(`${runName}: ${lines.length} lines ready to run after ${Date.now() - started} ms of setup`);
    const finished: LineRunResult[] = store.finishedLines().filter((l) => l.status === 'Completed').map(withUsage);
    const skip = new Set(finished.map((l) => l.lineNumber));
    const todo = lines.filter((l) => !skip.has(l.lineNumber));
    if (skip.size) log.info(`Resuming ${runName}: ${skip.size} line(s) already done, ${todo.length} to run.`);

    const semaphore = new Semaphore(Math.max(1, options.concurrency ?? DEFAULT_CONCURRENCY));
    const timeoutSec = options.lineTimeoutSec ?? DEFAULT_LINE_TIMEOUT_SEC;
    let done = finished.length;
    const runLine = async (line: { lineNumber: number; inputs: Record<string, unknown> }): Promise<LineRunResult | undefined> => {
      // After an abort, queued lines never start (an abort listener added now would
      // never fire): they stay unrecorded, so a resume runs them.
      if (options.signal?.aborted) return undefined;
      const controller = new AbortController();
      const onOuterAbort = () => controller.abort(options.signal!.reason);
      options.signal?.addEventListener('abort', onOuterAbort, { once: true });
      const timer = abortableSleep(timeoutSec * 1000, controller.signal).then(
        () => controller.abort(lineTimeoutFailure(line.lineNumber, timeoutSec)),
        () => undefined
      );
      try {
        return await executor.run(line.lineNumber, line.inputs, {
          nodeConcurrency: DEFAULT_NODE_CONCURRENCY,
          signal: controller.signal,
          onWarning: (m) => log.debug(m)
        });
      } finally {
        options.signal?.removeEventListener('abort', onOuterAbort);
        if (!controller.signal.aborted) controller.abort(new Error('line done'));
        await timer;
      }
    };
    await Promise.all(
      todo.map(async (line) => {
        const result = await semaphore.run(() => runLine(line));
        if (!result) return;
        // Persisted outside the concurrency slot: the next line need not wait for the disk.
        await store!.appendLine(result);
        finished.push(result);
        options.onLine?.(result, { done: ++done, total: lines.length });
      })
    );

    finished.sort((a, b) => a.lineNumber - b.lineNumber);
    const succeeded = finished.filter((l) => l.status === 'Completed');
    const failed = finished.filter((l) => l.status === 'Failed');
    const canceled = options.signal?.aborted === true;
    const aggregation = canceled
      ? { metrics: {}, nodeRuns: [] }
      : await runAggregation(flow, prepared, succeeded, options.signal ?? new AbortController().signal);
    const usage = finished.reduce((acc, l) => addUsage(acc, l.usage), addUsage(ZERO_USAGE, sumUsage(aggregation.nodeRuns)));
    if (failed.length) log.warning(`${failed.length}/${finished.length} flow run failed, indexes: [${failed.map((l) => l.lineNumber).join(',')}]`);
    if (aggregation.failure) log.warning(`Aggregation node '${aggregation.failure.node}' failed: ${aggregation.failure.error.message}`);

    const status = canceled ? 'Canceled' : 'Completed';
    if (canceled) log.warning(`Run ${runName} was canceled after ${finished.length}/${lines.length} lines; resume it to run the rest.`);
    await store.finalize({ status, metrics: aggregation.metrics, aggregation });
    return {
      runName,
      runDir: store.dir,
      outputFile: join(store.dir, 'flow_outputs', 'output.jsonl'),
      status,
      linesTotal: finished.length,
      linesCompleted: succeeded.length,
      linesFailed: failed.length,
      metrics: aggregation.metrics,
      usage,
      durationMs: Date.now() - started,
      failedLines: failed.map((l) => ({ lineNumber: l.lineNumber, message: l.error?.message ?? 'failed' })),
      aggregationError: aggregation.failure
        ? { node: aggregation.failure.node, message: aggregation.failure.error.message }
        : undefined
    };
  } catch (error) {
    await store?.finalize({ status: 'Failed', error }).catch(() => undefined);
    throw error;
  } finally {
    await pool.close();
  }
}

/** Python-node connection overrides need the tools' parameter types, known once they are loaded. */
async function applyPendingOverrides(flow: Flow, pool: PythonPool): Promise<Flow> {
  const pending = flow.pendingConnectionOverrides;
  if (!pending || Object.keys(pending).length === 0) return flow;
  const connectionParams = new Map<string, Set<string>>();
  for (const node of flow.nodes) {
    if (node.type !== 'python' || !pending[node.name]) continue;
    if (node.source.type === 'package' && node.source.tool === EMBEDDING_TOOL) {
      connectionParams.set(node.name, new Set(['connection']));
      continue;
    }
    if (node.source.type !== 'code') continue;
    const meta = await pool.load(join(flow.dir, node.source.path ?? ''), node.name);
    connectionParams.set(node.name, new Set(meta.parameters.filter((p) => pythonParamValueType(p) === 'connection').map((p) => p.name)));
  }
  return applyPythonConnectionOverrides(flow, pending, (node, input) => connectionParams.get(node.name)?.has(input) ?? false);
}

/** Lines read back from a run directory carry their usage per node only. */
function withUsage(line: import('../run/types.js').LineResult): LineRunResult {
  return { ...line, usage: line.usage ?? sumUsage(line.nodeRuns) };
}

/** Masks every connection secret in text the run writes to disk. */
function secretMasker(connections: Map<string, Connection>): (text: string) => string {
  const masker = new SecretMasker();
  for (const connection of connections.values()) for (const secret of Object.values(connection.secrets)) masker.add(secret);
  return (text) => masker.mask(text);
}

function countPythonNodes(flow: Flow): number {
  return flow.nodes.filter((n) => n.type === 'python' && !n.aggregation).length;
}

function stringValues(overrides: Record<string, Record<string, unknown>> | undefined): Record<string, Record<string, string>> | undefined {
  if (!overrides) return undefined;
  return Object.fromEntries(
    Object.entries(overrides).map(([node, values]) => [node, Object.fromEntries(Object.entries(values).map(([k, v]) => [k, String(v)]))])
  );
}

function variantIdOf(nodeVariant: string): string | undefined {
  return /^\$\{[^.]+\.([^}]+)\}$/.exec(nodeVariant)?.[1];
}

function sumUsage(runs: Array<{ usage?: TokenUsage }>): TokenUsage {
  return runs.reduce((acc, r) => addUsage(acc, r.usage), ZERO_USAGE);
}
