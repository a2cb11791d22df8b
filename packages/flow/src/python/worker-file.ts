import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WORKER_SOURCE } from './worker-source.generated.js';

let workerPath: string | undefined;

/**
 * The worker script on disk: written once per process under the temp dir, in a directory
 * named by the source's hash so that concurrent processes and versions never clash.
 */
export function workerScriptPath(): string {
  if (workerPath && existsSync(workerPath)) return workerPath;
  const hash = createHash('sha256').update(WORKER_SOURCE).digest('hex').slice(0, 16);
  const dir = join(tmpdir(), `llmops-python-${hash}`);
  const file = join(dir, 'llmops_worker.py');
  if (!existsSync(file) || readFileSync(file, 'utf8') !== WORKER_SOURCE) {
    mkdirSync(dir, { recursive: true });
    const partial = `${file}.${process.pid}.tmp`;
    writeFileSync(partial, WORKER_SOURCE, { mode: 0o644 });
    renameSync(partial, file);
  }
  workerPath = file;
  return file;
}
