import type { Log } from '@llmops/common';
import { type CommentMode, type StickyCommentResult, stickyKey, upsertStickyComment } from './comment.js';
import { findPullRequest, type Octokit, type RunContext } from './context.js';

export type PublishCommentResult =
  | (StickyCommentResult & { pullRequest: number })
  | { status: 'skipped'; message: string };

export interface PublishCommentRequest {
  mode: CommentMode;
  ctx: RunContext;
  /** Undefined when there is no token: the comment is skipped. */
  octokit?: Octokit;
  body: string;
  /** Extra marker key (matrix leg, step) appended to `<workflow>/<job>`. */
  keySuffix?: string;
  pointer?: string;
  log: Log;
}

/**
 * The `comment` input's policy:
 * - `never`: no comment.
 * - `auto`: comment on the PR of this run (PR events, or the open PR of a pushed commit);
 *   skip with a notice on a fork PR's `pull_request` run (its token is read-only); a
 *   failed comment is a warning.
 * - `always`: comment wherever a PR is known, forks included, and a failed comment fails
 *   the step (see `commentFailed`); with no PR at all it warns, as there is nothing to comment on.
 */
export async function publishComment(request: PublishCommentRequest): Promise<PublishCommentResult> {
  const { mode, ctx, octokit, log } = request;
  if (mode === 'never') return { status: 'skipped', message: "comment is 'never'" };
  if (!octokit) {
    const message = 'No github-token: the report is in the job summary only.';
    mode === 'always' ? log.warning(message) : log.info(message);
    return { status: 'skipped', message };
  }
  const pr = await findPullRequest(ctx, octokit, log);
  if (!pr) {
    const message = `No pull request for this ${ctx.eventName || 'run'}: the report is in the job summary only.`;
    mode === 'always' ? log.warning(message) : log.info(message);
    return { status: 'skipped', message };
  }
  if (pr.isFork && ctx.eventName === 'pull_request' && mode === 'auto') {
    const message = `Pull request #${pr.number} comes from a fork, whose token cannot comment; the report is in the job summary. Set comment: always to try anyway.`;
    log.info(message);
    return { status: 'skipped', message };
  }
  const key = stickyKey({ workflow: ctx.workflow || 'workflow', job: ctx.job || 'job', extra: request.keySuffix });
  const result = await upsertStickyComment({
    octokit,
    owner: ctx.owner,
    repo: ctx.repo,
    issueNumber: pr.number,
    key,
    body: request.body,
    log,
    pointer: request.pointer
  });
  return { ...result, pullRequest: pr.number };
}

/** Whether the comment outcome should fail the step (only `always` insists on a comment). */
export function commentFailed(mode: CommentMode, result: PublishCommentResult): boolean {
  if (mode !== 'always') return false;
  return result.status !== 'created' && result.status !== 'updated' && result.status !== 'skipped';
}
