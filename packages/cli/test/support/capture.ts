/** Test helpers: capture what the CLI prints, through main() or a command's io. */
import { afterEach, beforeEach } from '@jest/globals';
import type { Log } from '@llmops/common';
import type { CommandIO } from '../../src/command.js';

/**
 * Replaces process.stdout/stderr writes for every test of the calling file; read the
 * returned object's `stdout`/`stderr` inside a test.
 */
export function captureProcessOutput(): { stdout: string; stderr: string } {
  const captured = { stdout: '', stderr: '' };
  let restore = () => {};
  beforeEach(() => {
    captured.stdout = '';
    captured.stderr = '';
    const out = process.stdout.write.bind(process.stdout);
    const err = process.stderr.write.bind(process.stderr);
    const text = (chunk: string | Uint8Array) => (typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    process.stdout.write = ((chunk: string | Uint8Array) => ((captured.stdout += text(chunk)), true)) as typeof process.stdout.write;
    process.stderr.write = ((chunk: string | Uint8Array) => ((captured.stderr += text(chunk)), true)) as typeof process.stderr.write;
    restore = () => {
      process.stdout.write = out;
      process.stderr.write = err;
    };
  });
  afterEach(() => restore());
  return captured;
}

/** A CommandIO that records stdout and every log entry. */
export function captureIO(): { io: CommandIO; stdout: () => string; logged: (level: string) => string[] } {
  let stdout = '';
  const entries: Array<{ level: string; message: string }> = [];
  const record = (level: string) => (message: string) => void entries.push({ level, message });
  const log: Log = {
    debug: record('debug'),
    info: record('info'),
    warning: record('warning'),
    error: record('error'),
    setSecret: () => {}
  };
  return {
    io: { log, stdout: (text) => void (stdout += text) },
    stdout: () => stdout,
    logged: (level) => entries.filter((e) => e.level === level).map((e) => e.message)
  };
}
