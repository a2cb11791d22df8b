/**
 * `llmops run`, end to end through main(argv): the real executor with python3
 * workers and a fake Azure OpenAI server on 127.0.0.1; what is printed to
 * stdout (the run record, as `pf run create` prints it), what goes to stderr,
 * and the exit code.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { startFakeOpenAI, type FakeOpenAI } from '../../flow/test/support/fake-openai.js';
import { main } from '../src/main.js';
import { captureProcessOutput } from './support/capture.js';

const API_KEY = 'sk-cli-test-0c1d2e3f4a5b';
const dir = mkdtempSync(join(tmpdir(), 'llmops-cli-run-'));
const runsDir = join(dir, 'runs');
let fake: FakeOpenAI;

function file(path: string, text: string): string {
  const full = join(dir, path);
  mkdirSync(dirname(full), { recursive: true });
  writeFileSync(full, text);
  return full;
}

const jsonl = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

/** A Python classifier that raises on "boom", then an LLM node. */
const FLOW = `inputs:
  text:
    type: string
outputs:
  category:
    type: string
    reference: \${classify.output}
  reply:
    type: string
    reference: \${ask.output}
nodes:
- name: classify
  type: python
  source:
    type: code
    path: classify.py
  inputs:
    text: \${inputs.text}
- name: ask
  type: llm
  source:
    type: code
    path: ask.jinja2
  inputs:
    deployment_name: gpt-35-turbo
    category: \${classify.output}
  connection: aoai
  api: chat
`;

const CLASSIFY = `from promptflow.core import tool


@tool
def classify(text: str) -> str:
    if text == "boom":
        raise ValueError("cannot classify boom")
    return text.split()[0]
`;

let flow: string;
let data: string;
let connections: string;

beforeAll(async () => {
  fake = await startFakeOpenAI({ apiKey: API_KEY });
  flow = dirname(file('flow/flow.dag.yaml', FLOW));
  file('flow/classify.py', CLASSIFY);
  file('flow/ask.jinja2', 'user:\nSay {{category}}\n');
  // A column other than the flow input's name, so that a mapping is needed; the folder name is not ASCII.
  data = file('données/tickets.jsonl', jsonl([{ body: 'bug in login' }, { body: 'feature please' }, { body: 'question about billing' }]));
  connections = file('connections.yml', `aoai:\n  type: azure_open_ai\n  api_base: ${fake.azureApiBase}\n  api_key: \${env:LLMOPS_CLI_TEST_KEY}\n`);
  process.env.LLMOPS_CLI_TEST_KEY = API_KEY;
});
afterAll(async () => {
  delete process.env.LLMOPS_CLI_TEST_KEY;
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
});

const captured = captureProcessOutput();

const stderrLines = () => captured.stderr.split('\n').filter(Boolean);
const base = (name: string) => ['run', '--flow', flow, '--connections-file', connections, '--runs-dir', runsDir, '--name', name, '--concurrency', '2'];

/** Python's own `json.dumps(json.loads(text), indent=4)`, the way `pf run create` prints the run. */
function pythonDumps(text: string): string {
  return execFileSync('python3', ['-c', 'import json, sys; print(json.dumps(json.loads(sys.stdin.read()), indent=4))'], { input: text, encoding: 'utf8' });
}

