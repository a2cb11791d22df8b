import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FakeGitHub } from '../../packages/github/test/support/fake-github.js';
import { captureStdout, EnvScope, parseOutputFile, tempDir, writeEvent } from '../../packages/github/test/support/env.js';

// run() is the action's real entry. The artifact client reads GITHUB_API_URL when the
// toolkit is first imported, as on a runner, so the server starts before the import.
const gh = new FakeGitHub();
const env = new EnvScope();
let run: () => Promise<void>;
const summaryFile = join(tempDir('llmops-gate-summary-'), 'step-summary.md');
let workspace: string;
let out: ReturnType<typeof captureStdout>;

const BASE_REPO = { full_name: 'o/r', fork: false };
const prEvent = (number = 7, headRepo: unknown = BASE_REPO) => ({
  pull_request: { number, head: { sha: 'head1234567', repo: headRepo }, base: { repo: BASE_REPO } },
  repository: { full_name: 'o/r', default_branch: 'main' }
});

beforeAll(async () => {
  await gh.start();
  env.set({ GITHUB_API_URL: gh.url, GITHUB_SERVER_URL: 'https://github.com' });
  ({ run } = await import('../src/main.js'));
});
afterAll(async () => {
  env.restore();
  await gh.stop();
});

function setup(inputs: Record<string, string>, event: { name: string; payload: unknown }) {
  gh.reset();
  workspace = tempDir('llmops-gate-ws-');
  writeFileSync(summaryFile, '');
  writeFileSync(join(workspace, 'output.txt'), '');
  writeFileSync(join(workspace, 'metrics.json'), JSON.stringify({ accuracy: 0.75, f1: 0.6, latency_ms: 420 }));
  const all: Record<string, string | undefined> = {
    metrics: 'metrics.json', thresholds: undefined, baseline: undefined, 'baseline-artifact': undefined,
    'max-regression': undefined, fail: 'true', comment: 'auto', 'comment-key': undefined,
    'github-token': 'ghs_secret_token_value', 'report-file': '.llmops/gate/report.md', ...inputs
  };
  env.set(Object.fromEntries(Object.entries(all).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v])));
  env.set({
    GITHUB_WORKSPACE: workspace,
    GITHUB_OUTPUT: join(workspace, 'output.txt'),
    GITHUB_STEP_SUMMARY: summaryFile,
    GITHUB_EVENT_NAME: event.name,
    GITHUB_EVENT_PATH: writeEvent(workspace, event.payload),
    GITHUB_REPOSITORY: 'o/r',
    GITHUB_SHA: event.name.startsWith('pull_request') ? 'merge999' : 'push1234567',
    GITHUB_WORKFLOW: 'PR eval',
    GITHUB_WORKFLOW_REF: 'o/r/.github/workflows/eval.yml@refs/heads/x',
    GITHUB_JOB: 'gate',
    GITHUB_RUN_ID: '42'
  });
}

beforeEach(() => {
  out = captureStdout();
});
afterEach(() => {
  out.restore();
  process.exitCode = undefined;
});

const outputs = () => parseOutputFile(readFileSync(join(workspace, 'output.txt'), 'utf8'));
const summary = () => readFileSync(summaryFile, 'utf8');
const annotations = (kind = 'error|warning') => out.lines().filter((l) => new RegExp(`^::(${kind})`).test(l));
const decoded = (line: string) => line.replace(/%0A/g, '\n').replace(/%25/g, '%');

