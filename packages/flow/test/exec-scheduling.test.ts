/**
 * Executor scheduling: nodes of one line run concurrently when independent,
 * lines run up to `concurrency` at once, and the first node failure fails the
 * line and cancels its pending and running nodes (`executor/_flow_nodes_scheduler.py`).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLog } from '@llmops/common';
import { parsePyJson, runFlow } from '@llmops/flow';
import { startFakeOpenAI, type FakeOpenAI } from './support/fake-openai.js';
import { makeFlowDir } from './python-support.js';

let fake: FakeOpenAI;
let work: string;
let connectionsFile: string;
const cleanups: Array<() => void> = [];

beforeAll(async () => {
  fake = await startFakeOpenAI();
  work = mkdtempSync(join(tmpdir(), 'llmops-exec-'));
  connectionsFile = join(work, 'connections.yml');
  writeFileSync(connectionsFile, `aoai:\n  type: azure_open_ai\n  api_base: ${fake.azureApiBase}\n  api_key: test-key\n`);
});
afterAll(async () => {
  await fake?.close();
  for (const cleanup of cleanups) cleanup();
  if (work) rmSync(work, { recursive: true, force: true });
});

function flowDir(files: Record<string, string>): string {
  const { dir, cleanup } = makeFlowDir(files);
  cleanups.push(cleanup);
  return dir;
}

function dataFile(rows: unknown[]): string {
  const path = join(work, `data-${Math.random().toString(36).slice(2)}.jsonl`);
  writeFileSync(path, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return path;
}

function outputs(file: string): Array<Record<string, unknown>> {
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => parsePyJson(l) as Record<string, unknown>);
}

/** The most requests the fake server was answering at once, from arrival and answer times. */
function trackConcurrency(delayMs: number): { peak: () => number } {
  let inFlight = 0;
  let peak = 0;
  fake.setBehavior(() => {
    inFlight++;
    peak = Math.max(peak, inFlight);
    setTimeout(() => inFlight--, delayMs).unref();
    return { delayMs };
  });
  return { peak: () => peak };
}

const TWO_LLM_NODES = `
inputs:
  q:
    type: string
outputs:
  a:
    type: string
    reference: \${a.output}
  b:
    type: string
    reference: \${b.output}
nodes:
- name: a
  type: llm
  source: {type: code, path: chat.jinja2}
  inputs: {deployment_name: d, q: '\${inputs.q}'}
  connection: aoai
  api: chat
- name: b
  type: llm
  source: {type: code, path: chat.jinja2}
  inputs: {deployment_name: d, q: '\${inputs.q}'}
  connection: aoai
  api: chat
`;

describe('node concurrency within a line', () => {
  test('two independent 300 ms LLM nodes finish in about 300 ms, not 600', async () => {
    const tracker = trackConcurrency(300);
    let lineMs = 0;
    const result = await runFlow({
      flow: flowDir({ 'flow.dag.yaml': TWO_LLM_NODES, 'chat.jinja2': 'user:\n{{q}}\n' }),
      data: dataFile([{ q: 'x' }]),
      connectionsFile,
      runsDir: join(work, 'runs'),
      concurrency: 1,
      log: silentLog,
      onLine: (line) => (lineMs = line.endTime.getTime() - line.startTime.getTime())
    });
    expect(result.linesCompleted).toBe(1);
    expect(tracker.peak()).toBe(2);
    expect(lineMs).toBeGreaterThanOrEqual(300);
    expect(lineMs).toBeLessThan(550);
  });

  test('two independent 300 ms python nodes overlap in time', async () => {
    const yaml = `
inputs:
  q:
    type: string
outputs:
  a:
    type: object
    reference: \${a.output}
  b:
    type: object
    reference: \${b.output}
nodes:
- name: a
  type: python
  source: {type: code, path: nap.py}
  inputs: {q: '\${inputs.q}'}
- name: b
  type: python
  source: {type: code, path: nap.py}
  inputs: {q: '\${inputs.q}'}
`;
    const nap = 'import time\nfrom promptflow.core import tool\n\n\n@tool\ndef nap(q):\n    start = time.time()\n    time.sleep(0.3)\n    return [start, time.time()]\n';
    const result = await runFlow({
      flow: flowDir({ 'flow.dag.yaml': yaml, 'nap.py': nap }),
      data: dataFile([{ q: 'x' }]),
      runsDir: join(work, 'runs'),
      concurrency: 2,
      log: silentLog
    });
    const [line] = outputs(result.outputFile);
    const a = line!.a as number[];
    const b = line!.b as number[];
    // Each ran 300 ms; they overlap when each started before the other ended.
    expect(a[0]!).toBeLessThan(b[1]!);
    expect(b[0]!).toBeLessThan(a[1]!);
  });
});

