/**
 * action-run-flow end to end: the real run() with INPUT_* variables, GITHUB_OUTPUT
 * and GITHUB_STEP_SUMMARY files, a fake Azure OpenAI/OpenAI server on 127.0.0.1,
 * and real python3 workers for the Python node.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { captureStdout, EnvScope, parseOutputFile } from '../../packages/github/test/support/env.js';
import { fakeErrors, startFakeOpenAI, type FakeOpenAI, type RecordedRequest } from '../../packages/flow/test/support/fake-openai.js';
import { run } from '../src/main.js';
import { filesUnder, jsonLines, Workspace } from './support/workspace.js';

const API_KEY = 'sk-test-7f3e9a21c4b8d6e0';
const KEY_VARIABLE = 'LLMOPS_TEST_AOAI_KEY';
const INPUT_NAMES = [
  'flow', 'data', 'run-file', 'column-mapping', 'run', 'variant', 'connections', 'connections-file', 'environment-variables',
  'concurrency', 'line-timeout', 'allowed-failure-rate', 'runs-dir', 'name', 'python', 'cache', 'cache-dir', 'backend'
];
/** Fixed token counts per call, so the summary's totals are known. */
const USAGE = { prompt_tokens: 7, completion_tokens: 3 };

let fake: FakeOpenAI;
let ws: Workspace;
let out: ReturnType<typeof captureStdout>;
const env = new EnvScope();

beforeAll(async () => {
  fake = await startFakeOpenAI({ apiKey: API_KEY });
});
afterAll(async () => {
  await fake.close();
});

beforeEach(() => {
  fake.requests.length = 0;
  fake.setBehavior(() => ({ usage: USAGE }));
  ws = new Workspace();
  ws.connections(fake.azureApiBase, fake.openaiBaseUrl, KEY_VARIABLE);
  out = captureStdout();
});
afterEach(() => {
  out.restore();
  env.restore();
  process.exitCode = undefined;
});

/** Sets every input (unset ones cleared, so earlier tests leak nothing) and the runner's files. */
function inputs(values: Record<string, string>): void {
  const all: Record<string, string | undefined> = Object.fromEntries(INPUT_NAMES.map((n) => [n, undefined]));
  Object.assign(all, { flow: 'flow', data: 'data.jsonl', 'connections-file': 'connections.yml', concurrency: '2', name: 'the_run' }, values);
  env.set(Object.fromEntries(Object.entries(all).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v])));
  env.set({
    GITHUB_WORKSPACE: ws.dir,
    GITHUB_OUTPUT: ws.path('output.txt'),
    GITHUB_STEP_SUMMARY: ws.path('summary.md'),
    [KEY_VARIABLE]: API_KEY
  });
}

const outputs = () => parseOutputFile(ws.read('output.txt'));
const summary = () => ws.read('summary.md');
const errors = () => out.lines().filter((l) => l.startsWith('::error'));
const decoded = (line: string) => line.replace(/%0A/g, '\n').replace(/%0D/g, '\r').replace(/%3A/g, ':').replace(/%2C/g, ',').replace(/%25/g, '%');
const runDir = () => ws.path('.llmops/runs/the_run');
const outputRows = () => jsonLines(readFileSync(join(runDir(), 'flow_outputs', 'output.jsonl'), 'utf8'));
/** The user message the LLM node sent. */
const userText = (r: RecordedRequest) => String((r.body.messages as Array<{ role: string; content: string }>).find((m) => m.role === 'user')?.content);
const requestsFor = (text: string) => fake.requests.filter((r) => userText(r).startsWith(text));

function expectStepPassed(): void {
  expect(errors()).toEqual([]);
  expect(process.exitCode).toBeUndefined();
}

/** One error annotation, exit code 1, no stack trace. Returns the decoded annotation. */
function expectOneUserError(): string {
  expect(process.exitCode).toBe(1);
  expect(errors()).toHaveLength(1);
  expect(out.lines().filter((l) => /^\s+at /.test(decoded(l)) || decoded(l).includes('\n    at '))).toEqual([]);
  return decoded(errors()[0]!);
}

describe('a run against Azure OpenAI and OpenAI', () => {
  test('Azure connection: api-key header, deployment URL; outputs, output.jsonl and the summary', async () => {
    inputs({});
    await run();
    expectStepPassed();

    expect(fake.requests).toHaveLength(3);
    for (const r of fake.requests) {
      expect(r.style).toBe('azure');
      expect(r.path).toBe('/openai/deployments/gpt-35-turbo/chat/completions');
      expect(r.query['api-version']).toBe('2024-02-01');
      expect(r.headers['api-key']).toBe(API_KEY);
      expect(r.headers.authorization).toBeUndefined();
    }

    const o = outputs();
    expect(o).toEqual({
      'run-name': 'the_run',
      'run-dir': runDir(),
      'output-file': join(runDir(), 'flow_outputs', 'output.jsonl'),
      status: 'Completed',
      'lines-total': '3',
      'lines-completed': '3',
      'lines-failed': '0',
      metrics: '{}'
    });
    expect(readFileSync(o['output-file']!, 'utf8')).toBe(
      ['alpha', 'beta', 'gamma']
        .map((q, i) => `{"line_number": ${i}, "answer": "echo: ${q} (plain)", "prepared": "${q} (plain)"}\n`)
        .join('')
    );

    const s = summary();
    expect(s).toContain('Flow run `the_run`');
    // status | lines | completed | failed | duration | tokens (prompt / completion)
    expect(s).toMatch(/\| Completed \| 3 \| 3 \| 0 \| \d+(\.\d)? m?s \| 30 \(21 \/ 9\) \|/);
    expect(s).not.toContain('Failed lines');
    expect(s).toContain(runDir());
  });

  test('OpenAI connection through connections overrides: Bearer auth, /v1/chat/completions, the model from the override', async () => {
    inputs({ connections: 'ask.connection=oai\nask.model=gpt-4o-mini' });
    await run();
    expectStepPassed();
    expect(fake.requests).toHaveLength(3);
    for (const r of fake.requests) {
      expect(r.style).toBe('openai');
      expect(r.path).toBe('/v1/chat/completions');
      expect(r.headers.authorization).toBe(`Bearer ${API_KEY}`);
      expect(r.headers['api-key']).toBeUndefined();
      expect(r.body.model).toBe('gpt-4o-mini');
    }
    expect(outputs()['lines-completed']).toBe('3');
    expect(outputRows().map((r) => r.answer)).toEqual(['echo: alpha (plain)', 'echo: beta (plain)', 'echo: gamma (plain)']);
  });
});
