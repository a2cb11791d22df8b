/**
 * action-run-flow end to end: the real run() with INPUT_* variables, GITHUB_OUTPUT
 * and GITHUB_STEP_SUMMARY files, a fake Azure OpenAI/OpenAI server on 127.0.0.1,
 * and real python3 workers for the Python node.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { captureStdout, EnvScope, parseOutputFile, tempDir } from '../../packages/github/test/support/env.js';
import { fakeErrors, startFakeOpenAI, type FakeOpenAI, type RecordedRequest } from '../../packages/flow/test/support/fake-openai.js';
import { parse as parseYaml } from 'yaml';
import { getInputs } from '../src/inputs.js';
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
const workspaces: string[] = [];
afterAll(async () => {
  await fake.close();
  for (const dir of [...workspaces, dirname(summaryFile)]) rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  fake.requests.length = 0;
  fake.setBehavior(() => ({ usage: USAGE }));
  ws = new Workspace();
  workspaces.push(ws.dir);
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

describe('bad input: one error annotation naming the file and field, exit code 1, no stack trace', () => {
  const flowFile = () => ws.path('flow/flow.dag.yaml');
  const cases: Array<{ name: string; prepare: () => Record<string, string>; expect: RegExp[] }> = [
    {
      name: 'broken YAML',
      prepare: () => {
        ws.write('flow/flow.dag.yaml', 'inputs:\n  question:\n    type: string\n  nodes: [\n');
        return {};
      },
      expect: [/file=[^,]*flow\.dag\.yaml,line=5::Failed to parse .*flow\.dag\.yaml: Flow sequence/]
    },
    {
      name: 'unknown node reference',
      prepare: () => {
        ws.write('flow/flow.dag.yaml', readFileSync(flowFile(), 'utf8').replace('question: ${prep.output}', 'question: ${nosuch.output}'));
        return {};
      },
      expect: [/file=[^,]*flow\.dag\.yaml,line=30::/, /field 'nodes\[1\]\.inputs\.question'/, /Node 'ask' references a non-existent node 'nosuch'/]
    },
    {
      name: 'a cycle between nodes',
      prepare: () => {
        ws.write('flow/flow.dag.yaml', readFileSync(flowFile(), 'utf8').replace('question: ${inputs.question}', 'question: ${ask.output}'));
        return {};
      },
      expect: [/file=[^,]*flow\.dag\.yaml/, /circular dependency/, /Cycle: prep -> ask -> prep\./]
    },
    { name: 'missing data file', prepare: () => ({ data: 'nope.jsonl' }), expect: [/field 'data': Data file not found: .*nope\.jsonl/] },
    {
      name: 'missing column (the message lists the columns)',
      prepare: () => ({ 'column-mapping': 'question=${data.query}' }),
      expect: [/field 'column_mapping\.question'/, /column 'query' does not exist in .*data\.jsonl/, /Available columns: question, topic\./]
    },
    {
      name: 'unknown connection',
      prepare: () => {
        ws.write('flow/flow.dag.yaml', readFileSync(flowFile(), 'utf8').replace('connection: aoai', 'connection: nosuch_conn'));
        return {};
      },
      expect: [/flow\.dag\.yaml, field 'nodes\[1\]\.connection'/, /Connection 'nosuch_conn' used by node 'ask' is not defined/, /connections\.yml: aoai, oai/]
    },
    {
      name: 'missing ${env:VAR} behind a connection',
      prepare: () => {
        ws.write('connections.yml', ws.read('connections.yml').replace(KEY_VARIABLE, 'LLMOPS_TEST_UNSET_VARIABLE'));
        return {};
      },
      expect: [/file=[^,]*connections\.yml::field 'aoai\.api_key'/, /environment variable LLMOPS_TEST_UNSET_VARIABLE, which is not set/]
    },
    {
      name: 'unreadable tool file',
      prepare: () => {
        ws.write('flow/flow.dag.yaml', readFileSync(flowFile(), 'utf8').replace('path: prep.py', 'path: missing_tool.py'));
        return {};
      },
      expect: [/flow\.dag\.yaml, field 'nodes\[0\]\.source\.path'/, /Tool file 'missing_tool\.py' can not be found/]
    },
    { name: 'malformed concurrency', prepare: () => ({ concurrency: 'many' }), expect: [/::Input 'concurrency' must be an integer between 1 and 256, got 'many'$/] }
  ];

  test.each(cases)('$name', async ({ prepare, expect: patterns }) => {
    inputs(prepare());
    await run();
    const annotation = expectOneUserError();
    for (const pattern of patterns) expect(annotation).toMatch(pattern);
  });
});

describe('a Python tool that raises', () => {
  test('only that line fails, with PF\'s message; the other lines complete and are on disk', async () => {
    ws.data('data.jsonl', [{ question: 'alpha' }, { question: 'explode' }, { question: 'gamma' }]);
    inputs({ 'allowed-failure-rate': '0.5' });
    await run();
    expectStepPassed();
    expect(outputs()).toMatchObject({ status: 'Completed', 'lines-completed': '2', 'lines-failed': '1' });
    expect(outputRows()).toEqual([
      { line_number: 0, answer: 'echo: alpha (plain)', prepared: 'alpha (plain)' },
      { line_number: 2, answer: 'echo: gamma (plain)', prepared: 'gamma (plain)' }
    ]);
    const message = "Execution failure in 'prep': (ValueError) cannot prepare explode";
    expect(summary()).toContain(`| 1 | ${message} |`);
    const line = JSON.parse(readFileSync(join(runDir(), 'flow_artifacts', '000000001_000000001.jsonl'), 'utf8'));
    expect(line.run_info.status).toBe('Failed');
    expect(line.run_info.error.message).toBe(message);
    // The LLM node never ran for the failed line.
    expect(requestsFor('explode')).toHaveLength(0);
    expect(fake.requests).toHaveLength(2);
  });
});

describe('secrets', () => {
  /** Adds a Python node that gets the Azure connection, prints its key and raises with it on "gamma". */
  function addPeekNode(): void {
    const yaml = readFileSync(ws.path('flow/flow.dag.yaml'), 'utf8')
      .replace('nodes:\n', 'nodes:\n- name: peek\n  type: python\n  source:\n    type: code\n    path: peek.py\n  inputs:\n    conn: aoai\n    question: ${inputs.question}\n')
      .replace('outputs:\n', 'outputs:\n  peeked:\n    type: string\n    reference: ${peek.output}\n');
    ws.write('flow/flow.dag.yaml', yaml);
    ws.write(
      'flow/peek.py',
      `import os
from promptflow.core import tool
from promptflow.connections import AzureOpenAIConnection


@tool
def peek(conn: AzureOpenAIConnection, question: str) -> str:
    print(f"using key {conn.api_key} and copy {os.environ['KEY_COPY']}")
    if question == "gamma":
        raise ValueError(f"bad key {conn.api_key}")
    return f"{len(conn.api_key)} chars"
`
    );
  }

  /** What the step left behind that may not carry the key: stdout (but the masking command), outputs, summary, run files. */
  function leaks(): string[] {
    const places: string[] = out.lines().filter((l) => l.includes(API_KEY) && !l.startsWith('::add-mask::')).map((l) => `stdout: ${l}`);
    if (ws.read('output.txt').includes(API_KEY)) places.push('GITHUB_OUTPUT');
    if (summary().includes(API_KEY)) places.push('summary');
    const files = filesUnder(runDir());
    expect(files.length).toBeGreaterThan(10);
    places.push(...files.filter(([, text]) => text.includes(API_KEY)).map(([path]) => path));
    return places;
  }

  test('the API key never appears in stdout, outputs, the summary or any file of the run', async () => {
    addPeekNode();
    // The key also reaches the flow's environment through ${aoai.api_key}.
    inputs({ 'environment-variables': 'KEY_COPY=${aoai.api_key}', 'allowed-failure-rate': '0.5' });
    await run();

    expectStepPassed();
    expect(outputs()).toMatchObject({ 'lines-completed': '2', 'lines-failed': '1' });
    expect(outputRows()[0]).toEqual({ line_number: 0, peeked: `${API_KEY.length} chars`, answer: 'echo: alpha (plain)', prepared: 'alpha (plain)' });
    // The runner masks the key in the log from here on.
    expect(out.lines()).toContain(`::add-mask::${API_KEY}`);
    expect(summary()).toContain("| 2 | Execution failure in 'peek': (ValueError) bad key *** |");
    // The tool's print went to the line's log, masked.
    expect(readFileSync(join(runDir(), 'flow_logs', '000000000.log'), 'utf8')).toContain('using key *** and copy ***');
    expect(leaks()).toEqual([]);
  });

  // KNOWN BUG (packages/flow): an LLM error body that echoes the key (some gateways do) is written
  // unmasked into error.json, run.json, flow_artifacts, node_artifacts, the failed-lines message and
  // the step's annotations. Prompt flow's masking of connection secrets should apply to LLM error text
  // too. Remove `.failing` once the LLM client masks the connection's secrets in its error messages.
  test('an LLM error that echoes the key does not leak it either', async () => {
    fake.setBehavior((r) => (userText(r).startsWith('beta') ? fakeErrors.badRequest(`Invalid key ${API_KEY} for this deployment`) : { usage: USAGE }));
    inputs({ 'allowed-failure-rate': '0.5' });
    await run();
    expectStepPassed();
    expect(outputs()).toMatchObject({ 'lines-completed': '2', 'lines-failed': '1' });
    expect(summary()).toContain('Invalid key *** for this deployment');
    expect(leaks()).toEqual([]);
  });
});