describe('on a pull request', () => {
  test('a passing gate: outputs, report file, summary and one comment, updated in place on the next run', async () => {
    setup({ thresholds: 'accuracy >= 0.7\nf1 > 0.5' }, { name: 'pull_request', payload: prEvent() });
    await run();
    expect(process.exitCode).toBeUndefined();
    expect(annotations()).toEqual([]);
    const o = outputs();
    expect(o).toEqual({ passed: 'true', failures: '[]', 'report-file': join(workspace, '.llmops/gate/report.md') });
    expect(readFileSync(o['report-file']!, 'utf8')).toMatch(/gate passed/i);
    expect(summary()).toMatch(/gate passed/i);
    const [comment] = gh.comments.get(7)!;
    expect(comment!.body).toMatch(/^<!-- llmops-actions:PR eval\/gate -->\n## ✅ gate passed/i);
    expect(comment!.body).toContain('commit head123');
    expect(gh.requests.every((r) => r.authorization === 'token ghs_secret_token_value')).toBe(true);
    expect(out.lines()).toContain('::add-mask::ghs_secret_token_value');

    // The next push to the PR updates the same comment.
    writeFileSync(join(workspace, 'metrics.json'), JSON.stringify({ accuracy: 0.72, f1: 0.6 }));
    writeFileSync(summaryFile, '');
    await run();
    expect(gh.comments.get(7)).toHaveLength(1);
    expect(gh.comments.get(7)![0]!.id).toBe(comment!.id);
    expect(gh.comments.get(7)![0]!.body).toContain('0.72');
    expect(gh.requestsTo('PATCH', /issues\/comments\/\d+$/)).toHaveLength(1);
  });

  test('a failing gate fails the step only after the outputs, summary and comment are written', async () => {
    setup({ thresholds: 'accuracy >= 0.9' }, { name: 'pull_request', payload: prEvent() });
    await run();
    expect(process.exitCode).toBe(1);
    expect(outputs().passed).toBe('false');
    expect(JSON.parse(outputs().failures!)).toEqual([
      { metric: 'accuracy', kind: 'threshold', message: 'accuracy = 0.75, required >= 0.9 (line 1: accuracy >= 0.9)' }
    ]);
    expect(summary()).toMatch(/gate failed/i);
    expect(gh.comments.get(7)![0]!.body).toMatch(/gate failed/i);
    expect(gh.requestsTo('POST', /issues\/7\/comments$/)).toHaveLength(1);
    // One error annotation, and it is the last thing the step printed.
    expect(annotations('error')).toEqual(['::error::Gate failed: accuracy = 0.75, required >= 0.9 (line 1: accuracy >= 0.9)']);
    expect(out.lines().at(-1)).toBe(annotations('error')[0]);
  });

  test('fail: false turns a failed gate into a warning', async () => {
    setup({ thresholds: 'accuracy >= 0.9', fail: 'false' }, { name: 'pull_request', payload: prEvent() });
    await run();
    expect(process.exitCode).toBeUndefined();
    expect(outputs().passed).toBe('false');
    expect(annotations('warning')).toHaveLength(1);
    expect(annotations('warning')[0]).toContain('not failing the step: fail is false');
  });

  test('403 on the comment: a warning with the permissions block, and the gate still decides', async () => {
    setup({ thresholds: 'accuracy >= 0.7' }, { name: 'pull_request', payload: prEvent() });
    gh.forbid('createComment');
    await run();
    expect(process.exitCode).toBeUndefined();
    expect(outputs().passed).toBe('true');
    const [warning] = annotations('warning');
    expect(decoded(warning!)).toContain('Resource not accessible by integration');
    expect(decoded(warning!)).toContain('permissions:\n  contents: read\n  pull-requests: write');
    expect(summary()).toMatch(/gate passed/i);

    setup({ thresholds: 'accuracy >= 0.9' }, { name: 'pull_request', payload: prEvent() });
    gh.forbid('createComment');
    await run();
    expect(process.exitCode).toBe(1);
    expect(annotations('error').at(-1)).toMatch(/^::error::Gate failed: accuracy = 0.75/);
  });

  test('comment: always fails the step when the comment cannot be written', async () => {
    setup({ thresholds: 'accuracy >= 0.7', comment: 'always' }, { name: 'pull_request', payload: prEvent() });
    gh.forbid('createComment');
    await run();
    expect(process.exitCode).toBe(1);
    expect(outputs().passed).toBe('true');
    expect(annotations('error')).toEqual([expect.stringMatching(/^::error::The PR comment could not be written \(comment: always\): Could not comment on pull request #7/)]);
  });

  test('a fork PR (read-only token) is not commented on with auto; the summary still has the report', async () => {
    setup({ thresholds: 'accuracy >= 0.7' }, { name: 'pull_request', payload: prEvent(8, { full_name: 'me/r', fork: true }) });
    await run();
    expect(process.exitCode).toBeUndefined();
    expect(gh.requests).toEqual([]);
    expect(summary()).toMatch(/gate passed/i);
    expect(out.lines().join('\n')).toContain('comes from a fork');
  });

  test('comment: never and comment-key', async () => {
    setup({ thresholds: 'accuracy >= 0.7', comment: 'never' }, { name: 'pull_request', payload: prEvent() });
    await run();
    expect(gh.requests).toEqual([]);
    setup({ thresholds: 'accuracy >= 0.7', 'comment-key': 'variant-b' }, { name: 'pull_request', payload: prEvent() });
    await run();
    expect(gh.comments.get(7)![0]!.body.startsWith('<!-- llmops-actions:PR eval/gate/variant-b -->')).toBe(true);
  });
});

describe('on push', () => {
  test('comments on the open PR associated with the commit', async () => {
    setup({ thresholds: 'accuracy >= 0.7' }, { name: 'push', payload: { repository: { default_branch: 'main' } } });
    gh.commitPulls.set('push1234567', [{ number: 12, state: 'open', head: { sha: 'push1234567', repo: BASE_REPO }, base: { repo: BASE_REPO } }]);
    await run();
    expect(gh.requestsTo('GET', /commits\/push1234567\/pulls$/)).toHaveLength(1);
    expect(gh.comments.get(12)).toHaveLength(1);
    expect(process.exitCode).toBeUndefined();
  });

  test('without an associated PR: summary only, no comment, no warning', async () => {
    setup({ thresholds: 'accuracy >= 0.7' }, { name: 'push', payload: {} });
    await run();
    expect(gh.requestsTo('POST', /comments$/)).toEqual([]);
    expect(summary()).toMatch(/gate passed/i);
    expect(annotations()).toEqual([]);
    expect(out.lines().join('\n')).toContain('No pull request for this push');
  });
});

describe('user mistakes', () => {
  test('malformed thresholds: one annotation naming the input and the line, no stack trace, nothing written', async () => {
    setup({ thresholds: 'accuracy >= 0.7\nf1 => 0.5' }, { name: 'pull_request', payload: prEvent() });
    await run();
    expect(process.exitCode).toBe(1);
    const errors = annotations('error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^::error title=llmops gate,line=2::thresholds line 2: 'f1 => 0\.5' uses '=>'; did you mean '>=' \('f1 >= 0\.5'\)\?$/);
    expect(out.lines().join('\n')).not.toMatch(/\n\s+at |\.ts:\d+/);
    if (process.env.SHOW_GATE_OUTPUT) process.stderr.write(`${out.lines().join('\n')}\n`);
    expect(outputs()).toEqual({});
    expect(gh.requests).toEqual([]);
  });

  test('a bad boolean names the input', async () => {
    setup({ thresholds: 'accuracy >= 0.7', fail: 'sometimes' }, { name: 'push', payload: {} });
    await run();
    expect(annotations('error')).toEqual(["::error title=llmops gate::Input 'fail' must be true or false (also accepted: yes/no, 1/0), got 'sometimes'"]);
  });

  test('max-regression without a baseline is refused', async () => {
    setup({ 'max-regression': 'accuracy 0.02' }, { name: 'push', payload: {} });
    await run();
    expect(annotations('error')[0]).toContain("'max-regression' compares with a baseline");
  });
});

describe('baselines', () => {
  test('an inline baseline and max-regression', async () => {
    setup({ baseline: '{"accuracy": 0.8}', 'max-regression': 'accuracy 0.02' }, { name: 'push', payload: {} });
    await run();
    expect(process.exitCode).toBe(1);
    expect(JSON.parse(outputs().failures!)[0]).toMatchObject({ metric: 'accuracy', kind: 'regression' });
  });

  test('baseline-artifact: the newest successful main run of this workflow, named in the report', async () => {
    setup({ 'baseline-artifact': 'eval-metrics', 'max-regression': 'accuracy 0.1\nlatency_ms 10%' }, { name: 'pull_request', payload: prEvent() });
    gh.runs.push(
      { id: 30, workflow_id: 5, workflowFile: 'eval.yml', head_branch: 'main', head_sha: 'old0000000', conclusion: 'success', artifacts: [{ id: 900, name: 'eval-metrics', files: { 'metrics.json': '{"accuracy": 0.5}' } }] },
      { id: 31, workflow_id: 5, workflowFile: 'eval.yml', head_branch: 'main', head_sha: 'base7654321', conclusion: 'success', artifacts: [{ id: 901, name: 'eval-metrics', files: { 'metrics.json': '{"accuracy": 0.8, "latency_ms": 300}' } }] }
    );
    await run();
    expect(gh.requestsTo('GET', /workflows\/eval\.yml\/runs$/)[0]!.query).toMatchObject({ branch: 'main', status: 'success' });
    const failures = JSON.parse(outputs().failures!);
    expect(failures).toEqual([{ metric: 'latency_ms', kind: 'regression', message: expect.stringContaining('latency_ms rose from 300 to 420') }]);
    expect(summary()).toContain('Baseline: `artifact eval-metrics of run 31 at commit base765` ([baseline run](https://github.com/o/r/actions/runs/31))');
    if (process.env.SHOW_GATE_OUTPUT) process.stderr.write(`${summary()}\n${gh.comments.get(7)![0]!.body}\n`);
    expect(process.exitCode).toBe(1);
  });

  test('baseline-artifact without actions: read: a warning, and the gate runs without a baseline', async () => {
    setup({ thresholds: 'accuracy >= 0.7', 'baseline-artifact': 'eval-metrics', 'max-regression': 'accuracy 0.01' }, { name: 'pull_request', payload: prEvent() });
    gh.forbid('listRuns');
    await run();
    expect(process.exitCode).toBeUndefined();
    expect(outputs().passed).toBe('true');
    expect(decoded(annotations('warning')[0]!)).toContain('permissions:\n  contents: read\n  actions: read');
    expect(summary()).toContain('no baseline was given');
  });
});
