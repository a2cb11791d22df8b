import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { createOctokit } from '../src/context.js';
import { COMMENT_MAX_CHARS, stickyKey, stickyMarker, upsertStickyComment } from '../src/comment.js';
import { FakeGitHub } from './support/fake-github.js';
import { recordingLog } from './support/env.js';

const gh = new FakeGitHub();
beforeAll(() => gh.start());
afterAll(() => gh.stop());
beforeEach(() => gh.reset());

function request(body: string, log = recordingLog().log) {
  return { octokit: createOctokit('ghs_test', gh.url), owner: 'o', repo: 'r', issueNumber: 7, key: 'eval/gate', body, log };
}

test('marker and key', () => {
  expect(stickyKey({ workflow: 'PR eval', job: 'gate', extra: 'py3.12' })).toBe('PR eval/gate/py3.12');
  expect(stickyKey({ workflow: 'eval', job: 'gate', extra: ' ' })).toBe('eval/gate');
  expect(stickyMarker('a--b\nc')).toBe('<!-- llmops-actions:a-b c -->');
});

test('creates the comment once, then updates the same one', async () => {
  gh.addComment(7, 'LGTM');
  const first = await upsertStickyComment(request('accuracy 0.8'));
  expect(first.status).toBe('created');
  const second = await upsertStickyComment(request('accuracy 0.9'));
  expect(second).toMatchObject({ status: 'updated', id: (first as { id: number }).id });
  const comments = gh.comments.get(7)!;
  expect(comments).toHaveLength(2);
  expect(comments[1]!.body).toBe('<!-- llmops-actions:eval/gate -->\naccuracy 0.9');
  expect(gh.requestsTo('POST', /comments$/)).toHaveLength(1);
  expect(gh.requestsTo('PATCH', /comments\/\d+$/)).toHaveLength(1);
  expect(gh.requests[0]!.authorization).toBe('token ghs_test');
});

test('finds our comment on page 2 of a PR with more than 100 comments', async () => {
  for (let i = 0; i < 130; i++) gh.addComment(7, `chatter ${i}`);
  // Another job's comment, and a reply quoting ours, must not be taken for ours.
  gh.addComment(7, '<!-- llmops-actions:eval/other -->\nother job');
  gh.addComment(7, '> <!-- llmops-actions:eval/gate -->\n> quoted');
  const ours = gh.addComment(7, '<!-- llmops-actions:eval/gate -->\nold', { login: 'github-actions[bot]', type: 'Bot' });
  const result = await upsertStickyComment(request('new'));
  expect(result).toMatchObject({ status: 'updated', id: ours.id });
  const lists = gh.requestsTo('GET', /issues\/7\/comments$/);
  expect(lists.map((r) => r.query.page ?? '1')).toEqual(['1', '2']);
  expect(lists[0]!.query.per_page).toBe('100');
  expect(gh.requestsTo('POST', /comments$/)).toHaveLength(0);
});

test('a 403 (read-only token) is a warning with the permissions block, not an exception', async () => {
  gh.forbid('createComment');
  const { log, of } = recordingLog();
  const result = await upsertStickyComment(request('report', log));
  expect(result.status).toBe('forbidden');
  const [warning] = of('warning');
  expect(warning).toContain('Resource not accessible by integration');
  expect(warning).toContain('permissions:\n  contents: read\n  pull-requests: write');
});

test('404 and 422 are explained warnings', async () => {
  gh.fail('listComments', 404, { message: 'Not Found', status: '404' });
  const { log, of } = recordingLog();
  expect((await upsertStickyComment(request('x', log))).status).toBe('not-found');
  expect(of('warning')[0]).toContain('not found (HTTP 404)');
  gh.failures.clear();
  gh.fail('createComment', 422, { message: 'Validation Failed', status: '422' });
  expect((await upsertStickyComment(request('x', log))).status).toBe('invalid');
  expect(of('warning')[1]).toContain('HTTP 422');
});

describe('size cap', () => {
  test('a body over 65,536 characters is cut with a pointer and accepted', async () => {
    const rows = Array.from({ length: 5000 }, (_, i) => `| row ${i} | ${'x'.repeat(20)} |`).join('\n');
    const result = await upsertStickyComment({ ...request(`| a | b |\n|---|---|\n${rows}`), pointer: 'Full report: https://example.test/run/1' });
    expect(result.status).toBe('created');
    const body = gh.comments.get(7)![0]!.body;
    expect(body.length).toBeLessThanOrEqual(COMMENT_MAX_CHARS);
    expect(body.length).toBeGreaterThan(COMMENT_MAX_CHARS - 500);
    expect(body.startsWith('<!-- llmops-actions:eval/gate -->\n| a | b |')).toBe(true);
    expect(body).toContain('Full report: https://example.test/run/1');
  });
  test('a small body is untouched', async () => {
    await upsertStickyComment(request('short'));
    expect(gh.comments.get(7)![0]!.body).toBe('<!-- llmops-actions:eval/gate -->\nshort');
  });
});
