import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ErrorLocation, Log } from '@llmops/common';

/** Sets env vars for one test and restores them afterwards. */
export class EnvScope {
  private readonly saved = new Map<string, string | undefined>();

  set(vars: Record<string, string | undefined>): void {
    for (const [key, value] of Object.entries(vars)) {
      if (!this.saved.has(key)) this.saved.set(key, process.env[key]);
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }

  restore(): void {
    for (const [key, value] of this.saved) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    this.saved.clear();
  }
}

export function tempDir(prefix = 'llmops-gh-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function writeEvent(dir: string, payload: unknown): string {
  const path = join(dir, 'event.json');
  writeFileSync(path, JSON.stringify(payload));
  return path;
}

/** A Log that records what it was told, for assertions. */
export function recordingLog() {
  const entries: { level: string; message: string; where?: ErrorLocation }[] = [];
  const log: Log = {
    debug: (message) => entries.push({ level: 'debug', message }),
    info: (message) => entries.push({ level: 'info', message }),
    warning: (message, where) => entries.push({ level: 'warning', message, where }),
    error: (message, where) => entries.push({ level: 'error', message, where }),
    setSecret: () => {}
  };
  return { log, entries, of: (level: string) => entries.filter((e) => e.level === level).map((e) => e.message) };
}

/** Captures what @actions/core prints (workflow commands go to stdout). */
export function captureStdout(): { lines: () => string[]; restore: () => void } {
  const original = process.stdout.write.bind(process.stdout);
  let buffer = '';
  process.stdout.write = ((chunk: string | Uint8Array) => {
    buffer += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  }) as typeof process.stdout.write;
  return {
    lines: () => buffer.split('\n').filter((l) => l !== ''),
    restore: () => {
      process.stdout.write = original;
    }
  };
}

/** Parses GITHUB_OUTPUT's `name<<delimiter` blocks. */
export function parseOutputFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = lines[i]!.match(/^([^<]+)<<(.+)$/);
    if (!m) continue;
    const [, name, delimiter] = m;
    const value: string[] = [];
    for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i]!);
    out[name!] = value.join('\n');
  }
  return out;
}