describe('line concurrency', () => {
  test('6 lines of a 200 ms node at concurrency 3 run in two waves (~400 ms)', async () => {
    const yaml = `
inputs:
  q:
    type: string
outputs:
  a:
    type: string
    reference: \${a.output}
nodes:
- name: a
  type: llm
  source: {type: code, path: chat.jinja2}
  inputs: {deployment_name: d, q: '\${inputs.q}'}
  connection: aoai
  api: chat
`;
    const tracker = trackConcurrency(200);
    const spans: Array<[number, number]> = [];
    const result = await runFlow({
      flow: flowDir({ 'flow.dag.yaml': yaml, 'chat.jinja2': 'user:\n{{q}}\n' }),
      data: dataFile(Array.from({ length: 6 }, (_, i) => ({ q: `q${i}` }))),
      connectionsFile,
      runsDir: join(work, 'runs'),
      concurrency: 3,
      log: silentLog,
      onLine: (line) => spans.push([line.startTime.getTime(), line.endTime.getTime()])
    });
    const elapsed = Math.max(...spans.map((s) => s[1])) - Math.min(...spans.map((s) => s[0]));
    expect(result.linesCompleted).toBe(6);
    expect(tracker.peak()).toBe(3);
    expect(elapsed).toBeGreaterThanOrEqual(400);
    expect(elapsed).toBeLessThan(750);
    expect(outputs(result.outputFile).map((o) => o.line_number)).toEqual([0, 1, 2, 3, 4, 5]);
  });
});

describe('first node failure', () => {
  test('fails the line at once and cancels the running and pending nodes', async () => {
    const yaml = `
inputs:
  q:
    type: string
outputs:
  after:
    type: string
    reference: \${after.output}
nodes:
- name: fail
  type: python
  source: {type: code, path: fail.py}
  inputs: {q: '\${inputs.q}'}
- name: slow
  type: python
  source: {type: code, path: slow.py}
  inputs: {q: '\${inputs.q}'}
- name: after
  type: python
  source: {type: code, path: slow.py}
  inputs: {q: '\${slow.output}'}
`;
    const marker = join(work, `after-ran-${Date.now()}`);
    const fail = 'import time\nfrom promptflow.core import tool\n\n\n@tool\ndef fail(q):\n    time.sleep(0.2)\n    raise RuntimeError("boom")\n';
    const slow = `import time\nfrom promptflow.core import tool\n\n\n@tool\ndef slow(q):\n    if q != "x":\n        open(${JSON.stringify(marker)}, "w").write(q)\n    time.sleep(5)\n    return q + "!"\n`;
    const started = Date.now();
    const result = await runFlow({
      flow: flowDir({ 'flow.dag.yaml': yaml, 'fail.py': fail, 'slow.py': slow }),
      data: dataFile([{ q: 'x' }]),
      runsDir: join(work, 'runs'),
      concurrency: 2, // two python workers, so `fail` and `slow` run side by side
      log: silentLog
    });
    expect(Date.now() - started).toBeLessThan(4000);
    expect(result.linesFailed).toBe(1);
    expect(result.failedLines[0]!.message).toBe("Execution failure in 'fail': (RuntimeError) boom");
    // `after` depended on the cancelled `slow` node: it never started.
    expect(() => readFileSync(marker)).toThrow();
  });
});
