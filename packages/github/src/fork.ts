import * as core from '@actions/core';
import { readRunContext } from './context.js';

/**
 * A fork's pull request runs without the repository's secrets (its token is read-only),
 * so a step that needs them cannot run there. Such a step skips with a notice instead of
 * failing the check red for something the contributor cannot fix.
 */
export function isForkPullRequestRun(env: NodeJS.ProcessEnv = process.env): boolean {
  return readRunContext(env).pullRequest?.isFork === true;
}

/** Writes the notice for a step skipped on a fork PR; returns the text for the summary. */
export function noticeForkSkip(action: string, what: string): string {
  const text =
    `${action} skipped: this pull request comes from a fork, and GitHub gives fork PRs no secrets, so ${what}. ` +
    'It runs on pull requests from branches of this repository and after merge.';
  core.notice(text, { title: action });
  return text;
}
