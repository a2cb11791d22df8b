import type { Log } from '@llmops/common';
import type { Octokit } from './context.js';
import { httpStatus, permissionsBlock } from './permissions.js';
import { truncateMarkdown } from './truncate.js';

/** GitHub rejects issue comments longer than this (422 "body is too long"). */
export const COMMENT_MAX_CHARS = 65_536;

export type CommentMode = 'auto' | 'always' | 'never';
export const COMMENT_MODES: readonly CommentMode[] = ['auto', 'always', 'never'];

/**
 * The key that makes a comment ours: workflow and job, so each job keeps its own comment,
 * plus an extra key (matrix leg, step) when one job posts several.
 */
export function stickyKey(parts: { workflow: string; job: string; extra?: string }): string {
  return [parts.workflow, parts.job, parts.extra].filter((p) => p && p.trim()).map((p) => p!.trim()).join('/');
}

export function stickyMarker(key: string): string {
  // `--` cannot appear inside an HTML comment; keep the key on one line.
  return `<!-- llmops-actions:${key.replace(/--+/g, '-').replace(/\s+/g, ' ')} -->`;
}

export interface StickyCommentRequest {
  octokit: Octokit;
  owner: string;
  repo: string;
  issueNumber: number;
  key: string;
  body: string;
  log: Log;
  /** Shown when the body is cut to fit, e.g. a link to the run's job summary. */
  pointer?: string;
}

export type StickyCommentResult =
  | { status: 'created' | 'updated'; id: number; url?: string }
  | { status: 'forbidden' | 'not-found' | 'invalid' | 'error'; message: string };

/**
 * Creates or updates our one comment on a PR. The marker on the first line finds it
 * across all pages of comments. HTTP failures (403 on a fork's read-only token, 404,
 * 422, 5xx) become warnings and a status; this never throws for them.
 */
export async function upsertStickyComment(request: StickyCommentRequest): Promise<StickyCommentResult> {
  const { octokit, owner, repo, issueNumber, key, log } = request;
  const marker = stickyMarker(key);
  const pointer = request.pointer ?? 'The full report is in the job summary.';
  const body = truncateMarkdown(`${marker}\n${request.body}`, { maxChars: COMMENT_MAX_CHARS }, pointer);
  const where = `pull request #${issueNumber}`;
  try {
    const existing = await findComment(octokit, owner, repo, issueNumber, marker);
    if (existing) {
      const { data } = await octokit.rest.issues.updateComment({ owner, repo, comment_id: existing, body });
      log.info(`Updated the report comment on ${where}: ${data.html_url ?? data.id}`);
      return { status: 'updated', id: data.id, url: data.html_url };
    }
    const { data } = await octokit.rest.issues.createComment({ owner, repo, issue_number: issueNumber, body });
    log.info(`Posted the report comment on ${where}: ${data.html_url ?? data.id}`);
    return { status: 'created', id: data.id, url: data.html_url };
  } catch (error) {
    return explainFailure(error, where, log);
  }
}

/** Our comment's id, reading every page (a busy PR has more than 100 comments). */
async function findComment(octokit: Octokit, owner: string, repo: string, issueNumber: number, marker: string): Promise<number | undefined> {
  let found: number | undefined;
  await octokit.paginate(
    octokit.rest.issues.listComments,
    { owner, repo, issue_number: issueNumber, per_page: 100 },
    (response, done) => {
      // Match at the start: a reply quoting our comment starts with `> `.
      const hit = response.data.find((c) => c.body?.startsWith(marker));
      if (hit) {
        found = hit.id;
        done();
      }
      return [];
    }
  );
  return found;
}

function explainFailure(error: unknown, where: string, log: Log): StickyCommentResult {
  const status = httpStatus(error);
  const reason = error instanceof Error ? error.message : String(error);
  if (status === undefined) throw error;
  if (status === 403) {
    const message =
      `Could not comment on ${where}: ${reason}. The token needs 'pull-requests: write' ` +
      `(a pull request from a fork only gets a read-only token; the report is still in the job summary). ` +
      `Add this to the job:\n${permissionsBlock({ 'pull-requests': 'write' })}`;
    log.warning(message);
    return { status: 'forbidden', message };
  }
  if (status === 404) {
    const message = `Could not comment on ${where}: not found (HTTP 404). Check that the pull request exists and the token can see this repository.`;
    log.warning(message);
    return { status: 'not-found', message };
  }
  if (status === 422) {
    const message = `GitHub refused the comment on ${where} (HTTP 422): ${reason}`;
    log.warning(message);
    return { status: 'invalid', message };
  }
  const message = `Could not comment on ${where} (HTTP ${status}): ${reason}`;
  log.warning(message);
  return { status: 'error', message };
}
