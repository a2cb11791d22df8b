/** A throwaway flow directory of Python tool files for the pool tests. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function makeFlowDir(files: Record<string, string>): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'llmops-pytest-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text.replace(/^\n/, ''));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Await a promise expected to reject and hand back its error. */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}
