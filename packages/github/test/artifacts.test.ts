import { afterAll, beforeAll, beforeEach, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FakeGitHub } from './support/fake-github.js';
import { captureStdout, recordingLog, tempDir } from './support/env.js';

// @actions/artifact builds its own client from GITHUB_API_URL when @actions/github is first
// imported, as on a runner; so the server starts and the env is set before importing.
const gh = new FakeGitHub();
let artifacts: typeof import('../src/artifacts.js');
let context: typeof import('../src/context.js');
const saved = { api: process.env.GITHUB_API_URL, server: process.env.GITHUB_SERVER_URL };

beforeAll(async () => {
  await gh.start();
  process.env.GITHUB_API_URL = gh.url;
  process.env.GITHUB_SERVER_URL = 'https://github.com';
  artifacts = await import('../src/artifacts.js');
  context = await import('../src/context.js');
});
afterAll(async () => {
  await gh.stop();
  for (const [key, value] of [['GITHUB_API_URL', saved.api], ['GITHUB_SERVER_URL', saved.server]] as const) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});
beforeEach(() => {
  gh.reset();
  gh.runs.push(
    { id: 10, workflow_id: 77, workflowFile: 'eval.yml', head_branch: 'main', head_sha: 'aaaa1111', conclusion: 'success', artifacts: [{ id: 501, name: 'eval-metrics', files: { 'metrics.json': '{"accuracy": 0.7}' } }] },
    { id: 11, workflow_id: 77, workflowFile: 'eval.yml', head_branch: 'main', head_sha: 'bbbb2222', conclusion: 'success', artifacts: [{ id: 502, name: 'eval-metrics', files: { 'metrics.json': '{"accuracy": 0.8}', 'report/summary.md': '# hi' } }] },
    { id: 12, workflow_id: 77, workflowFile: 'eval.yml', head_branch: 'main', head_sha: 'cccc3333', conclusion: 'failure', artifacts: [{ id: 503, name: 'eval-metrics', files: { 'metrics.json': '{"accuracy": 0.1}' } }] },
    { id: 13, workflow_id: 77, workflowFile: 'eval.yml', head_branch: 'feature', head_sha: 'dddd4444', conclusion: 'success', artifacts: [{ id: 504, name: 'eval-metrics', files: { 'metrics.json': '{"accuracy": 0.2}' } }] },
    // This run itself (already on main, e.g. a push) is never its own baseline.
    { id: 14, workflow_id: 77, workflowFile: 'eval.yml', head_branch: 'main', head_sha: 'eeee5555', conclusion: 'success', artifacts: [{ id: 505, name: 'eval-metrics', files: { 'metrics.json': '{"accuracy": 0.3}' } }] }
  );
});

function request(extra: Partial<Parameters<typeof artifacts.downloadBaselineArtifact>[0]> = {}, log = recordingLog().log) {
  return { octokit: context.createOctokit('ghs_t'), owner: 'o', repo: 'r', name: 'eval-metrics', token: 'ghs_t', workflow: 'eval.yml', currentRunId: 14, log, ...extra };
}

async function quietly<T>(fn: () => Promise<T>): Promise<T> {
  const out = captureStdout();
  try {
    return await fn();
  } finally {
    out.restore();
  }
}

test('downloads the newest successful default-branch run’s artifact and says which run and commit', async () => {
  const dir = tempDir();
  const result = await quietly(() => artifacts.downloadBaselineArtifact(request({ path: dir })));
  expect(result).toEqual({ dir, runId: 11, sha: 'bbbb2222', url: 'https://github.com/o/r/actions/runs/11', artifactId: 502 });
  expect(JSON.parse(readFileSync(join(dir, 'metrics.json'), 'utf8'))).toEqual({ accuracy: 0.8 });
  expect(readFileSync(join(dir, 'report/summary.md'), 'utf8')).toBe('# hi');
  const [runs] = gh.requestsTo('GET', /workflows\/eval\.yml\/runs$/);
  expect(runs!.query).toMatchObject({ branch: 'main', status: 'success' });
  expect(gh.requestsTo('GET', /^\/repos\/o\/r$/)).toHaveLength(1);
  expect(gh.requestsTo('GET', /artifacts\/502\/zip$/)).toHaveLength(1);
});

test('the workflow defaults to this run’s workflow, and a run without the artifact is skipped', async () => {
  gh.runs.find((r) => r.id === 11)!.artifacts = [];
  const result = await quietly(() => artifacts.downloadBaselineArtifact(request({ workflow: undefined, branch: 'main' })));
  expect(result).toMatchObject({ runId: 10, sha: 'aaaa1111' });
  expect(JSON.parse(readFileSync(join(result!.dir, 'metrics.json'), 'utf8'))).toEqual({ accuracy: 0.7 });
  expect(gh.requestsTo('GET', /actions\/runs\/14$/)).toHaveLength(1);
  expect(gh.requestsTo('GET', /workflows\/77\/runs$/)).toHaveLength(1);
});

test('no artifact anywhere: a warning, no baseline', async () => {
  const { log, of } = recordingLog();
  expect(await artifacts.downloadBaselineArtifact(request({ name: 'nope' }, log))).toBeUndefined();
  expect(of('warning')[0]).toContain("no successful run of workflow 'eval.yml' on branch 'main' has an artifact named 'nope'");
});

test('403 (no actions: read): a warning with the permissions block, no baseline', async () => {
  gh.forbid('listRuns');
  const { log, of } = recordingLog();
  expect(await artifacts.downloadBaselineArtifact(request({}, log))).toBeUndefined();
  expect(of('warning')[0]).toContain('permissions:\n  contents: read\n  actions: read');
  expect(of('warning')[0]).toContain('continues without a baseline');
});

test('unknown workflow (404): a warning, no baseline', async () => {
  const { log, of } = recordingLog();
  expect(await artifacts.downloadBaselineArtifact(request({ workflow: 'missing.yml' }, log))).toBeUndefined();
  expect(of('warning')[0]).toContain('HTTP 404');
});

test('uploadArtifact outside a runner warns instead of failing', async () => {
  const { log, of } = recordingLog();
  const saved = process.env.ACTIONS_RUNTIME_TOKEN;
  delete process.env.ACTIONS_RUNTIME_TOKEN;
  try {
    expect(await artifacts.uploadArtifact('report', ['/tmp/x'], '/tmp', { log })).toBeUndefined();
  } finally {
    if (saved !== undefined) process.env.ACTIONS_RUNTIME_TOKEN = saved;
  }
  expect(of('warning')[0]).toContain("Artifact 'report' was not uploaded");
});
