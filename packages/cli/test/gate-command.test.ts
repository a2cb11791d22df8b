import { describe, expect, test } from '@jest/globals';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gateCommand } from '../src/commands/gate.js';
import { captureIO } from './support/capture.js';

const dir = mkdtempSync(join(tmpdir(), 'llmops-cli-gate-'));
const metricsFile = join(dir, 'metrics.json');
writeFileSync(metricsFile, JSON.stringify({ accuracy: 0.75, f1_macro: 0.6, latency_ms: 420 }));

const capture = captureIO;

describe('llmops gate', () => {
  test('passes: exit 0 and the report on stdout', async () => {
    const c = capture();
    const code = await gateCommand.run(['--metrics', metricsFile, '--thresholds', 'accuracy >= 0.7', 'latency_ms < 800'], c.io);
    expect(code).toBe(0);
    expect(c.stdout()).toMatch(/^## ✅ Gate passed\n\nAll 2 checks passed\./);
    expect(c.stdout()).toContain('| accuracy | 0.75 | >= 0.7 | ✅ |');
    // Metrics no rule checks are listed too.
    expect(c.stdout()).toContain('Other metrics (1)');
    expect(c.logged('error')).toEqual([]);
  });

  test('fails: exit 1, the same report, the failures on the log; --report-file gets the report too', async () => {
    const c = capture();
    const reportFile = join(dir, 'out', 'gate.md');
    const code = await gateCommand.run(['--metrics', metricsFile, '--thresholds', 'accuracy >= 0.9', '--report-file', reportFile], c.io);
    expect(code).toBe(1);
    expect(c.stdout()).toMatch(/^## ❌ Gate failed/);
    expect(c.stdout()).toContain('- accuracy = 0.75, required >= 0.9 (line 1: accuracy >= 0.9)');
    // The file keeps Markdown's entities; the terminal shows the characters.
    expect(readFileSync(reportFile, 'utf8')).toContain('required &gt;= 0.9');
    expect(c.logged('error')).toEqual(['Gate failed: accuracy = 0.75, required >= 0.9 (line 1: accuracy >= 0.9)']);
  });

  test('a bare number means accuracy >= N, as the classic assert script did', async () => {
    expect(await gateCommand.run(['--metrics', metricsFile, '--thresholds', '0.6'], capture().io)).toBe(0);
    expect(await gateCommand.run(['--metrics', metricsFile, '--thresholds', '80%'], capture().io)).toBe(1);
  });

  test('baseline and max-regression: inline JSON, a run directory; lower-is-better metrics regress upward', async () => {
    const baselineRun = join(dir, 'main-run');
    mkdirSync(baselineRun, { recursive: true });
    writeFileSync(join(baselineRun, 'metrics.json'), JSON.stringify({ accuracy: 0.8, latency_ms: 300 }));
    const c = capture();
    const code = await gateCommand.run(['--metrics', metricsFile, '--baseline', baselineRun, '--max-regression', 'accuracy 0.02', 'latency_ms 10%'], c.io);
    expect(code).toBe(1);
    const report = c.stdout();
    expect(report).toContain('2 of 2 checks failed');
    expect(report).toContain('| accuracy | 0.75 | 0.8 | ▼ -0.05 (worse) |');
    expect(report).toContain('| latency_ms | 420 | 300 | ▲ +120 (worse) |');
    expect(report).toMatch(/Baseline: `.*main-run\/metrics\.json`/);

    const ok = capture();
    expect(await gateCommand.run(['--metrics', '{"accuracy": 0.79}', '--baseline', '{"accuracy": 0.8}', '--max-regression', 'accuracy 0.02'], ok.io)).toBe(0);
    expect(ok.stdout()).toContain('Metrics: `inline JSON`');
  });

  test('mistakes are UserErrors naming the flag', async () => {
    const io = capture().io;
    await expect(gateCommand.run(['--thresholds', 'accuracy >= 0.9'], io)).rejects.toMatchObject({ field: '--metrics' });
    await expect(gateCommand.run(['--metrics', metricsFile], io)).rejects.toThrow('Nothing to gate on');
    await expect(gateCommand.run(['--metrics', metricsFile, '--max-regression', 'accuracy 0.02'], io)).rejects.toThrow('also give --baseline');
    await expect(gateCommand.run(['--metrics', metricsFile, '--thresholds', 'accuracy >> 0.9'], io)).rejects.toMatchObject({ field: '--thresholds' });
    await expect(gateCommand.run(['--metrics', join(dir, 'nope.json'), '--thresholds', '0.5'], io)).rejects.toThrow("'--metrics' is neither JSON nor an existing file");
  });
});
