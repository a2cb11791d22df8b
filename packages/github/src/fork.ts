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

/**
 * The start of every Azure step: mask the whole credentials input before anything can
 * echo it, and skip with a notice on a fork PR, which gets neither secrets nor an OIDC
 * token. Returns true when the step should stop here.
 */
export function azureStepSkipsOnFork(action: string, setSecret: (secret: string) => void, needsAzure = true): boolean {
  const rawCredentials = core.getInput('azure-credentials');
  if (rawCredentials) setSecret(rawCredentials);
  if (!needsAzure) return false;
  const configured = Boolean(rawCredentials || process.env.ACTIONS_ID_TOKEN_REQUEST_URL || process.env.AZURE_CLIENT_SECRET);
  if (configured || !isForkPullRequestRun()) return false;
  noticeForkSkip(action, 'the Azure sign-in has no credentials');
  return true;
}
