import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { createOctokit, findPullRequest, isForkPullRequest, readRunContext, workflowFileFromRef } from '../src/context.js';
import { FakeGitHub } from './support/fake-github.js';
import { EnvScope, recordingLog, tempDir, writeEvent } from './support/env.js';

const gh = new FakeGitHub();
const env = new EnvScope();
beforeAll(() => gh.start());
afterAll(() => gh.stop());
beforeEach(() => gh.reset());
afterEach(() => env.restore());

const base = { repo: { full_name: 'o/r', fork: false } };

function runEnv(eventName: string, payload: unknown) {
  env.set({
    GITHUB_EVENT_NAME: eventName,
    GITHUB_EVENT_PATH: writeEvent(tempDir(), payload),
    GITHUB_REPOSITORY: 'o/r',
    GITHUB_SHA: 'merge0000000',
    GITHUB_REF: 'refs/pull/5/merge',
    GITHUB_WORKFLOW: 'PR eval',
    GITHUB_WORKFLOW_REF: 'o/r/.github/workflows/eval.yml@refs/pull/5/merge',
    GITHUB_JOB: 'gate',
    GITHUB_RUN_ID: '42',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: gh.url
  });
}

describe('readRunContext', () => {
  test('pull_request: PR number, head sha (not the merge commit), run URL', () => {
    runEnv('pull_request', { pull_request: { number: 5, head: { sha: 'head5', repo: base.repo }, base }, repository: { default_branch: 'main' } });
    const ctx = readRunContext();
    expect(ctx).toMatchObject({
      owner: 'o', repo: 'r', headSha: 'head5', workflow: 'PR eval', workflowFile: 'eval.yml', job: 'gate', runId: 42,
      runUrl: 'https://github.com/o/r/actions/runs/42', defaultBranch: 'main', apiUrl: gh.url,
      pullRequest: { number: 5, isFork: false, headSha: 'head5', source: 'event' }
    });
  });
  test('pull_request_target from a fork', () => {
    runEnv('pull_request_target', { pull_request: { number: 6, head: { sha: 'h', repo: { full_name: 'me/r', fork: true } }, base } });
    expect(readRunContext().pullRequest).toMatchObject({ number: 6, isFork: true });
  });
  test('push: GITHUB_SHA, no PR from the payload', () => {
    runEnv('push', { after: 'abc' });
    const ctx = readRunContext();
    expect(ctx.headSha).toBe('merge0000000');
    expect(ctx.pullRequest).toBeUndefined();
  });
});

test('fork detection', () => {
  expect(isForkPullRequest({ head: { repo: { full_name: 'me/r', fork: true } }, base })).toBe(true);
  // A PR between two branches of a fork is not a fork PR.
  expect(isForkPullRequest({ head: { repo: { full_name: 'o/r', fork: true } }, base })).toBe(false);
  expect(isForkPullRequest({ head: { repo: null }, base })).toBe(true);
  expect(isForkPullRequest({ head: { repo: { fork: true } } })).toBe(true);
});

test('workflow file from GITHUB_WORKFLOW_REF', () => {
  expect(workflowFileFromRef('o/r/.github/workflows/ci.yaml@refs/heads/main')).toBe('ci.yaml');
  expect(workflowFileFromRef(undefined)).toBeUndefined();
});

describe('findPullRequest', () => {
  test('push with an associated open PR', async () => {
    runEnv('push', {});
    gh.commitPulls.set('merge0000000', [
      { number: 3, state: 'closed', head: { sha: 'merge0000000', repo: base.repo }, base },
      { number: 9, state: 'open', head: { sha: 'merge0000000', repo: base.repo }, base }
    ]);
    const pr = await findPullRequest(readRunContext(), createOctokit('t'), recordingLog().log);
    expect(pr).toEqual({ number: 9, isFork: false, headSha: 'merge0000000', source: 'commit' });
    expect(gh.requestsTo('GET', /\/commits\/merge0000000\/pulls$/)).toHaveLength(1);
  });
  test('push without one', async () => {
    runEnv('workflow_dispatch', {});
    expect(await findPullRequest(readRunContext(), createOctokit('t'), recordingLog().log)).toBeUndefined();
  });
  test('an API failure is a warning', async () => {
    runEnv('schedule', {});
    gh.forbid('commitPulls');
    const { log, of } = recordingLog();
    expect(await findPullRequest(readRunContext(), createOctokit('t'), log)).toBeUndefined();
    expect(of('warning')[0]).toContain('HTTP 403');
  });
});
