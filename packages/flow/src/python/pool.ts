import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { SecretMasker, UserError, silentLog, type Log } from '@llmops/common';
import type { Connection } from '../connections/model.js';
import { PythonToolError, toolLoadError } from './errors.js';
import type { WorkerReply } from './protocol.js';
import type { PythonCallRequest, PythonCallResult, PythonMetric, PythonToolMeta } from './types.js';
import { workerScriptPath } from './worker-file.js';
import { PythonWorker } from './worker-process.js';

export interface PythonPoolOptions {
  /** The interpreter: a name on PATH or a path. Default `python3`. */
  python?: string;
  /** The action input or CLI flag that set `python`, named in errors. Default `python`. */
  pythonField?: string;
  /** The most workers alive at once (Prompt flow's PF_WORKER_COUNT). Default 4. */
  size?: number;
  /** The flow directory: the tools' working directory, first on sys.path. */
  flowDir: string;
  /** Variables added to (or, when undefined, removed from) the inherited environment. */
  env?: Record<string, string | undefined>;
  log?: Log;
  /** Prefix each captured write with a UTC timestamp, as Prompt flow's node logs do. Default true. */
  recordDatetime?: boolean;
}

interface Waiter {
  resolve: (worker: PythonWorker) => void;
  reject: (error: unknown) => void;
}

/**
 * Python nodes run in a pool of long-lived python3 workers: started lazily up to `size`,
 * reused (a tool file is imported once per worker), one call at a time each, queued when
 * all are busy. A worker that dies or is killed on abort is dropped and replaced on demand.
 */
export class PythonPool {
  private readonly python: string;
  private readonly pythonField: string;
  private readonly size: number;
  private readonly flowDir: string;
  private readonly env: NodeJS.ProcessEnv;
  private readonly log: Log;
  private readonly masker = new SecretMasker();
  private readonly workers = new Set<PythonWorker>();
  private readonly idle: PythonWorker[] = [];
  private readonly waiters: Waiter[] = [];
  private readonly metaCache = new Map<string, Promise<PythonToolMeta>>();
  private readonly secretsSeen = new Set<string>();
  private started = 0;
  private closed = false;

