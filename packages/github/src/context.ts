import { getOctokit } from '@actions/github';
import { existsSync, readFileSync } from 'node:fs';
import type { Log } from '@llmops/common';

/** The Octokit flavour the toolkit returns (REST methods + paginate). */
export type Octokit = ReturnType<typeof getOctokit>;

/**
 * The GitHub API client. The base URL comes from GITHUB_API_URL at call time (GHES, or a
 * test server), not from the toolkit's value frozen when it was first imported.
 */
export function createOctokit(token: string, apiUrl: string = process.env.GITHUB_API_URL || 'https://api.github.com'): Octokit {
  return getOctokit(token, { baseUrl: apiUrl.replace(/\/+$/, '') });
}

export interface PullRequestInfo {
  number: number;
  /** The PR comes from another repository: its token is read-only and secrets are withheld. */
  isFork: boolean;
  headSha?: string;
  /** How we found it: the event payload, or the commit's associated PRs (push, dispatch, schedule). */
  source: 'event' | 'commit';
}

/** What a step needs to know about the run it is in, read from the runner's environment. */
export interface RunContext {
  eventName: string;
  owner: string;
  repo: string;
  /** The commit under test: the PR head for PR events (GITHUB_SHA is the merge commit there). */
  headSha: string;
  ref: string;
  workflow: string;
  /** The workflow file (e.g. `eval.yml`) from GITHUB_WORKFLOW_REF, usable as a workflow_id. */
  workflowFile?: string;
  job: string;
  runId?: number;
  runUrl?: string;
  serverUrl: string;
  apiUrl: string;
  defaultBranch?: string;
  /** From the event payload only; see findPullRequest for push and other events. */
  pullRequest?: PullRequestInfo;
  payload: Record<string, any>;
}

const PR_EVENTS = new Set(['pull_request', 'pull_request_target', 'pull_request_review', 'pull_request_review_comment']);

export function readRunContext(env: NodeJS.ProcessEnv = process.env): RunContext {
  const payload = readPayload(env.GITHUB_EVENT_PATH);
  const [owner = '', repo = ''] = (env.GITHUB_REPOSITORY ?? payload.repository?.full_name ?? '/').split('/');
  const serverUrl = (env.GITHUB_SERVER_URL || 'https://github.com').replace(/\/+$/, '');
  const runId = env.GITHUB_RUN_ID ? Number(env.GITHUB_RUN_ID) : undefined;
  const eventName = env.GITHUB_EVENT_NAME ?? '';
  const pr = PR_EVENTS.has(eventName) ? payload.pull_request : undefined;
  return {
    eventName,
    owner,
    repo,
    headSha: pr?.head?.sha ?? env.GITHUB_SHA ?? '',
    ref: env.GITHUB_REF ?? '',
    workflow: env.GITHUB_WORKFLOW ?? '',
    workflowFile: workflowFileFromRef(env.GITHUB_WORKFLOW_REF),
    job: env.GITHUB_JOB ?? '',
    runId,
    runUrl: owner && runId ? `${serverUrl}/${owner}/${repo}/actions/runs/${runId}` : undefined,
    serverUrl,
    apiUrl: (env.GITHUB_API_URL || 'https://api.github.com').replace(/\/+$/, ''),
    defaultBranch: payload.repository?.default_branch,
    pullRequest: pr && typeof pr.number === 'number' ? { number: pr.number, isFork: isForkPullRequest(pr), headSha: pr.head?.sha, source: 'event' } : undefined,
    payload
  };
}

function readPayload(path: string | undefined): Record<string, any> {
  if (!path || !existsSync(path)) return {};
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, any>;
  } catch {
    return {};
  }
}

/** `owner/repo/.github/workflows/eval.yml@refs/heads/main` → `eval.yml`. */
export function workflowFileFromRef(ref: string | undefined): string | undefined {
  if (!ref) return undefined;
  const path = ref.split('@')[0] ?? '';
  const file = path.split('/').pop();
  return file && /\.ya?ml$/.test(file) ? file : undefined;
}

/**
 * A PR from another repository. `head.repo.fork` alone is not enough (a PR between two
 * branches of a fork is not a fork PR), so compare the repositories; a deleted head repo
 * (`head.repo: null`) is a fork that went away.
 */
export function isForkPullRequest(pr: Record<string, any>): boolean {
  const head = pr.head?.repo;
  const base = pr.base?.repo;
  if (head === null) return true;
  if (head?.full_name && base?.full_name) return head.full_name !== base.full_name;
  return head?.fork === true;
}

/**
 * The PR this run reports to: the event's PR, or for push / workflow_dispatch / schedule
 * the open PR whose head is this commit (`repos.listPullRequestsAssociatedWithCommit`).
 * API failures become a warning and `undefined`: no PR means the report goes to the summary only.
 */
export async function findPullRequest(ctx: RunContext, octokit: Octokit, log: Log): Promise<PullRequestInfo | undefined> {
  if (ctx.pullRequest) return ctx.pullRequest;
  if (PR_EVENTS.has(ctx.eventName) || !ctx.headSha || !ctx.owner) return undefined;
  try {
    const { data } = await octokit.rest.repos.listPullRequestsAssociatedWithCommit({
      owner: ctx.owner,
      repo: ctx.repo,
      commit_sha: ctx.headSha
    });
    const open = data.filter((pr) => pr.state === 'open');
    const pick = open.find((pr) => pr.head?.sha === ctx.headSha) ?? open[0];
    if (!pick) {
      log.debug(`No open pull request is associated with commit ${ctx.headSha}`);
      return undefined;
    }
    log.info(`Commit ${ctx.headSha.slice(0, 7)} belongs to pull request #${pick.number}`);
    return { number: pick.number, isFork: isForkPullRequest(pick as Record<string, any>), headSha: pick.head?.sha, source: 'commit' };
  } catch (error) {
    const status = (error as { status?: number }).status;
    log.warning(`Could not look up the pull request for commit ${ctx.headSha.slice(0, 7)} (HTTP ${status ?? '?'}): ${(error as Error).message}`);
    return undefined;
  }
}
