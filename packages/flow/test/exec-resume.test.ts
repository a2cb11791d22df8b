/**
 * Interrupted runs and replayed LLM calls: an aborted run keeps its finished
 * lines and a resume runs only the rest; in `replay` cache mode a call with no
 * recording fails only its own line, naming the node.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLog } from '@llmops/common';
import { parsePyJson, runFlow, type RunFlowResult } from '@llmops/flow';
import { startFakeOpenAI, type FakeOpenAI } from './support/fake-openai.js';
import { makeFlowDir } from './python-support.js';

let fake: FakeOpenAI;
let work: string;
const cleanups: Array<() => void> = [];

beforeAll(async () => {
  fake = await startFakeOpenAI();
  work = mkdtempSync(join(tmpdir(), 'llmops-exec-resume-'));
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

function dataFile(name: string, rows: unknown[]): string {
  const path = join(work, name);
  writeFileSync(path, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return path;
}

function outputLines(result: RunFlowResult): Array<Record<string, unknown>> {
  return readFileSync(result.outputFile, 'utf8').split('\n').filter(Boolean).map((l) => parsePyJson(l) as Record<string, unknown>);
}

describe('resume', () => {
  test('an aborted run keeps its finished lines; resuming reruns only the unfinished ones', async () => {
    const calls = join(work, 'calls.txt');
    const yaml = `
inputs:
  n:
    type: int
outputs:
  square:
    type: int
    reference: \${work.output}
nodes:
- name: work
  type: python
  source:
    type: code
    path: work.py
  inputs:
    n: \${inputs.n}
`;
    // Each call is logged; lines after the first two are slow enough to be caught by the abort.
    const tool = `import time\nfrom promptflow.core import tool\n\n\n@tool\ndef work(n: int) -> int:\n    with open(${JSON.stringify(calls)}, "a") as f:\n        f.write(f"{n}\\n")\n    if n >= 2:\n        time.sleep(0.4)\n    return n * n\n`;
    const flow = flowDir({ 'flow.dag.yaml': yaml, 'work.py': tool });
    const data = dataFile('resume.jsonl', Array.from({ length: 6 }, (_, n) => ({ n })));
    const runsDir = join(work, 'runs');
    const controller = new AbortController();
    let done = 0;

    const first = await runFlow({
      flow,
      data,
      runsDir,
      name: 'resumable',
      concurrency: 1,
      signal: controller.signal,
      log: silentLog,
      onLine: (line) => {
        if (line.status === 'Completed' && ++done === 2) controller.abort(new Error('interrupted'));
      }
    });
    expect(first.linesCompleted).toBe(2);
    expect(outputLines(first).map((l) => l.line_number)).toEqual([0, 1]);
    // Nothing started after the abort: at most the line in flight when it came.
    const callsBefore = readFileSync(calls, 'utf8').split('\n').filter(Boolean);
    expect(callsBefore.slice(0, 2)).toEqual(['0', '1']);
    expect(callsBefore.length).toBeLessThanOrEqual(3);

    const resumed = await runFlow({ flow, data, runsDir, name: 'resumable', resume: true, concurrency: 2, log: silentLog });
    expect(resumed.runDir).toBe(first.runDir);
    expect(resumed.linesCompleted).toBe(6);
    expect(resumed.linesFailed).toBe(0);
    expect(readFileSync(resumed.outputFile, 'utf8')).toBe(
      [0, 1, 2, 3, 4, 5].map((n) => `{"line_number": ${n}, "square": ${n * n}}\n`).join('')
    );
    const callsAfter = readFileSync(calls, 'utf8').split('\n').filter(Boolean).slice(callsBefore.length);
    expect(callsAfter.sort()).toEqual(['2', '3', '4', '5']);
  });
});

describe('LLM cache replay', () => {
  test('a replay miss fails only that line, naming the node; recorded lines replay without a request', async () => {
    const yaml = `
inputs:
  q:
    type: string
outputs:
  answer:
    type: string
    reference: \${ask.output}
nodes:
- name: ask
  type: llm
  source:
    type: code
    path: ask.jinja2
  inputs:
    deployment_name: gpt-35-turbo
    q: \${inputs.q}
  connection: aoai
  api: chat
`;
    const flow = flowDir({ 'flow.dag.yaml': yaml, 'ask.jinja2': 'user:\n{{q}}\n' });
    const connectionsFile = join(work, 'connections.yml');
    writeFileSync(connectionsFile, `aoai:\n  type: azure_open_ai\n  api_base: ${fake.azureApiBase}\n  api_key: test-key\n`);
    const cacheDir = join(work, 'cache');
    const runsDir = join(work, 'runs');
    const common = { flow, connectionsFile, cacheDir, runsDir, concurrency: 2, log: silentLog };

    const recorded = await runFlow({ ...common, data: dataFile('record.jsonl', [{ q: 'one' }, { q: 'two' }]), cache: 'record' });
    expect(recorded.linesCompleted).toBe(2);
    const requestsAfterRecording = fake.requests.length;

    const replayed = await runFlow({ ...common, data: dataFile('replay.jsonl', [{ q: 'one' }, { q: 'new question' }, { q: 'two' }]), cache: 'replay' });
    expect(fake.requests.length).toBe(requestsAfterRecording);
    expect(replayed.status).toBe('Completed');
    expect(readFileSync(replayed.outputFile, 'utf8')).toBe('{"line_number": 0, "answer": "echo: one"}\n{"line_number": 2, "answer": "echo: two"}\n');
    expect(replayed.failedLines.map((f) => f.lineNumber)).toEqual([1]);
    expect(replayed.failedLines[0]!.message).toContain("node 'ask'");
    expect(replayed.failedLines[0]!.message).toContain('replay');
  });
});