  constructor(options: PythonPoolOptions) {
    this.python = options.python || 'python3';
    this.pythonField = options.pythonField ?? 'python';
    this.size = Math.max(1, Math.floor(options.size ?? 4));
    this.flowDir = resolve(options.flowDir);
    this.log = options.log ?? silentLog;
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const [key, value] of Object.entries(options.env ?? {})) {
      if (value === undefined) delete env[key];
      else env[key] = value;
    }
    env.PYTHONUNBUFFERED = '1';
    env.PYTHONIOENCODING = 'utf-8';
    if (options.recordDatetime === false) env.LLMOPS_PY_LOG_DATETIME = '0';
    this.env = env;
  }

  /** Workers alive now, idle among them, and started in total (replacements included). */
  get stats(): { alive: number; idle: number; started: number; queued: number } {
    return { alive: this.workers.size, idle: this.idle.length, started: this.started, queued: this.waiters.length };
  }

  /** The tool's metadata (cached per file). `node` only improves error messages. */
  load(toolPath: string, node?: string): Promise<PythonToolMeta> {
    const key = resolve(this.flowDir, toolPath);
    let meta = this.metaCache.get(key);
    if (!meta) {
      meta = this.withWorker(undefined, node, async (worker) => {
        const reply = await worker.request('load', { file: toolPath }, node);
        if (!reply.ok) throw this.replyError(reply, toolPath, node ?? '');
        return reply.value as PythonToolMeta;
      });
      this.metaCache.set(key, meta);
      // A failed load is asked again next time (the file may have been fixed, or a worker crashed).
      meta.catch(() => this.metaCache.delete(key));
    }
    return meta;
  }

  /** Run a tool on an idle worker: `f(**kwargs)` with connections as objects. */
  async call(request: PythonCallRequest): Promise<PythonCallResult> {
    const { node, toolPath, signal } = request;
    this.registerSecrets(request.connections);
    const reply = await this.withWorker(signal, node, (worker) => worker.request('call', {
      node,
      file: toolPath,
      kwargs: request.kwargs,
      ...(request.connections?.length ? { connections: request.connections } : {}),
      ...(request.connectionInputs?.length ? { connectionInputs: request.connectionInputs } : {}),
      ...(request.initArgs ? { init: request.initArgs } : {})
    }, node));
    if (!reply.ok) throw this.replyError(reply, toolPath, node);
    return {
      value: reply.value ?? null,
      stdout: this.masker.mask(reply.stdout ?? ''),
      stderr: this.masker.mask(reply.stderr ?? ''),
      metrics: (reply.metrics ?? []) as PythonMetric[]
    };
  }

  /** Kill every worker; later calls fail. */
  async close(): Promise<void> {
    this.closed = true;
    const closedError = new Error('The Python worker pool is closed.');
    for (const waiter of this.waiters.splice(0)) waiter.reject(closedError);
    const workers = [...this.workers];
    this.workers.clear();
    this.idle.length = 0;
    for (const worker of workers) worker.kill(closedError);
    await Promise.all(workers.map((w) => w.done));
  }

  /** Hold a worker for one request; abort kills it (it is replaced later) and rejects with the reason. */
  private async withWorker<T>(signal: AbortSignal | undefined, node: string | undefined, use: (w: PythonWorker) => Promise<T>): Promise<T> {
    signal?.throwIfAborted();
    const worker = await this.acquire(signal);
    if (signal?.aborted) {
      this.release(worker);
      throw signal.reason;
    }
    const onAbort = () => worker.kill(signal?.reason ?? new Error(`Python node '${node}' was cancelled.`));
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return await use(worker);
    } finally {
      signal?.removeEventListener('abort', onAbort);
      this.release(worker);
    }
  }

  private acquire(signal?: AbortSignal): Promise<PythonWorker> {
    if (this.closed) return Promise.reject(new Error('The Python worker pool is closed.'));
    const worker = this.idle.pop();
    if (worker) {
      worker.setReferenced(true);
      return Promise.resolve(worker);
    }
    if (this.workers.size < this.size) return this.startWorker();
    return new Promise<PythonWorker>((resolvePromise, reject) => {
      const waiter: Waiter = {
        resolve: (w) => { signal?.removeEventListener('abort', onAbort); resolvePromise(w); },
        reject: (e) => { signal?.removeEventListener('abort', onAbort); reject(e); }
      };
      const onAbort = () => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  private release(worker: PythonWorker): void {
    if (!worker.alive || this.closed) return;
    const waiter = this.waiters.shift();
    if (waiter) return waiter.resolve(worker);
    worker.setReferenced(false);
    this.idle.push(worker);
  }

  private async startWorker(): Promise<PythonWorker> {
    this.checkFlowDir();
    this.started++;
    const worker = new PythonWorker({
      python: this.python,
      pythonField: this.pythonField,
      script: workerScriptPath(),
      flowDir: this.flowDir,
      env: this.env,
      log: this.log,
      masker: this.masker,
      onExit: (w) => this.onWorkerExit(w)
    });
    this.workers.add(worker);
    const hello = await worker.ready;
    this.log.debug(`python worker ${hello.pid} started: Python ${hello.python}, promptflow ${hello.promptflow}`);
    return worker;
  }

  /** A dead worker leaves the pool; a queued call gets a fresh one in its place. */
  private onWorkerExit(worker: PythonWorker): void {
    if (!this.workers.delete(worker)) return;
    this.log.debug(`python worker ${worker.pid ?? '?'} is gone; ${this.workers.size} left`);
    const i = this.idle.indexOf(worker);
    if (i >= 0) this.idle.splice(i, 1);
    if (this.closed || this.waiters.length === 0) return;
    const waiter = this.waiters.shift()!;
    this.startWorker().then(waiter.resolve, waiter.reject);
  }

  private checkFlowDir(): void {
    if (!existsSync(this.flowDir) || !statSync(this.flowDir).isDirectory()) {
      throw new UserError(`The flow directory '${this.flowDir}' does not exist.`, { file: this.flowDir, code: 'FlowNotFound' });
    }
  }

  private registerSecrets(connections: Connection[] | undefined): void {
    for (const connection of connections ?? []) {
      for (const secret of Object.values(connection.secrets ?? {})) {
        if (typeof secret !== 'string' || !secret || this.secretsSeen.has(secret)) continue;
        this.secretsSeen.add(secret);
        this.log.setSecret(secret);
        this.masker.add(secret);
      }
    }
  }

  private replyError(reply: WorkerReply, toolPath: string, node: string): Error {
    const error = reply.error ?? { kind: 'protocol' as const, type: 'Error', message: 'The Python worker failed without an error.', traceback: '' };
    const masked = { ...error, message: this.masker.mask(error.message), traceback: this.masker.mask(error.traceback) };
    switch (masked.kind) {
      case 'tool':
        return new PythonToolError({
          node, toolPath, error: masked,
          stdout: this.masker.mask(reply.stdout ?? ''),
          stderr: this.masker.mask(reply.stderr ?? ''),
          metrics: (reply.metrics ?? []) as PythonMetric[]
        });
      case 'load':
      case 'missing':
      case 'init':
        return toolLoadError(toolPath, node || undefined, masked);
      case 'serialize':
        return new UserError(`The output of node '${node}' cannot be passed on: ${masked.message}`, {
          file: toolPath, field: `nodes.${node}`, code: 'FlowOutputUnserializable'
        });
      default:
        return new Error(`Python worker protocol error for node '${node}': ${masked.message}`);
    }
  }
}
