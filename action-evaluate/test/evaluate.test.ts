import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { silentLog } from '@llmops/common';
import { runFlow } from '@llmops/flow';
import { captureStdout, EnvScope, parseOutputFile, tempDir } from '../../packages/github/test/support/env.js';
import { run } from '../src/main.js';

// The base run is made once by the real executor: a Python-only classifier over four
// tickets, one of which fails ("boom"). Each test scores a copy of it in its own workspace.
const fixtures = tempDir('llmops-evaluate-fixtures-');
let baseRun: string;

const TICKETS = [
  { text: 'bug in login', answer: 'Bug' },
  { text: 'feature please', answer: 'feature' },
  { text: 'boom', answer: 'bug' },
  { text: 'question about billing', answer: 'bug' }
];

function writeFlows(dir: string): void {
  mkdirSync(join(dir, 'classifier'), { recursive: true });
  writeFileSync(
    join(dir, 'classifier', 'flow.dag.yaml'),
    `inputs:
  text:
    type: string
outputs:
  category:
    type: string
    reference: \${classify.output}
nodes:
- name: classify
  type: python
  source:
    type: code
    path: classify.py
  inputs:
    text: \${inputs.text}
`
  );
  writeFileSync(
    join(dir, 'classifier', 'classify.py'),
    `from promptflow.core import tool

@tool
def classify(text: str) -> str:
    if text == "boom":
        raise ValueError("cannot classify boom")
    return text.split()[0]
`
  );
  // The classic evaluation flow: grade each line, log accuracy in an aggregation node.
  mkdirSync(join(dir, 'eval-accuracy'), { recursive: true });
  writeFileSync(
    join(dir, 'eval-accuracy', 'flow.dag.yaml'),
    `inputs:
  groundtruth:
    type: string
  prediction:
    type: string
outputs:
  grade:
    type: string
    reference: \${grade.output}
nodes:
- name: grade
  type: python
  source:
    type: code
    path: grade.py
  inputs:
    groundtruth: \${inputs.groundtruth}
    prediction: \${inputs.prediction}
- name: calculate_accuracy
  type: python
  source:
    type: code
    path: calculate_accuracy.py
  inputs:
    grades: \${grade.output}
  aggregation: true
`
  );
  writeFileSync(
    join(dir, 'eval-accuracy', 'grade.py'),
    `from promptflow import tool

@tool
def grade(groundtruth: str, prediction: str):
    return "Correct" if groundtruth.lower() == prediction.lower() else "Incorrect"
`
  );
  writeFileSync(
    join(dir, 'eval-accuracy', 'calculate_accuracy.py'),
    `from typing import List
from promptflow import log_metric, tool

@tool
def calculate_accuracy(grades: List[str]):
    accuracy = round(grades.count("Correct") / len(grades), 2)
    log_metric("accuracy", accuracy)
    log_metric("graded", len(grades))
    return grades
`
  );
}

beforeAll(async () => {
  writeFlows(fixtures);
  writeFileSync(join(fixtures, 'tickets.jsonl'), TICKETS.map((t) => JSON.stringify(t)).join('\n') + '\n');
  const result = await runFlow({
    flow: join(fixtures, 'classifier'),
    data: join(fixtures, 'tickets.jsonl'),
    columnMapping: { text: '${data.text}' },
    runsDir: join(fixtures, 'runs'),
    name: 'classify_base',
    concurrency: 2,
    log: silentLog
  });
  expect(result.linesFailed).toBe(1);
  baseRun = result.runDir;
}, 60_000);

const env = new EnvScope();
let workspace: string;
// @actions/core remembers the summary path on first use, as on a runner: one file for every test.
const summaryFile = join(tempDir('llmops-evaluate-summary-'), 'step-summary.md');
let out: ReturnType<typeof captureStdout>;

const ALL_INPUTS = [
  'run', 'flow', 'run-file', 'data', 'column-mapping', 'connections-file', 'environment-variables', 'concurrency', 'runs-dir',
  'name', 'python', 'cache', 'cache-dir', 'metrics', 'prediction', 'ground-truth', 'normalize', 'baseline', 'metrics-file',
  'report-file', 'artifact-name', 'artifact-retention-days'
];

