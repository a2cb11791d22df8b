/**
 * Per-call overhead of a Python node on a warm worker pool.
 * Run: npx tsx bench/python-call.bench.ts [calls=2000]
 * Target: ≤ 2 ms median for a trivial tool (the round trip through the protocol).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PythonPool } from '../packages/flow/src/python/index.js';

const TARGET_MEDIAN_MS = 2;
const calls = Number(process.argv[2] ?? 2000);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'llmops-pybench-'));
  writeFileSync(join(dir, 'echo.py'), [
    'from promptflow.core import tool',
    '',
    '@tool',
    'def echo(text: str, n: int = 1):',
    '    return {"text": text, "n": n}',
    ''
  ].join('\n'));
  const pool = new PythonPool({ flowDir: dir, size: 1 });
  try {
    const request = { node: 'echo', toolPath: 'echo.py', kwargs: { text: 'hello world', n: 3 } };
    for (let i = 0; i < 50; i++) await pool.call(request); // warm up: start the worker, import the tool
    const times: number[] = [];
    const started = performance.now();
    for (let i = 0; i < calls; i++) {
      const t0 = performance.now();
      await pool.call(request);
      times.push(performance.now() - t0);
    }
    const total = performance.now() - started;
    times.sort((a, b) => a - b);
    const median = percentile(times, 50);
    const p95 = percentile(times, 95);
    process.stdout.write(
      `python-call: ${calls} sequential calls on a warm worker in ${total.toFixed(0)} ms\n` +
      `  median ${median.toFixed(3)} ms   p95 ${p95.toFixed(3)} ms   max ${times.at(-1)!.toFixed(3)} ms\n` +
      `  target: median ≤ ${TARGET_MEDIAN_MS} ms → ${median <= TARGET_MEDIAN_MS ? 'met' : 'MISSED'}\n`
    );
  } finally {
    await pool.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
