import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { WORKER_SOURCE } from '../src/python/index.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');

describe('the embedded worker source', () => {
  test('worker-source.generated.ts is what scripts/embed-python.mjs makes from worker.py (run it after editing worker.py)', async () => {
    const script = (await import(pathToFileURL(join(ROOT, 'scripts', 'embed-python.mjs')).href)) as {
      renderWorkerSource(source: string): string; WORKER_PY: string; GENERATED_TS: string;
    };
    const fresh = script.renderWorkerSource(readFileSync(script.WORKER_PY, 'utf8'));
    expect(readFileSync(script.GENERATED_TS, 'utf8')).toBe(fresh);
    expect(WORKER_SOURCE).toBe(readFileSync(script.WORKER_PY, 'utf8'));
  });
});