describe('action.yml', () => {
  const action = parseYaml(readFileSync(join(import.meta.dirname, '..', 'action.yml'), 'utf8')) as {
    inputs: Record<string, { default?: string }>;
    outputs: Record<string, unknown>;
  };

  test('declares the inputs run() reads and the outputs it writes', async () => {
    expect(Object.keys(action.inputs).sort()).toEqual([...INPUT_NAMES].sort());
    inputs({});
    await run();
    expect(Object.keys(outputs()).sort()).toEqual(Object.keys(action.outputs).sort());
  });

  test('its defaults match the ones run() falls back to when an input is not set at all', () => {
    const defaults = Object.fromEntries(Object.entries(action.inputs).filter(([, spec]) => spec.default !== undefined).map(([name, spec]) => [name, spec.default!]));
    // With no INPUT_* set at all, getInputs falls back to its own defaults.
    env.set(Object.fromEntries(INPUT_NAMES.map((n) => [`INPUT_${n.toUpperCase()}`, undefined])));
    env.set({ GITHUB_WORKSPACE: ws.dir });
    const fallback = getInputs();
    // With action.yml's defaults set, as the runner passes them.
    env.set(Object.fromEntries(Object.entries(defaults).map(([n, v]) => [`INPUT_${n.toUpperCase()}`, v])));
    expect(getInputs()).toEqual(fallback);
    expect(fallback).toMatchObject({ concurrency: 16, lineTimeoutSec: 600, allowedFailureRate: 0, runsDir: ws.path('.llmops/runs'), python: 'python3', cache: 'off' });
  });
});