/** A fresh workspace with the flows, the data and a copy of the base run under .llmops/runs. */
function setup(inputs: Record<string, string>): void {
  workspace = tempDir('llmops-evaluate-ws-');
  cpSync(fixtures, workspace, { recursive: true, filter: (src) => !src.includes(`${join(fixtures, 'runs')}`) });
  cpSync(baseRun, join(workspace, '.llmops', 'runs', 'classify_base'), { recursive: true });
  writeFileSync(summaryFile, '');
  writeFileSync(join(workspace, 'output.txt'), '');
  const values: Record<string, string | undefined> = Object.fromEntries(ALL_INPUTS.map((name) => [name, undefined]));
  Object.assign(values, { 'runs-dir': '.llmops/runs', python: 'python3', concurrency: '2', ...inputs });
  env.set(Object.fromEntries(Object.entries(values).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v])));
  env.set({
    GITHUB_WORKSPACE: workspace,
    GITHUB_OUTPUT: join(workspace, 'output.txt'),
    GITHUB_STEP_SUMMARY: summaryFile,
    GITHUB_REPOSITORY: 'o/r',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_RUN_ID: '42',
    GITHUB_EVENT_NAME: 'push',
    GITHUB_EVENT_PATH: undefined,
    ACTIONS_RUNTIME_TOKEN: undefined,
    ACTIONS_RESULTS_URL: undefined
  });
}

beforeEach(() => {
  out = captureStdout();
});
afterEach(() => {
  out.restore();
  env.restore();
  process.exitCode = undefined;
});
afterAll(() => env.restore());

const outputs = () => parseOutputFile(readFileSync(join(workspace, 'output.txt'), 'utf8'));
const summary = () => readFileSync(summaryFile, 'utf8');
const annotations = (kind = 'error|warning') => out.lines().filter((l) => new RegExp(`^::(${kind})`).test(l));
const decoded = (line: string) => line.replace(/%0A/g, '\n').replace(/%0D/g, '\r').replace(/%25/g, '%');
const json = (file: string) => JSON.parse(readFileSync(file, 'utf8'));
const EVAL_MAPPING = 'groundtruth=${data.answer}\nprediction=${run.outputs.category}';

describe('an evaluation flow against the base run', () => {
  test('its logged metrics become the metrics file in the evaluation run directory', async () => {
    setup({ run: 'classify_base', flow: 'eval-accuracy', data: 'tickets.jsonl', 'column-mapping': EVAL_MAPPING, name: 'eval_1' });
    await run();
    expect(process.exitCode).toBeUndefined();
    const o = outputs();
    const runDir = join(workspace, '.llmops', 'runs', 'eval_1');
    // Prompt flow's join drops the failed base line: 3 lines graded, 2 correct.
    expect(JSON.parse(o.metrics!)).toEqual({ accuracy: 0.67, graded: 3 });
    expect(o['run-dir']).toBe(runDir);
    expect(o['metrics-file']).toBe(join(runDir, 'metrics.json'));
    expect(json(o['metrics-file']!)).toEqual({ accuracy: 0.67, graded: 3 });
    expect(o['report-file']).toBe(join(runDir, 'report.md'));
    expect(readFileSync(join(runDir, 'flow_outputs', 'output.jsonl'), 'utf8').trim().split('\n')).toHaveLength(3);
    // The failed base line is not silently lost: one warning, also in the report.
    const warnings = annotations('warning').map(decoded);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("1 line(s) failed in run 'classify_base' (line 2)");
    const report = readFileSync(o['report-file']!, 'utf8');
    expect(report).toContain('## Evaluation of `classify_base`');
    expect(report).toMatch(/\| accuracy \| 0\.67 \|/);
    expect(report).toContain('Evaluation run: eval_1');
    expect(summary()).toBe(`${report}\n`);
    expect(existsSync(join(runDir, 'metrics.details.json'))).toBe(false);
  });

  test('run-file gives the flow, data and mapping (run_evaluation.yml), and its run: key the base run', async () => {
    setup({ 'run-file': 'run_evaluation.yml', name: 'eval_2' });
    writeFileSync(
      join(workspace, 'run_evaluation.yml'),
      'flow: eval-accuracy\ndata: tickets.jsonl\nrun: classify_base\ncolumn_mapping:\n  groundtruth: ${data.answer}\n  prediction: ${run.outputs.category}\n'
    );
    await run();
    expect(annotations('error')).toEqual([]);
    expect(JSON.parse(outputs().metrics!)).toEqual({ accuracy: 0.67, graded: 3 });
  });
});

