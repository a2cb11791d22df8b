/**
 * The run directory `<runs-dir>/<run-name>/`, laid out as Prompt flow's local run
 * folder and written as lines finish, so nothing finished is lost if the process
 * dies. The per-line files in `flow_artifacts/` (written atomically, after the
 * line's node records) are the journal a resume or `finalize()` rebuilds from.
 */
import { appendFileSync, existsSync, writeFile as writeFileCallback, writeFileSync } from 'node:fs';
import { appendFile, copyFile, mkdir, readFile, readdir, rename, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { UserError } from '@llmops/common';
import { pyFloat } from '../py/pyvalue.js';
import { dumpsPandasRecords, dumpsPy, parsePyJson } from '../py/pyjson.js';
import { formatDisplayName } from './names.js';
import {
  LOCAL_STORAGE_BATCH_SIZE,
  bulkRunErrorDict,
  flowArtifactFileName,
  lineResultFromRecord,
  lineRunRecord,
  nodeArtifactFileName,
  nodeRunFromRecord,
  nodeRunRecord,
  sumUsage
} from './records.js';
import { isoLocal, isoUtc, logTimestamp, parseUtc } from './time.js';
import type { AggregationOutcome, LineResult, NodeRunResult, RunRecord, RunStatus } from './types.js';

/** What the snapshot leaves out of the flow directory. */
const LOG_FLUSH_MS = 250;

export const SNAPSHOT_EXCLUDES = new Set(['.git', '.runs', '__pycache__', '.promptflow', '.llmops', 'node_modules']);

export interface RunRecordInit {
  /** The flow directory (or its YAML file), as given. */
  flowPath: string;
  /** Defaults to the flow directory's name. */
  flowName?: string;
  /** The data file or directory, if any. */
  data?: string;
  /** The base run's name. */
  run?: string;
  /** `${node.variant_id}`. */
  variant?: string;
  columnMapping?: Record<string, unknown>;
  /** Raw display name; `${variant_id}`, `${run}`, `${timestamp}` are resolved here. */
  displayName?: string;
  description?: string;
  tags?: Record<string, string>;
  properties?: Record<string, unknown>;
  resumeFrom?: string;
}

export interface OpenRunOptions {
  runsDir: string;
  name: string;
  /** The flow directory copied into `snapshot/`. */
  flowDir: string;
  /** The flow YAML with variant and connection overrides applied, written as the snapshot's flow file. */
  flowYaml: string;
  /** Snapshot file name of the flow YAML (default `flow.dag.yaml`). */
  flowFileName?: string;
  /** `additional_includes` of the flow, relative to `flowDir`, copied to the snapshot root. */
  additionalIncludes?: string[];
  record: RunRecordInit;
  /** Reopen an existing run directory and keep its finished lines (default: an existing run is an error). */
  resume?: boolean;
  now?: Date;
  /** Applied to every file the store writes, so no secret reaches the run directory. */
  mask?: (text: string) => string;
}

export interface FinalizeOptions {
  /** Default: `Failed` when `error` is given, else `Completed` (even if lines failed, as in Prompt flow). */
  status?: RunStatus;
  /** What `log_metric` logged. */
  metrics?: Record<string, unknown>;
  aggregation?: AggregationOutcome;
  /** The user error that failed the whole run (bad mapping, missing connection, …). */
  error?: unknown;
  now?: Date;
}

export class RunStore {
  /** Lines finished so far, this session and before a resume; keyed by line number. */
  private readonly lines = new Map<number, LineResult>();
  private readonly queues = new Map<string, Promise<void>>();
  private readonly nodeFolders = new Set<string>();
  private readonly pendingLogs = new Map<string, { text: string; mode: 'write' | 'append' }>();
  private logTimer: NodeJS.Timeout | undefined;
  private tmpCounter = 0;

  private constructor(
    readonly dir: string,
    readonly name: string,
    private record: RunRecord,
    /** Masks secrets in everything written (a tool may echo a key in an output or an error). */
    private readonly mask: (text: string) => string = (text) => text
  ) {}

  static async open(options: OpenRunOptions): Promise<RunStore> {
    const now = options.now ?? new Date();
    const dir = resolve(options.runsDir, options.name);
    const runFile = join(dir, 'run.json');
    const existing = existsSync(runFile);
    if (existing && !options.resume) {
      throw new UserError(`Run '${options.name}' already exists in ${options.runsDir}. Choose another name, or resume it.`, {
        field: 'name',
        code: 'RunExistsError'
      });
    }
    for (const sub of ['flow_outputs', 'flow_artifacts', 'node_artifacts', 'flow_logs', 'snapshot']) {
      await mkdir(join(dir, sub), { recursive: true });
    }
    const previous = existing ? (parsePyJson(await readFile(runFile, 'utf8')) as Partial<RunRecord>) : undefined;
    const record = initialRecord(dir, options, now, previous);
    const store = new RunStore(dir, options.name, record, options.mask);
    if (existing) for (const line of await readLineResults(dir)) store.lines.set(line.lineNumber, line);
    await writeFile(join(dir, 'meta.json'), dumpsPy({ batch_size: LOCAL_STORAGE_BATCH_SIZE }));
    await appendFile(join(dir, 'logs.txt'), '');
    await writeSnapshot(dir, options);
    await store.writeRecord();
    return store;
  }

  /** The run record as it stands (`run.json`). */
  get current(): RunRecord {
    return this.record;
  }

  /** Lines already finished (including those found on resume), sorted by line number. */
  finishedLines(): LineResult[] {
    return [...this.lines.values()].sort((a, b) => a.lineNumber - b.lineNumber);
  }

  /** Record one finished line now: its node records, then its line record (the journal entry), then its log. */
  async appendLine(line: LineResult): Promise<void> {
    this.lines.set(line.lineNumber, line);
    await Promise.all(line.nodeRuns.map((node) => this.writeNodeRecord(line.lineNumber, node)));
    const file = join(this.dir, 'flow_artifacts', flowArtifactFileName(line.lineNumber));
    await this.plainWrite(file, dumpsPy(lineRunRecord(this.name, line)));
    this.deferLog(join(this.dir, 'flow_logs', `${String(line.lineNumber).padStart(9, '0')}.log`), lineLog(this.name, line), 'write');
    this.deferLog(join(this.dir, 'logs.txt'), formatLogLine(`Process name(MainProcess)-Process id(${process.pid})-Line number(${line.lineNumber}) ${line.status === 'Completed' ? 'completed' : 'failed'}.`, 'INFO', 'execution.bulk'), 'append');
  }

  /** Append one line to logs.txt in Prompt flow's format. */
  async log(message: string, level: 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR' = 'INFO', logger = 'execution.bulk'): Promise<void> {
    this.deferLog(join(this.dir, 'logs.txt'), formatLogLine(message, level, logger), 'append');
    this.flushLogs();
  }

  /**
   * Log files are written in batches, a few times a second: they are not the journal
   * a resume reads, and one write per line per log cost more than the line's own work
   * at high throughput. At most LOG_FLUSH_MS of log text is lost if the process dies.
   */
  private deferLog(file: string, text: string, mode: 'write' | 'append'): void {
    const pending = this.pendingLogs.get(file);
    if (pending && mode === 'append') pending.text += text;
    else this.pendingLogs.set(file, { text, mode });
    this.logTimer ??= setTimeout(() => this.flushLogs(), LOG_FLUSH_MS).unref();
  }

  private flushLogs(): void {
    if (this.logTimer) clearTimeout(this.logTimer);
    this.logTimer = undefined;
    for (const [file, { text, mode }] of this.pendingLogs) {
      try {
        if (mode === 'append') appendFileSync(file, this.mask(text));
        else writeFileSync(file, this.mask(text));
      } catch {
        // Logs are best effort: a run folder removed under us must not crash the run.
      }
    }
    this.pendingLogs.clear();
  }

  /** Write every summary file and the final run record. */
  async finalize(options: FinalizeOptions = {}): Promise<RunRecord> {
    const now = options.now ?? new Date();
    await Promise.all([...this.queues.values()]);
    this.flushLogs();
    const lines = this.finishedLines();
    const completed = lines.filter((l) => l.status === 'Completed');
    const failed = lines.filter((l) => l.status !== 'Completed');
    const aggregation = options.aggregation ?? { nodeRuns: [] };

    for (const node of aggregation.nodeRuns) await this.writeNodeRecord(null, node);
    await this.write(join(this.dir, 'flow_outputs', 'output.jsonl'), completed.map((l) => `${dumpsPy({ line_number: l.lineNumber, ...(l.output ?? {}) })}\n`).join(''));
    await this.write(join(this.dir, 'inputs.jsonl'), pandasLines(lines.map((l) => l.inputs)));
    await this.write(join(this.dir, 'outputs.jsonl'), pandasLines(completed.map((l) => withLineNumber(l.output ?? {}, l.lineNumber))));
    await this.write(join(this.dir, 'metrics.json'), dumpsPy(options.metrics ?? {}));

    const errorDict = this.errorDict(lines, failed, aggregation, options.error);
    if (errorDict) await this.write(join(this.dir, 'error.json'), dumpsPy(errorDict));

    if (lines.length > 0) {
      await this.log(`Finished ${lines.length} / ${lines.length} lines.`);
      if (failed.length > 0) {
        await this.log(`${failed.length}/${lines.length} flow run failed, indexes: [${failed.map((l) => l.lineNumber).join(',')}]`, 'WARNING');
      }
    }

    const usage = sumUsage([...lines.map((l) => l.usage ?? sumUsage(l.nodeRuns.map((n) => n.usage))), ...aggregation.nodeRuns.map((n) => n.usage)]);
    const start = parseUtc(this.record.start_time);
    const duration = Math.max(0, (now.getTime() - start.getTime()) / 1000);
    const status: RunStatus = options.status ?? (options.error !== undefined ? 'Failed' : 'Completed');
    const systemMetrics: Record<string, unknown> = {
      total_tokens: usage.totalTokens,
      prompt_tokens: usage.promptTokens,
      completion_tokens: usage.completionTokens,
      duration: pyFloat(duration),
      ...nodeStatusCounts(lines, aggregation.nodeRuns),
      '__pf__.lines.completed': completed.length,
      '__pf__.lines.failed': failed.length
    };
    const { error: _previousError, ...rest } = this.record;
    this.record = {
      ...rest,
      status,
      properties: { ...this.record.properties, system_metrics: systemMetrics },
      ...(errorDict ? { error: errorDict } : {}),
      lines: { total: lines.length, completed: completed.length, failed: failed.length },
      tokens: { prompt: usage.promptTokens, completion: usage.completionTokens, total: usage.totalTokens },
      end_time: isoUtc(now),
      duration
    };
    await this.writeRecord();
    return this.record;
  }

  private errorDict(lines: LineResult[], failed: LineResult[], aggregation: AggregationOutcome, error: unknown): Record<string, unknown> | undefined {
    const errors: Record<string, unknown>[] = failed
      .filter((l) => l.error)
      .map((l) => ({ line_number: l.lineNumber, error: l.error }));
    const aggregationFailures = aggregation.failure
      ? [aggregation.failure]
      : aggregation.nodeRuns.filter((n) => n.status === 'Failed' && n.error).map((n) => ({ node: n.node, error: n.error! }));
    for (const f of aggregationFailures) errors.push({ error: f.error, aggregation_node_name: f.node });
    if (errors.length > 0) {
      const first = (errors[0]!.error as { message?: unknown }).message;
      return bulkRunErrorDict({
        errors,
        failedLines: failed.length,
        totalLines: lines.length,
        firstMessage: typeof first === 'string' ? first : `Failed to extract error message from line runs. Please check ${join(this.dir, 'flow_outputs', 'output.jsonl')} for more info.`
      });
    }
    if (error === undefined) return undefined;
    const message = error instanceof Error ? error.message : typeof error === 'object' && error && 'message' in error ? String((error as { message: unknown }).message) : String(error);
    return bulkRunErrorDict({ errors: [], failedLines: 'unknown', totalLines: 'unknown', firstMessage: message });
  }

  private async writeNodeRecord(lineNumber: number | null, node: NodeRunResult): Promise<void> {
    const folder = join(this.dir, 'node_artifacts', node.node);
    if (!this.nodeFolders.has(folder)) {
      await mkdir(folder, { recursive: true });
      this.nodeFolders.add(folder);
    }
    await this.plainWrite(join(folder, nodeArtifactFileName(lineNumber)), dumpsPy(nodeRunRecord(this.name, lineNumber, node)));
  }

  private async writeRecord(): Promise<void> {
    const r = this.record;
    // `pf run show`'s key order, then our additions; seconds are Python floats (`1.0`).
    const ordered = {
      name: r.name, created_on: r.created_on, status: r.status, display_name: r.display_name, description: r.description,
      tags: r.tags, properties: r.properties, flow_name: r.flow_name, data: r.data, output: r.output,
      ...(r.run !== undefined ? { run: r.run } : {}),
      ...(r.error !== undefined ? { error: r.error } : {}),
      lines: r.lines, tokens: r.tokens, start_time: r.start_time, end_time: r.end_time,
      duration: r.duration === null ? null : pyFloat(r.duration)
    };
    await this.atomicWrite(join(this.dir, 'run.json'), dumpsPy(ordered, { indent: 4 }));
  }

  /**
   * Per-line files are written in place: a write torn by a crash leaves a record that
   * does not parse, and resume simply runs that line again. Serialized per file.
   */
  private write(file: string, content: string): Promise<void> {
    return writeFile(file, this.mask(content));
  }

  private plainWrite(file: string, content: string): Promise<void> {
    // The callback API: one thread-pool request per file and no FileHandle promises, so a
    // slow disk never stalls the event loop and hundreds of lines a second stay cheap.
    return this.enqueue(
      file,
      () => new Promise<void>((resolve, reject) => writeFileCallback(file, this.mask(content), (error) => (error ? reject(error) : resolve())))
    );
  }

  /** Write-then-rename, serialized per file, so a reader or a crash never sees half a file. */
  private atomicWrite(file: string, content: string): Promise<void> {
    return this.enqueue(file, async () => {
      const tmp = `${file}.${process.pid}.${++this.tmpCounter}.tmp`;
      await writeFile(tmp, this.mask(content));
      await rename(tmp, file);
    });
  }

  private enqueue(key: string, task: () => Promise<void>): Promise<void> {
    const previous = this.queues.get(key) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(task);
    this.queues.set(key, next);
    void next.finally(() => {
      if (this.queues.get(key) === next) this.queues.delete(key);
    }).catch(() => undefined);
    return next;
  }
}

/** `flow_logs/<n:09d>.log`: the line's node steps and what its nodes printed. */
function lineLog(runName: string, line: LineResult): string {
  const out: string[] = [];
  for (const node of [...line.nodeRuns].sort((a, b) => a.startTime.getTime() - b.startTime.getTime())) {
    if (node.status === 'Bypassed') continue;
    out.push(formatLogLine(`Executing node ${node.node}. node run id: ${runName}_${node.node}_${line.lineNumber}`, 'INFO', 'execution.flow', node.startTime));
    for (const [stream, text] of [['stdout', node.logs?.stdout], ['stderr', node.logs?.stderr]] as const) {
      for (const printed of (text ?? '').split('\n').filter((t) => t !== '')) {
        out.push(formatLogLine(`[${node.node} in line ${line.lineNumber} (index starts from 0)] ${stream}> ${printed}`, 'INFO', 'execution.flow', node.endTime));
      }
    }
    out.push(formatLogLine(node.status === 'Completed' ? `Node ${node.node} completes.` : `Node ${node.node} fails.`, node.status === 'Completed' ? 'INFO' : 'ERROR', 'execution.flow', node.endTime));
  }
  return out.join('');
}

function formatLogLine(message: string, level: string, logger: string, at: Date = new Date()): string {
  return `${logTimestamp(at)} ${String(process.pid).padStart(7)} ${logger.padEnd(18)} ${level.padEnd(8)} ${message}\n`;
}

function withLineNumber(output: Record<string, unknown>, lineNumber: number): Record<string, unknown> {
  return Object.hasOwn(output, 'line_number') ? output : { ...output, line_number: lineNumber };
}

/** Pandas `to_json(orient="records", lines=True)` of a table built from these rows (missing cells → null). */
function pandasLines(rows: Record<string, unknown>[]): string {
  return dumpsPandasRecords(rows);
}

function nodeStatusCounts(lines: LineResult[], aggregationNodes: NodeRunResult[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const node of [...lines.flatMap((l) => l.nodeRuns), ...aggregationNodes]) {
    const key = `__pf__.nodes.${node.node}.${node.status.toLowerCase()}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

function initialRecord(dir: string, options: OpenRunOptions, now: Date, previous?: Partial<RunRecord>): RunRecord {
  const init = options.record;
  const flowPath = resolve(init.flowPath);
  const properties: RunRecord['properties'] = { flow_path: posix(flowPath), output_path: posix(dir) };
  if (init.variant) properties.node_variant = init.variant;
  if (init.resumeFrom) properties.resume_from = init.resumeFrom;
  if (init.columnMapping && Object.keys(init.columnMapping).length > 0) properties.column_mapping = init.columnMapping;
  Object.assign(properties, init.properties ?? {});
  const record: RunRecord = {
    name: options.name,
    created_on: previous?.created_on ?? isoLocal(now),
    status: 'Running',
    display_name: formatDisplayName(init.displayName, { name: options.name, variant: init.variant, run: init.run, now }),
    description: init.description ?? null,
    tags: init.tags && Object.keys(init.tags).length > 0 ? init.tags : null,
    properties,
    flow_name: init.flowName ?? basename(flowPath.endsWith('.yaml') || flowPath.endsWith('.yml') ? resolve(flowPath, '..') : flowPath),
    data: init.data ? posix(resolve(init.data)) : null,
    output: posix(join(dir, 'flow_outputs')),
    ...(init.run ? { run: init.run } : {}),
    lines: previous?.lines ?? { total: 0, completed: 0, failed: 0 },
    tokens: previous?.tokens ?? { prompt: 0, completion: 0, total: 0 },
    start_time: previous?.start_time ?? isoUtc(now),
    end_time: null,
    duration: null
  };
  return record;
}

function posix(path: string): string {
  return path.split(sep).join('/');
}

async function writeSnapshot(dir: string, options: OpenRunOptions): Promise<void> {
  const flowDir = resolve(options.flowDir);
  const snapshot = join(dir, 'snapshot');
  const runsDir = resolve(options.runsDir);
  const inside = (path: string, parent: string) => path === parent || path.startsWith(parent + sep);
  // fs.cp refuses a destination inside its source even with a filter, and a runs-dir
  // inside the flow directory is common (`.llmops/runs`): copy the tree ourselves.
  await copyTree(flowDir, snapshot, (path) => !SNAPSHOT_EXCLUDES.has(basename(path)) && !inside(path, runsDir) && !inside(path, dir));
  for (const include of options.additionalIncludes ?? []) {
    const source = resolve(flowDir, include);
    if (!existsSync(source)) {
      throw new UserError(`Unable to find additional include ${include} (resolved to ${source}).`, {
        file: join(flowDir, options.flowFileName ?? 'flow.dag.yaml'),
        field: 'additional_includes',
        code: 'FlowValidationError'
      });
    }
    await copyTree(source, join(snapshot, basename(source)), () => true);
  }
  await writeFile(join(snapshot, options.flowFileName ?? 'flow.dag.yaml'), options.flowYaml);
}

/** Copy a file or directory tree (following symlinks), keeping only paths `keep` accepts. */
async function copyTree(source: string, target: string, keep: (path: string) => boolean): Promise<void> {
  const info = await stat(source);
  if (!info.isDirectory()) {
    await mkdir(dirname(target), { recursive: true });
    await copyFile(source, target);
    return;
  }
  await mkdir(target, { recursive: true });
  for (const entry of await readdir(source)) {
    const path = join(source, entry);
    if (keep(path)) await copyTree(path, join(target, entry), keep);
  }
}

/** Rebuild every recorded line (completed or failed) from `flow_artifacts/` and `node_artifacts/`. */
async function readLineResults(dir: string): Promise<LineResult[]> {
  const flowDir = join(dir, 'flow_artifacts');
  if (!existsSync(flowDir)) return [];
  const nodesDir = join(dir, 'node_artifacts');
  const nodeNames = existsSync(nodesDir) ? (await readdir(nodesDir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name) : [];
  const results: LineResult[] = [];
  for (const file of (await readdir(flowDir)).filter((f) => f.endsWith('.jsonl')).sort()) {
    const text = await readFile(join(flowDir, file), 'utf8');
    for (const line of text.split('\n').filter((l) => l.trim() !== '')) {
      let record: Record<string, unknown>;
      try {
        record = parsePyJson(line) as Record<string, unknown>;
      } catch {
        continue; // a torn write from a crash: that line simply runs again
      }
      const lineNumber = Number(record.line_number);
      const nodeRuns: NodeRunResult[] = [];
      for (const node of nodeNames) {
        const nodeFile = join(nodesDir, node, nodeArtifactFileName(lineNumber));
        if (!existsSync(nodeFile)) continue;
        try {
          const nodeRecord = parsePyJson((await readFile(nodeFile, 'utf8')).trim()) as Record<string, unknown>;
          if (nodeRecord.line_number !== null) nodeRuns.push(nodeRunFromRecord(nodeRecord));
        } catch {
          // an unreadable node record only loses detail, not the line
        }
      }
      nodeRuns.sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
      results.push(lineResultFromRecord(record, nodeRuns));
    }
  }
  return results;
}

/** The lines a crashed or interrupted run already finished successfully, for the engine to skip on resume. */
export async function completedLines(runDir: string): Promise<LineResult[]> {
  return (await readLineResults(runDir)).filter((l) => l.status === 'Completed');
}
