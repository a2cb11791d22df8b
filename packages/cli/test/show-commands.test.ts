/**
 * `llmops show-metrics` and `llmops show-details` through main(argv), on a run
 * made by the real executor (python3 workers): output as `pf run show-metrics`
 * (json.dumps indent=4) and `pf run show-details` (tabulate grid) print it.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { silentLog } from '@llmops/common';
import { runFlow } from '@llmops/flow';
import { main } from '../src/main.js';
import { captureProcessOutput } from './support/capture.js';

const dir = mkdtempSync(join(tmpdir(), 'llmops-cli-show-'));
const runsDir = join(dir, 'runs');

function file(path: string, text: string): string {
  const full = join(dir, path);
  mkdirSync(dirname(full), { recursive: true });
  writeFileSync(full, text);
  return full;
}

const FLOW = `inputs:
  text:
    type: string
  weight:
    type: int
outputs:
  category:
    type: string
    reference: \${classify.output}
  score:
    type: double
    reference: \${score.output}
nodes:
- name: classify
  type: python
  source:
    type: code
    path: classify.py
  inputs:
    text: \${inputs.text}
- name: score
  type: python
  source:
    type: code
    path: score.py
  inputs:
    weight: \${inputs.weight}
- name: summarize
  type: python
  source:
    type: code
    path: summarize.py
  inputs:
    categories: \${classify.output}
  aggregation: true
`;

beforeAll(async () => {
  file('flow/flow.dag.yaml', FLOW);
  file(
    'flow/classify.py',
    'from promptflow.core import tool\n\n\n@tool\ndef classify(text: str) -> str:\n    if text == "boom":\n        raise ValueError("cannot classify boom")\n    return text.split()[0]\n'
  );
  file('flow/score.py', 'from promptflow.core import tool\n\n\n@tool\ndef score(weight: int) -> float:\n    return weight / 4\n');
  file(
    'flow/summarize.py',
    [
      'from promptflow.core import log_metric, tool',
      '',
      '',
      '@tool',
      'def summarize(categories: list):',
      '    log_metric("lines", float(len(categories)))',
      '    log_metric("bug_rate", categories.count("bug") / 3)',
      '    log_metric("précision", 1)',
      '    return categories',
      ''
    ].join('\n')
  );
  file('data.jsonl', ['{"text": "bug in login", "weight": 2}', '{"text": "boom", "weight": 3}', '{"text": "feature wanted", "weight": 10}'].join('\n') + '\n');
  const run = await runFlow({ flow: join(dir, 'flow'), data: join(dir, 'data.jsonl'), runsDir, name: 'shown', concurrency: 2, log: silentLog });
  expect(run.linesFailed).toBe(1);
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const captured = captureProcessOutput();

describe('llmops show-metrics', () => {
  test("prints metrics.json as Python's json.dumps(metrics, indent=4)", async () => {
    expect(await main(['show-metrics', 'shown', '--runs-dir', runsDir])).toBe(0);
    // Python floats keep their form (2.0, 0.3333333333333333), ints stay ints, non-ASCII is escaped.
    expect(captured.stdout).toBe('{\n    "lines": 2.0,\n    "bug_rate": 0.3333333333333333,\n    "pr\\u00e9cision": 1\n}\n');
    const python = execFileSync('python3', ['-c', 'import json, sys; print(json.dumps(json.load(open(sys.argv[1])), indent=4))', join(runsDir, 'shown', 'metrics.json')], { encoding: 'utf8' });
    expect(captured.stdout).toBe(python);
  });

  test('a run given by its directory works too; an unknown run is one error line and exit 1', async () => {
    expect(await main(['show-metrics', join(runsDir, 'shown')])).toBe(0);
    expect(JSON.parse(captured.stdout)).toEqual({ lines: 2, bug_rate: 1 / 3, 'précision': 1 });
    captured.stdout = '';
    expect(await main(['show-metrics', 'no_such_run', '--runs-dir', runsDir])).toBe(1);
    expect(captured.stdout).toBe('');
    expect(captured.stderr.trim().split('\n')).toHaveLength(1);
    expect(captured.stderr).toMatch(/^error: .*no_such_run/);
  });
});

describe('llmops show-details', () => {
  test('prints the tabulate grid: index, inputs.* (line_number included), outputs.*, (Failed) for failed lines', async () => {
    expect(await main(['show-details', 'shown', '--runs-dir', runsDir])).toBe(0);
    // tabulate(df, headers="keys", tablefmt="grid"): columns at least 2 wider than their header,
    // numbers right-aligned (headers too), strings left-aligned, floats in "g" form.
    expect(captured.stdout).toBe(
      [
        '+----+----------------+-----------------+----------------------+--------------------+-----------------+',
        '|    | inputs.text    |   inputs.weight |   inputs.line_number | outputs.category   | outputs.score   |',
        '+====+================+=================+======================+====================+=================+',
        '|  0 | bug in login   |               2 |                    0 | bug                | 0.5             |',
        '+----+----------------+-----------------+----------------------+--------------------+-----------------+',
        '|  1 | boom           |               3 |                    1 | (Failed)           | (Failed)        |',
        '+----+----------------+-----------------+----------------------+--------------------+-----------------+',
        '|  2 | feature wanted |              10 |                    2 | feature            | 2.5             |',
        '+----+----------------+-----------------+----------------------+--------------------+-----------------+',
        ''
      ].join('\n')
    );
  });

  test('--max-results limits the lines shown', async () => {
    expect(await main(['show-details', 'shown', '--runs-dir', runsDir, '-r', '1'])).toBe(0);
    expect(captured.stdout.split('\n').filter((l) => l.startsWith('|'))).toHaveLength(2);
  });
});