describe('llmops run', () => {
  test('prints the run record as pf run create does (json.dumps indent=4) and exits 0', async () => {
    const code = await main([...base('cli_ok'), '--data', data, '--column-mapping', 'text=${data.body}']);
    expect(code).toBe(0);
    const record = JSON.parse(captured.stdout);
    expect(record).toMatchObject({
      name: 'cli_ok',
      status: 'Completed',
      data,
      properties: { column_mapping: { text: '${data.body}' } }
    });
    // Byte for byte what Python prints, escaping included (the data path is not ASCII).
    expect(captured.stdout).toBe(pythonDumps(captured.stdout));
    expect(readFileSync(join(runsDir, 'cli_ok', 'flow_outputs', 'output.jsonl'), 'utf8')).toBe(
      '{"line_number": 0, "category": "bug", "reply": "echo: Say bug"}\n' +
        '{"line_number": 1, "category": "feature", "reply": "echo: Say feature"}\n' +
        '{"line_number": 2, "category": "question", "reply": "echo: Say question"}\n'
    );
    expect(captured.stdout + captured.stderr).not.toContain(API_KEY);
  });

  test('--stream prints each line as it finishes', async () => {
    const code = await main([...base('cli_stream'), '--data', data, '--column-mapping', 'text=${data.body}', '--stream']);
    expect(code).toBe(0);
    const progress = stderrLines().filter((l) => /^\[\d\/3\] line \d /.test(l));
    expect(progress).toHaveLength(3);
    expect(progress.map((l) => l.slice(0, 5)).sort()).toEqual(['[1/3]', '[2/3]', '[3/3]']);
    expect(progress).toContainEqual(expect.stringMatching(/^\[\d\/3\] line 0 Completed: \{"category":"bug","reply":"echo: Say bug"\}$/));
    expect(JSON.parse(captured.stdout).name).toBe('cli_stream');
  });

  test('a failed line exits 1 by default, after the run is written; --allowed-failure-rate 1 exits 0', async () => {
    const withBoom = file('boom.jsonl', jsonl([{ text: 'bug here' }, { text: 'boom' }, { text: 'feature x' }]));
    const code = await main([...base('cli_fail'), '--data', withBoom]);
    expect(code).toBe(1);
    expect(JSON.parse(captured.stdout)).toMatchObject({ name: 'cli_fail', status: 'Completed' });
    expect(stderrLines().filter((l) => l.startsWith('error: '))).toEqual([
      "error: 1/3 lines failed (33.3%), more than allowed-failure-rate 0. First failure, line 1: Execution failure in 'classify': (ValueError) cannot classify boom"
    ]);
    expect(readFileSync(join(runsDir, 'cli_fail', 'flow_outputs', 'output.jsonl'), 'utf8').split('\n').filter(Boolean)).toHaveLength(2);

    captured.stdout = '';
    captured.stderr = '';
    expect(await main([...base('cli_fail_ok'), '--data', withBoom, '--allowed-failure-rate', '1'])).toBe(0);
    expect(stderrLines().filter((l) => l.startsWith('error: '))).toEqual([]);
  });

  test.each([
    ['a missing column', () => ['--data', data, '--column-mapping', 'text=${data.nope}'], /^error: field 'column_mapping\.text': .*column 'nope' does not exist.*Available columns: body\.$/],
    ['a missing data file', () => ['--data', join(dir, 'nope.jsonl')], /^error: .*nope\.jsonl.*field 'data'|^error: .*field 'data'.*nope\.jsonl/],
    ['an unknown option', () => ['--data', data, '--colum-mapping', 'x=1'], /^error: field '--colum-mapping': Unknown option '--colum-mapping' for 'llmops run'/],
    ['a bad number', () => ['--data', data, '--concurrency', 'lots'], /^error: .*'--concurrency' must be a number, got 'lots'/],
    [
      'broken flow YAML',
      () => ['--flow', dirname(file('broken/flow.dag.yaml', 'inputs:\n  text:\n    type: string\n  nodes: [\n- name: x\n')), '--data', data],
      /^error: .*broken\/flow\.dag\.yaml.*Failed to parse/
    ],
    [
      'a cycle',
      () => {
        file('cycle/classify.py', CLASSIFY);
        file('cycle/ask.jinja2', 'user:\nSay {{category}}\n');
        return ['--flow', dirname(file('cycle/flow.dag.yaml', FLOW.replace('text: ${inputs.text}', 'text: ${ask.output}'))), '--data', data];
      },
      /^error: .*cycle\/flow\.dag\.yaml.*Cycle: classify -> ask -> classify\.$/
    ],
    [
      'a broken run file',
      () => ['--file', file('run.yml', 'flow: [unclosed\n  data: x\n')],
      /^error: .*run\.yml.*Invalid YAML/
    ],
    [
      'a missing ${env:VAR}',
      () => ['--data', data, '--column-mapping', 'text=${data.body}', '--connections-file', file('env-connections.yml', 'aoai:\n  type: azure_open_ai\n  api_base: http://127.0.0.1:9\n  api_key: ${env:LLMOPS_CLI_UNSET}\n')],
      /^error: .*env-connections\.yml, field 'aoai\.api_key': .*LLMOPS_CLI_UNSET, which is not set/
    ]
  ])('a user error (%s) prints one line, no stack, and exits 1', async (_, extra, pattern) => {
    const code = await main([...base('cli_user_error'), ...extra()]);
    expect(code).toBe(1);
    expect(captured.stdout).toBe('');
    expect(stderrLines()).toHaveLength(1);
    expect(stderrLines()[0]).toMatch(pattern);
    expect(captured.stderr).not.toMatch(/\n\s+at /);
  });

  test('--resume after a partial run runs only the lines that did not complete', async () => {
    const rows = file('resume.jsonl', jsonl([{ text: 'bug a' }, { text: 'boom' }, { text: 'feature b' }]));
    expect(await main([...base('cli_resume'), '--data', rows, '--allowed-failure-rate', '1'])).toBe(0);
    const callsBefore = fake.requests.length;
    // The data is fixed; the failed line now succeeds.
    file('resume.jsonl', jsonl([{ text: 'bug a' }, { text: 'fixed c' }, { text: 'feature b' }]));
    captured.stdout = '';
    expect(await main([...base('cli_resume'), '--data', rows, '--resume'])).toBe(0);
    expect(fake.requests.length - callsBefore).toBe(1);
    expect(stderrLines()).toContain('Resuming cli_resume: 2 line(s) already done, 1 to run.');
    expect(readFileSync(join(runsDir, 'cli_resume', 'flow_outputs', 'output.jsonl'), 'utf8')).toBe(
      '{"line_number": 0, "category": "bug", "reply": "echo: Say bug"}\n' +
        '{"line_number": 1, "category": "fixed", "reply": "echo: Say fixed"}\n' +
        '{"line_number": 2, "category": "feature", "reply": "echo: Say feature"}\n'
    );
  });
});