describe('built-in metrics', () => {
  test('no flow to write: metrics, details with the confusion matrix, failed lines counted as wrong and reported', async () => {
    setup({ run: 'classify_base', metrics: 'accuracy, f1\nconfusion_matrix, exact_match', prediction: '${run.outputs.category}', 'ground-truth': '${data.answer}' });
    await run();
    expect(process.exitCode).toBeUndefined();
    const o = outputs();
    const base = join(workspace, '.llmops', 'runs', 'classify_base');
    expect(o['run-dir']).toBe(base);
    expect(o['metrics-file']).toBe(join(base, 'evaluation', 'metrics.json'));
    const metrics = json(o['metrics-file']!);
    // bug, feature right; "question" wrong; the failed line wrong. exact_match: only "feature" matches as written.
    expect(metrics).toMatchObject({ accuracy: 0.5, exact_match: 0.25, 'f1.bug': 0.5, 'f1.feature': 1, 'f1.question': 0 });
    expect(Object.values(metrics).every((v) => typeof v === 'number')).toBe(true);
    expect(JSON.parse(o.metrics!)).toEqual(metrics);

    const details = json(join(base, 'evaluation', 'metrics.details.json'));
    expect(details.counts).toEqual({ total: 4, correct: 2, failed: 1 });
    expect(details.confusionMatrix).toEqual({
      labels: ['bug', 'feature', 'question'],
      columns: ['bug', 'feature', 'question', '(failed)'],
      matrix: [[1, 0, 1, 1], [0, 1, 0, 0], [0, 0, 0, 0]]
    });

    const report = readFileSync(o['report-file']!, 'utf8');
    expect(o['report-file']).toBe(join(base, 'evaluation', 'report.md'));
    expect(report).toContain('4 lines scored: 2 correct, 1 wrong, 1 failed (failed lines count as wrong).');
    expect(report).toContain('### Confusion matrix');
    expect(report).toContain("| 2 | text: boom | *(failed)* | bug | ❌ failed: Execution failure in 'classify': (ValueError) cannot classify boom |");
    expect(report).toContain('| 3 | text: question about billing | question | bug | ❌ wrong |');
    const warnings = annotations('warning').map(decoded);
    expect(warnings).toEqual([expect.stringContaining("1 line(s) failed in run 'classify_base' and count as wrong: line 2")]);
  });

  test('normalize: false compares labels as written', async () => {
    setup({ run: 'classify_base', metrics: 'accuracy', prediction: '${run.outputs.category}', 'ground-truth': '${data.answer}', normalize: 'false' });
    await run();
    // "bug" vs "Bug" no longer matches: only "feature" is right.
    expect(JSON.parse(outputs().metrics!)).toEqual({ accuracy: 0.25 });
  });

  test('a missing column: one error annotation naming the input and listing the columns, no stack trace', async () => {
    setup({ run: 'classify_base', metrics: 'accuracy', prediction: '${run.outputs.category}', 'ground-truth': '${data.label}' });
    await run();
    expect(process.exitCode).toBe(1);
    const errors = annotations('error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^::error title=llmops evaluate::/);
    expect(errors[0]).toContain('ground-truth');
    expect(errors[0]).toContain("no column 'label'; columns: text, answer");
    expect(out.lines().some((l) => /^\s+at /.test(l))).toBe(false);
    expect(outputs()).toEqual({});
  });
});

describe('both, with a baseline', () => {
  test('flow and built-in metrics merge (built-ins win, with a warning); deltas against the baseline in the report', async () => {
    setup({
      run: 'classify_base',
      flow: 'eval-accuracy',
      data: 'tickets.jsonl',
      'column-mapping': EVAL_MAPPING,
      name: 'eval_both',
      metrics: 'accuracy,precision',
      prediction: '${run.outputs.category}',
      'ground-truth': '${data.answer}',
      baseline: 'baseline.json',
      'metrics-file': 'out/metrics.json'
    });
    writeFileSync(join(workspace, 'baseline.json'), JSON.stringify({ accuracy: 0.75, graded: 3, precision_macro: 0.5, retired_metric: 1 }));
    await run();
    expect(process.exitCode).toBeUndefined();
    const o = outputs();
    expect(o['metrics-file']).toBe(join(workspace, 'out', 'metrics.json'));
    expect(o['run-dir']).toBe(join(workspace, '.llmops', 'runs', 'eval_both'));
    const metrics = json(o['metrics-file']!);
    expect(metrics.accuracy).toBe(0.5);
    expect(metrics.graded).toBe(3);
    expect(metrics.precision_macro).toBeCloseTo(2 / 3, 12);
    expect(existsSync(join(workspace, 'out', 'metrics.details.json'))).toBe(true);

    const warnings = annotations('warning').map(decoded);
    expect(warnings.some((w) => w.includes('set accuracy (flow 0.67, built-in 0.5); the built-in values are kept'))).toBe(true);
    const report = readFileSync(join(workspace, 'out', 'report.md'), 'utf8');
    expect(report).toContain('| Metric | Value | Baseline | Δ |');
    expect(report).toContain('| accuracy | 0.5 | 0.75 | ▼ -0.25 (worse) |');
    expect(report).toContain('| graded | 3 | 3 | 0 |');
    expect(report).toContain('| precision_macro | 0.6667 | 0.5 | ▲ +0.1667 (better) |');
    expect(report).toContain('| retired_metric | — | 1 | missing |');
    expect(report).toContain('Baseline: `baseline.json`');
  });

  test('the baseline may be a run directory', async () => {
    setup({ run: 'classify_base', metrics: 'accuracy', prediction: '${run.outputs.category}', 'ground-truth': '${data.answer}', baseline: 'main-run' });
    mkdirSync(join(workspace, 'main-run'));
    writeFileSync(join(workspace, 'main-run', 'metrics.json'), '{"accuracy": 0.25}');
    await run();
    expect(readFileSync(outputs()['report-file']!, 'utf8')).toContain('| accuracy | 0.5 | 0.25 | ▲ +0.25 (better) |');
  });
});

test('the job summary stays under GitHub\'s 1 MiB per step; the report file keeps everything', async () => {
  setup({ run: 'classify_base', metrics: 'accuracy', prediction: '${run.outputs.category}', 'ground-truth': '${data.answer}', baseline: 'big.json' });
  // A baseline with many long metric names (4-byte characters, as table cells are cut by
  // characters) makes a report over the budget.
  const big = Object.fromEntries(Array.from({ length: 1300 }, (_, i) => [`m${i}_${'😀'.repeat(200)}`, i]));
  writeFileSync(join(workspace, 'big.json'), JSON.stringify(big));
  await run();
  expect(process.exitCode).toBeUndefined();
  const reportSize = statSync(outputs()['report-file']!).size;
  expect(reportSize).toBeGreaterThan(1024 * 1024);
  const text = summary();
  expect(Buffer.byteLength(text)).toBeLessThanOrEqual(900 * 1024);
  expect(text).toContain('## Evaluation of `classify_base`');
  expect(text.trimEnd().endsWith('The full report is in `.llmops/runs/classify_base/evaluation/report.md` of [this run](https://github.com/o/r/actions/runs/42).')).toBe(true);
});

describe('inputs', () => {
  test('neither an evaluation flow nor metrics: one error naming both', async () => {
    setup({ run: 'classify_base' });
    await run();
    expect(process.exitCode).toBe(1);
    const errors = annotations('error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain("give an evaluation flow ('flow' or 'run-file') and/or built-in 'metrics'");
  });

  test('no run: one error naming run', async () => {
    setup({ metrics: 'accuracy', prediction: '${run.outputs.category}', 'ground-truth': '${data.answer}' });
    await run();
    expect(annotations('error')).toEqual([expect.stringContaining("No run to evaluate: give 'run'")]);
  });

  test('an unknown run lists the runs there', async () => {
    setup({ run: 'classify_typo', metrics: 'accuracy', prediction: '${run.outputs.category}', 'ground-truth': '${data.answer}' });
    await run();
    expect(annotations('error')).toEqual([expect.stringContaining("Run 'classify_typo' not found: it is neither a run directory nor a run name under .llmops/runs; runs there: classify_base")]);
  });

  test('an unknown built-in metric names the valid ones', async () => {
    setup({ run: 'classify_base', metrics: 'acuracy', prediction: '${run.outputs.category}', 'ground-truth': '${data.answer}' });
    await run();
    expect(annotations('error')).toEqual([expect.stringContaining("unknown built-in metric 'acuracy'; valid names: accuracy, precision")]);
  });

  test('metrics without prediction', async () => {
    setup({ run: 'classify_base', metrics: 'accuracy', 'ground-truth': '${data.answer}' });
    await run();
    expect(annotations('error')).toEqual([expect.stringContaining("Built-in 'metrics' need 'prediction'")]);
  });
});

describe('artifact', () => {
  test('outside a runner the upload is skipped with a warning; the step still succeeds', async () => {
    setup({ run: 'classify_base', metrics: 'accuracy', prediction: '${run.outputs.category}', 'ground-truth': '${data.answer}', 'artifact-name': 'eval-metrics' });
    await run();
    expect(process.exitCode).toBeUndefined();
    expect(annotations('warning').map(decoded).some((w) => w.includes("Artifact 'eval-metrics' was not uploaded"))).toBe(true);
    expect(summary()).toContain('## Evaluation of `classify_base`');
  });

  test('on a runner the artifact is uploaded (results service and blob storage faked), with metrics.json at its root', async () => {
    const results = await startResultsService();
    try {
      setup({
        run: 'classify_base', metrics: 'accuracy', prediction: '${run.outputs.category}', 'ground-truth': '${data.answer}',
        'artifact-name': 'eval-metrics', 'artifact-retention-days': '5'
      });
      env.set({ ACTIONS_RUNTIME_TOKEN: runtimeToken(), ACTIONS_RESULTS_URL: `${results.url}/` });
      await run();
      expect(process.exitCode).toBeUndefined();
      expect(annotations()).toEqual([expect.stringMatching(/^::warning::1 line\(s\) failed/)]);
      const create = results.calls.find((c) => c.method === 'CreateArtifact')!;
      expect(create.body).toMatchObject({ name: 'eval-metrics', workflow_run_backend_id: 'run-backend', workflow_job_run_backend_id: 'job-backend' });
      const days = (Date.parse(String(create.body.expires_at)) - Date.now()) / 86_400_000;
      expect(days).toBeGreaterThan(4.9);
      expect(days).toBeLessThanOrEqual(5);
      expect(results.calls.find((c) => c.method === 'FinalizeArtifact')!.body).toMatchObject({ name: 'eval-metrics' });
      const zip = join(tempDir('llmops-evaluate-zip-'), 'a.zip');
      writeFileSync(zip, results.blob());
      const names = JSON.parse(execFileSync('python3', ['-c', 'import sys, zipfile, json; print(json.dumps(zipfile.ZipFile(sys.argv[1]).namelist()))', zip], { encoding: 'utf8' })) as string[];
      expect(names).toEqual(expect.arrayContaining(['metrics.json', 'metrics.details.json', 'report.md', 'runs/classify_base/run.json', 'runs/classify_base/flow_outputs/output.jsonl']));
      const metrics = execFileSync('python3', ['-c', 'import sys, zipfile; print(zipfile.ZipFile(sys.argv[1]).read("metrics.json").decode())', zip], { encoding: 'utf8' });
      expect(JSON.parse(metrics)).toEqual({ accuracy: 0.5 });
    } finally {
      await results.stop();
    }
  });

  test('the staged artifact has metrics.json at its root (what action-gate\'s baseline-artifact reads) and the runs', async () => {
    const { evaluate, stageEvaluationArtifact } = await import('@llmops/evaluate');
    setup({});
    const result = await evaluate(
      {
        run: 'classify_base',
        flow: 'eval-accuracy',
        data: 'tickets.jsonl',
        columnMapping: { groundtruth: '${data.answer}', prediction: '${run.outputs.category}' },
        name: 'eval_artifact',
        metrics: ['accuracy'],
        prediction: '${run.outputs.category}',
        groundTruth: '${data.answer}',
        runFlow,
        cwd: workspace,
        concurrency: 2
      },
      silentLog
    );
    const dir = tempDir('llmops-evaluate-artifact-');
    const files = await stageEvaluationArtifact(result, dir);
    const names = files.map((f) => f.slice(dir.length + 1));
    expect(names).toEqual(expect.arrayContaining(['metrics.json', 'metrics.details.json', 'report.md', 'runs/classify_base/run.json', 'runs/eval_artifact/metrics.json']));
    expect(json(join(dir, 'metrics.json'))).toEqual({ accuracy: 0.5, graded: 3 });
    expect(readdirSync(dir).sort()).toEqual(['metrics.details.json', 'metrics.json', 'report.md', 'runs']);
  });
});

test('an evaluation flow mapping a missing data column: one error annotation, no stack trace', async () => {
  setup({ run: 'classify_base', flow: 'eval-accuracy', data: 'tickets.jsonl', 'column-mapping': 'groundtruth=${data.label}\nprediction=${run.outputs.category}' });
  await run();
  expect(process.exitCode).toBe(1);
  const errors = annotations('error');
  expect(errors).toHaveLength(1);
  expect(errors[0]).toContain("field 'column_mapping.groundtruth'");
  expect(errors[0]).toContain("column 'label' does not exist");
  expect(errors[0]).toContain('Available columns: text, answer.');
  expect(out.lines().some((l) => /^\s+at /.test(l))).toBe(false);
});

/** A runtime token as the runner's: a JWT whose `scp` names the run and job backends. */
function runtimeToken(): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part({ scp: 'Actions.Results:run-backend:job-backend' })}.sig`;
}

/**
 * The artifact results service (Twirp JSON: CreateArtifact, FinalizeArtifact) and the
 * signed blob URL it hands out, which takes blocks and a block list as Azure Blob does.
 */
async function startResultsService() {
  const calls: Array<{ method: string; body: Record<string, unknown> }> = [];
  const blocks = new Map<string, Buffer>();
  let committed = Buffer.alloc(0);
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const twirp = /^\/twirp\/github\.actions\.results\.api\.v1\.ArtifactService\/(\w+)$/.exec(url.pathname);
      const json = (status: number, value: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(value));
      };
      if (req.method === 'POST' && twirp) {
        calls.push({ method: twirp[1]!, body: JSON.parse(body.toString('utf8')) });
        if (twirp[1] === 'CreateArtifact') return json(200, { ok: true, signedUploadUrl: `${address()}/blob/artifact.zip?sig=secret` });
        if (twirp[1] === 'FinalizeArtifact') return json(200, { ok: true, artifactId: '77' });
        return json(404, { code: 'bad_route', msg: twirp[1] });
      }
      if (req.method === 'PUT' && url.pathname === '/blob/artifact.zip') {
        const comp = url.searchParams.get('comp');
        if (comp === 'block') blocks.set(url.searchParams.get('blockid')!, body);
        else if (comp === 'blocklist') {
          const ids = [...body.toString('utf8').matchAll(/<(?:Latest|Uncommitted|Committed)>([^<]+)</g)].map((m) => m[1]!);
          committed = Buffer.concat(ids.map((id) => blocks.get(id)!));
        } else committed = body;
        res.writeHead(201, { etag: '"0x1"', 'last-modified': new Date().toUTCString(), 'x-ms-request-id': 'r', 'x-ms-version': '2025-01-05' });
        return res.end();
      }
      json(404, { message: `no route ${req.method} ${url.pathname}` });
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = () => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: address(),
    calls,
    blob: () => committed,
    stop: () => new Promise<void>((done) => server.close(() => done()))
  };
}
