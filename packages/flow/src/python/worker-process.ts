import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import type { Log, SecretMasker } from '@llmops/common';
import { PythonWorkerCrashError, pythonInterpreterError } from './errors.js';
import { decodeReply, encodeRequest, type WorkerOp, type WorkerReply } from './protocol.js';

export interface WorkerHello {
  python: string;
  promptflow: string;
  pid: number;
}

export interface PythonWorkerOptions {
  python: string;
  /** The input or flag that names the interpreter, for error messages. */
  pythonField: string;
  script: string;
  flowDir: string;
  env: NodeJS.ProcessEnv;
  log: Log;
  masker: SecretMasker;
  onExit: (worker: PythonWorker) => void;
}

interface Pending {
  resolve: (reply: WorkerReply) => void;
  reject: (error: unknown) => void;
  node?: string;
}

const STDERR_TAIL = 2048;
const live = new Set<ChildProcessWithoutNullStreams>();
let exitHookInstalled = false;

/** Workers must not outlive the process that started them. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

/** One python3 process speaking the worker protocol, one request at a time. */
export class PythonWorker {
  readonly ready: Promise<WorkerHello>;
  /** Settles once the process is gone. */
  readonly done: Promise<void>;
  private markDone!: () => void;
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private stdoutBuffer = '';
  private stderrTail = '';
  private started = false;
  private exited = false;
  /** Why we killed it, so that its in-flight call is rejected with that and not as a crash. */
  private killReason: unknown;
  private resolveReady!: (hello: WorkerHello) => void;
  private rejectReady!: (error: unknown) => void;

  constructor(private readonly options: PythonWorkerOptions) {
    this.ready = new Promise<WorkerHello>((resolve, reject) => {
      this.resolveReady = resolve;
      this.rejectReady = reject;
    });
    this.ready.catch(() => {});
    this.done = new Promise<void>((resolve) => { this.markDone = resolve; });
    installExitHook();
    this.child = spawn(options.python, ['-u', '-B', options.script, options.flowDir], {
      cwd: options.flowDir,
      env: options.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      windowsHide: true
    });
    live.add(this.child);
    this.child.stdout.setEncoding('utf8');
    this.child.stderr.setEncoding('utf8');
    this.child.stdout.on('data', (chunk: string) => this.onStdout(chunk));
    this.child.stderr.on('data', (chunk: string) => this.onStderr(chunk));
    this.child.stdin.on('error', () => {}); // EPIPE when the worker died; the exit handler reports it
    this.child.on('error', (error: NodeJS.ErrnoException) => this.onSpawnError(error));
    this.child.on('exit', (code, signal) => this.onExit(code, signal));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get alive(): boolean {
    return !this.exited && this.killReason === undefined;
  }

  /** Send one request; resolves with the worker's reply (ok or not). */
  request(op: WorkerOp, fields: Record<string, unknown>, node?: string): Promise<WorkerReply> {
    if (!this.alive) return Promise.reject(new Error('The Python worker is no longer running.'));
    const id = this.nextId++;
    return new Promise<WorkerReply>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, node });
      this.child.stdin.write(encodeRequest({ id, op, ...fields }));
    });
  }

  /** Kill the process; its in-flight request is rejected with `reason`. */
  kill(reason: unknown): void {
    if (this.exited) return;
    if (this.killReason === undefined) this.killReason = reason ?? new Error('The Python worker was stopped.');
    this.rejectAll(this.killReason);
    this.setReferenced(true); // keep the loop alive until its exit is seen, so `done` settles
    this.child.kill('SIGKILL');
  }

  /** An idle worker must not keep the Node.js process alive. */
  setReferenced(referenced: boolean): void {
    const handles: Array<{ ref?: () => void; unref?: () => void }> = [
      this.child, this.child.stdin as never, this.child.stdout as never, this.child.stderr as never
    ];
    for (const h of handles) (referenced ? h.ref : h.unref)?.call(h);
  }

  private onStdout(chunk: string): void {
    this.stdoutBuffer += chunk;
    let newline = this.stdoutBuffer.indexOf('\n');
    while (newline >= 0) {
      const line = this.stdoutBuffer.slice(0, newline);
      this.stdoutBuffer = this.stdoutBuffer.slice(newline + 1);
      if (line.trim()) this.onReply(line);
      newline = this.stdoutBuffer.indexOf('\n');
    }
  }

  private onReply(line: string): void {
    let reply: WorkerReply;
    try {
      reply = decodeReply(line);
    } catch (error) {
      this.kill(new Error(`The Python worker sent an unreadable reply: ${(error as Error).message}`));
      return;
    }
    if (reply.id === 0 && !this.started) {
      this.started = true;
      this.resolveReady(reply.value as WorkerHello);
      return;
    }
    const pending = reply.id === null ? undefined : this.pending.get(reply.id);
    if (!pending) {
      this.options.log.debug(`python worker ${this.pid}: reply to an unknown request ${reply.id}`);
      return;
    }
    this.pending.delete(reply.id as number);
    pending.resolve(reply);
  }

  private onStderr(chunk: string): void {
    this.stderrTail = (this.stderrTail + chunk).slice(-STDERR_TAIL);
    for (const line of chunk.split('\n')) {
      if (line.trim()) this.options.log.debug(`python worker ${this.pid}: ${this.options.masker.mask(line)}`);
    }
  }

  private onSpawnError(error: NodeJS.ErrnoException): void {
    const detail = error.code === 'ENOENT' ? 'it was not found' : error.code === 'EACCES' ? 'it is not executable' : error.message;
    const failure = pythonInterpreterError(this.options.python, this.options.pythonField, detail);
    this.rejectReady(failure);
    this.rejectAll(failure);
    this.markExited();
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    const exit = signal ? `was killed by ${signal}` : `exited with code ${code}`;
    const detail = this.options.masker.mask(lastLine(this.stderrTail));
    if (!this.started) {
      this.rejectReady(this.killReason ?? pythonInterpreterError(this.options.python, this.options.pythonField,
        `the worker ${exit} before it started${detail ? ` (${detail})` : ''}`));
    }
    for (const [id, pending] of this.pending) {
      this.pending.delete(id);
      pending.reject(this.killReason ?? new PythonWorkerCrashError(pending.node, exit, detail));
    }
    this.markExited();
  }

  private markExited(): void {
    if (this.exited) return;
    this.exited = true;
    live.delete(this.child);
    this.markDone();
    this.options.onExit(this);
  }

  private rejectAll(reason: unknown): void {
    for (const [id, pending] of this.pending) {
      this.pending.delete(id);
      pending.reject(reason);
    }
  }
}

function lastLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  return lines.at(-1) ?? '';
}
