import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '@llmops/common';
import { actionLog } from '../src/log.js';
import { setOutputs } from '../src/outputs.js';
import { failStep, runAction } from '../src/run-action.js';
import { writeSummary } from '../src/summary.js';
import { truncateMarkdown } from '../src/truncate.js';
import { captureStdout, EnvScope, parseOutputFile, tempDir } from './support/env.js';

const env = new EnvScope();
let dir: string;
// core.summary remembers the first GITHUB_STEP_SUMMARY path it sees, so one file serves this file.
const summaryFile = join(tempDir(), 'summary.md');
let out: ReturnType<typeof captureStdout>;

beforeEach(() => {
  dir = tempDir();
  writeFileSync(summaryFile, '');
  env.set({ GITHUB_OUTPUT: join(dir, 'output'), GITHUB_STEP_SUMMARY: summaryFile });
  writeFileSync(join(dir, 'output'), '');
  out = captureStdout();
});
afterEach(() => {
  out.restore();
  env.restore();
  process.exitCode = undefined;
});

const annotations = () => out.lines().filter((l) => /^::(error|warning|notice)/.test(l));

describe('setOutputs', () => {
  test('writes strings, scalars and JSON to GITHUB_OUTPUT', () => {
    expect(setOutputs({ passed: false, count: 3, failures: [{ metric: 'accuracy' }], path: '/x', skipped: undefined })).toEqual(['passed', 'count', 'failures', 'path']);
    expect(parseOutputFile(readFileSync(join(dir, 'output'), 'utf8'))).toEqual({
      passed: 'false', count: '3', failures: '[{"metric":"accuracy"}]', path: '/x'
    });
  });
  test('refuses a value over 1 MB with a warning', () => {
    expect(setOutputs({ big: 'x'.repeat(1_000_001), small: 'ok' })).toEqual(['small']);
    expect(annotations()[0]).toMatch(/^::warning::Output 'big' was not set/);
  });
});

describe('writeSummary', () => {
  test('appends markdown to GITHUB_STEP_SUMMARY', async () => {
    expect(await writeSummary('## Gate\n\npassed')).toBe(true);
    expect(await writeSummary('more')).toBe(true);
    expect(readFileSync(summaryFile, 'utf8')).toBe('## Gate\n\npassed\nmore\n');
  });
  test('caps the size with a pointer', async () => {
    const big = Array.from({ length: 20000 }, (_, i) => `line ${i} ${'y'.repeat(50)}`).join('\n');
    await writeSummary(big, { pointer: 'See artifact gate-report.' });
    const written = readFileSync(summaryFile);
    expect(written.length).toBeLessThanOrEqual(900 * 1024 + 1);
    expect(written.toString()).toContain('See artifact gate-report.');
  });
  test('uses a given fitter', async () => {
    await writeSummary('abc', { fit: (md, max, pointer) => `${md}|${max}|${pointer}`, maxBytes: 10, pointer: 'p' });
    expect(readFileSync(summaryFile, 'utf8')).toBe('abc|10|p\n');
  });
  test('is a no-op outside Actions', async () => {
    env.set({ GITHUB_STEP_SUMMARY: undefined });
    expect(await writeSummary('x')).toBe(false);
  });
});

describe('runAction', () => {
  test('a UserError is one annotation with title, file and line, and no stack', async () => {
    await runAction('llmops gate', async () => {
      throw new UserError("line 2: expected '<metric> <op> <number>'", { field: 'thresholds', file: 'gate.yml', line: 2 });
    });
    expect(process.exitCode).toBe(1);
    expect(annotations()).toEqual([
      "::error title=llmops gate,file=gate.yml,line=2::gate.yml, field 'thresholds': line 2: expected '<metric> <op> <number>'"
    ]);
    expect(out.lines().join('\n')).not.toMatch(/at .*\.ts:\d+/);
  });
  test('a bug: the message fails the step, the stack goes to debug only', async () => {
    await runAction('gate', async () => {
      throw new TypeError('x is undefined');
    });
    expect(process.exitCode).toBe(1);
    expect(annotations()).toEqual(['::error::gate failed unexpectedly: x is undefined']);
    expect(out.lines().some((l) => l.startsWith('::debug::TypeError: x is undefined'))).toBe(true);
  });
  test('failStep after outputs: outputs kept, one annotation', async () => {
    await runAction('gate', async () => {
      setOutputs({ passed: false });
      failStep('Gate failed: accuracy 0.7 < 0.9');
    });
    expect(process.exitCode).toBe(1);
    expect(annotations()).toEqual(['::error::Gate failed: accuracy 0.7 < 0.9']);
    expect(parseOutputFile(readFileSync(join(dir, 'output'), 'utf8'))).toEqual({ passed: 'false' });
  });
  test('success leaves the exit code alone', async () => {
    await runAction('gate', async () => {});
    expect(process.exitCode).toBeUndefined();
    expect(annotations()).toEqual([]);
  });
});

test('actionLog maps warnings to annotations with file, line and field', () => {
  const log = actionLog();
  log.warning('bad column', { file: 'flow.dag.yaml', line: 4, field: 'inputs.text' });
  log.setSecret('s3cr3t-value');
  expect(out.lines()).toEqual(['::warning title=field \'inputs.text\',file=flow.dag.yaml,line=4::bad column', '::add-mask::s3cr3t-value']);
});

describe('truncateMarkdown', () => {
  test('returns short text unchanged', () => {
    expect(truncateMarkdown('abc', { maxChars: 10 }, 'p')).toBe('abc');
  });
  test('cuts at a line, closes an open fence and details, adds the pointer', () => {
    const md = ['# R', '<details><summary>rows</summary>', '', '```', ...Array.from({ length: 200 }, (_, i) => `row ${i}`), '```', '</details>'].join('\n');
    const cut = truncateMarkdown(md, { maxChars: 600 }, 'Full report: artifact.');
    expect(cut.length).toBeLessThanOrEqual(600);
    expect(cut).toMatch(/row \d+\n```\n<\/details>\n\n> \[!NOTE\]\n> Truncated to fit GitHub's size limit\. Full report: artifact\.\n$/);
  });
  test('counts bytes when asked', () => {
    const md = 'é'.repeat(1000);
    expect(Buffer.byteLength(truncateMarkdown(md, { maxBytes: 700 }, 'p'), 'utf8')).toBeLessThanOrEqual(700);
  });
});
