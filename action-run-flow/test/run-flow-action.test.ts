/**
 * action-run-flow end to end: the real run() with INPUT_* variables, GITHUB_OUTPUT
 * and GITHUB_STEP_SUMMARY files, a fake Azure OpenAI/OpenAI server on 127.0.0.1,
 * and real python3 workers for the Python node.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { captureStdout, EnvScope, parseOutputFile, tempDir } from '../../packages/github/test/support/env.js';
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

// @actions/core remembers the summary file's path after its first write, so every test shares one.
const summaryFile = join(tempDir('llmops-run-flow-summary-'), 'step-summary.md');
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
  writeFileSync(summaryFile, '');
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
    GITHUB_STEP_SUMMARY: summaryFile,
    [KEY_VARIABLE]: API_KEY
  });
}

const outputs = () => parseOutputFile(ws.read('output.txt'));
const summary = () => readFileSync(summaryFile, 'utf8');
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

describe('LLM errors and retries', () => {
  test('429 with a small Retry-After, then success: the line completes after a visible retry', async () => {
    let throttled = 0;
    fake.setBehavior((r) => (userText(r).startsWith('beta') && throttled++ === 0 ? fakeErrors.rateLimited('0.05') : { usage: USAGE }));
    inputs({});
    await run();
    expectStepPassed();
    const beta = requestsFor('beta');
    expect(beta).toHaveLength(2);
    expect(beta[0]!.index).toBeLessThan(beta[1]!.index);
    expect(requestsFor('alpha')).toHaveLength(1);
    expect(outputs()['lines-completed']).toBe('3');
    expect(outputRows()[1]).toEqual({ line_number: 1, answer: 'echo: beta (plain)', prepared: 'beta (plain)' });
  });

  test('a 500 with Retry-After: 0.05, then success: retried, the line completes', async () => {
    let failed = 0;
    fake.setBehavior((r) =>
      userText(r).startsWith('gamma') && failed++ === 0 ? { ...fakeErrors.serverError(500), headers: { 'retry-after': '0.05' } } : { usage: USAGE }
    );
    inputs({});
    await run();
    expectStepPassed();
    expect(requestsFor('gamma')).toHaveLength(2);
    expect(outputs().status).toBe('Completed');
    expect(outputs()['lines-failed']).toBe('0');
  });

  test('insufficient_quota is not retried: that line fails, with the error in the summary\'s failed-lines table', async () => {
    fake.setBehavior((r) => (userText(r).startsWith('beta') ? fakeErrors.insufficientQuota() : { usage: USAGE }));
    inputs({ 'allowed-failure-rate': '0.5' });
    await run();
    expectStepPassed();
    expect(requestsFor('beta')).toHaveLength(1);
    expect(outputs()).toMatchObject({ 'lines-total': '3', 'lines-completed': '2', 'lines-failed': '1' });
    expect(outputRows().map((r) => r.line_number)).toEqual([0, 2]);
    const s = summary();
    expect(s).toContain('**Failed lines** (1)');
    const row = s.split('\n').find((l) => l.startsWith('| 1 |'));
    expect(row).toContain('insufficient_quota');
    expect(row).toContain('You exceeded your current quota');
    expect(s).toMatch(/\| Completed \| 3 \| 2 \| 1 \|/);
  });
});

describe('line timeout and the allowed failure rate', () => {
  const slowBeta = () => fake.setBehavior((r) => (userText(r).startsWith('beta') ? { delayMs: 3000, usage: USAGE } : { usage: USAGE }));

  test('a reply slower than line-timeout fails that line only; allowed-failure-rate 0.5 lets the step pass', async () => {
    slowBeta();
    inputs({ 'line-timeout': '1', 'allowed-failure-rate': '0.5' });
    const started = Date.now();
    await run();
    expect(Date.now() - started).toBeLessThan(2800);
    expectStepPassed();
    expect(outputs()).toMatchObject({ status: 'Completed', 'lines-completed': '2', 'lines-failed': '1' });
    expect(outputRows().map((r) => r.line_number)).toEqual([0, 2]);
    expect(summary()).toContain('| 1 | Line 1 execution timeout for exceeding 1 seconds |');
    const error = JSON.parse(readFileSync(join(runDir(), 'flow_artifacts', '000000001_000000001.jsonl'), 'utf8'));
    expect(error.run_info.error.message).toBe('Line 1 execution timeout for exceeding 1 seconds');
  });

  test('default allowed-failure-rate 0: the step fails after every output and the summary are written', async () => {
    slowBeta();
    inputs({ 'line-timeout': '1' });
    await run();
    expect(process.exitCode).toBe(1);
    // Outputs and summary were written before the failure.
    expect(outputs()).toMatchObject({ 'run-name': 'the_run', status: 'Completed', 'lines-total': '3', 'lines-completed': '2', 'lines-failed': '1' });
    expect(existsSync(outputs()['output-file']!)).toBe(true);
    expect(summary()).toContain('Line 1 execution timeout for exceeding 1 seconds');
    const annotation = expectOneUserError();
    expect(annotation).toBe(
      '::error::1/3 lines failed (33.3%), more than allowed-failure-rate 0. First failure, line 1: Line 1 execution timeout for exceeding 1 seconds'
    );
    // The failure is the last thing the step printed.
    expect(out.lines().at(-1)).toBe(errors()[0]);
  });
});

describe('inputs', () => {
  test('column-mapping as key=value lines', async () => {
    inputs({ 'column-mapping': 'question=${data.topic}\ntone=formal' });
    await run();
    expectStepPassed();
    expect(outputRows().map((r) => r.prepared)).toEqual(['topic 0 (formal)', 'topic 1 (formal)', 'topic 2 (formal)']);
    const record = JSON.parse(readFileSync(join(runDir(), 'run.json'), 'utf8'));
    expect(record.properties.column_mapping).toEqual({ question: '${data.topic}', tone: 'formal' });
  });

  test('column-mapping as YAML, with a literal that is not a string', async () => {
    inputs({ 'column-mapping': 'question: ${data.question}\ntone: 42\n' });
    await run();
    expectStepPassed();
    // An int literal reaches the Python tool and is printed by str().
    expect(outputRows().map((r) => r.prepared)).toEqual(['alpha (42)', 'beta (42)', 'gamma (42)']);
  });

  test('connections: node.deployment_name reaches the request URL', async () => {
    inputs({ connections: 'ask.deployment_name=gpt-4o' });
    await run();
    expectStepPassed();
    expect(fake.requests.map((r) => r.path)).toEqual(Array(3).fill('/openai/deployments/gpt-4o/chat/completions'));
  });

  test('connections as YAML', async () => {
    inputs({ connections: 'ask:\n  connection: oai\n  model: gpt-4.1\n' });
    await run();
    expectStepPassed();
    expect(fake.requests.map((r) => [r.style, r.body.model])).toEqual(Array(3).fill(['openai', 'gpt-4.1']));
  });

  test('environment-variables are visible to Python nodes through os.environ', async () => {
    inputs({ 'environment-variables': 'QUESTION_SUFFIX=?!' });
    await run();
    expectStepPassed();
    expect(outputRows().map((r) => r.prepared)).toEqual(['alpha?! (plain)', 'beta?! (plain)', 'gamma?! (plain)']);
    expect(requestsFor('alpha?! (plain)')).toHaveLength(1);
  });

  test('variant selects a node variant; the run records it', async () => {
    ws.write(
      'variants/flow.dag.yaml',
      `inputs:
  question:
    type: string
outputs:
  answer:
    type: string
    reference: \${ask.output}
nodes:
- name: ask
  use_variants: true
node_variants:
  ask:
    default_variant_id: variant_0
    variants:
      variant_0:
        node:
          type: llm
          source:
            type: code
            path: plain.jinja2
          inputs:
            deployment_name: gpt-35-turbo
            question: \${inputs.question}
          connection: aoai
          api: chat
      variant_1:
        node:
          type: llm
          source:
            type: code
            path: shouty.jinja2
          inputs:
            deployment_name: gpt-4o
            question: \${inputs.question}
          connection: aoai
          api: chat
`
    );
    ws.write('variants/plain.jinja2', 'user:\n{{question}}\n');
    ws.write('variants/shouty.jinja2', 'user:\n{{question | upper}}!\n');
    inputs({ flow: 'variants', variant: '${ask.variant_1}' });
    await run();
    expectStepPassed();
    expect(fake.requests.map((r) => r.deployment)).toEqual(Array(3).fill('gpt-4o'));
    expect(outputRows().map((r) => r.answer)).toEqual(['echo: ALPHA!', 'echo: BETA!', 'echo: GAMMA!']);
    const record = JSON.parse(readFileSync(join(runDir(), 'run.json'), 'utf8'));
    expect(record.properties.node_variant).toBe('${ask.variant_1}');
  });

  test('run-file: its keys apply, and explicit inputs override them', async () => {
    ws.data('other.jsonl', [{ question: 'delta', topic: 'topic d' }]);
    ws.write(
      'runs/run.yml',
      `flow: ../flow
data: ../other.jsonl
name: from_run_file
column_mapping:
  question: \${data.topic}
  tone: from-file
environment_variables:
  QUESTION_SUFFIX: "#"
`
    );
    // flow, data and name come from the run file; the explicit column-mapping replaces its mapping.
    inputs({ 'run-file': 'runs/run.yml', flow: '', data: '', name: '', 'column-mapping': 'question=${data.question}' });
    await run();
    expectStepPassed();
    const o = outputs();
    expect(o['run-name']).toBe('from_run_file');
    expect(jsonLines(readFileSync(o['output-file']!, 'utf8'))).toEqual([
      { line_number: 0, answer: 'echo: delta# (plain)', prepared: 'delta# (plain)' }
    ]);

    // An explicit name and data win over the file's.
    writeFileSync(summaryFile, '');
    ws.write('output.txt', '');
    inputs({ 'run-file': 'runs/run.yml', flow: '', name: 'explicit', data: 'data.jsonl' });
    await run();
    expectStepPassed();
    expect(outputs()['run-name']).toBe('explicit');
    expect(outputs()['lines-total']).toBe('3');
    expect(jsonLines(readFileSync(outputs()['output-file']!, 'utf8')).map((r) => r.prepared)).toEqual([
      'topic 0# (from-file)',
      'topic 1# (from-file)',
      'topic 2# (from-file)'
    ]);
  });
});
