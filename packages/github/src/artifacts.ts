import { DefaultArtifactClient } from '@actions/artifact';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Log } from '@llmops/common';
import { type Octokit, readRunContext } from './context.js';
import { actionLog } from './log.js';
import { httpStatus, permissionsBlock } from './permissions.js';

export interface UploadedArtifact {
  id?: number;
  size?: number;
}

/**
 * Uploads files as an artifact of this run. Outside a runner (no ACTIONS_RUNTIME_TOKEN)
 * or when the upload fails, warns and returns undefined: an artifact is a convenience,
 * never a reason to lose the step's real result.
 */
export async function uploadArtifact(
  name: string,
  files: string[],
  rootDir: string,
  options: { retentionDays?: number; log?: Log } = {}
): Promise<UploadedArtifact | undefined> {
  const log = options.log ?? actionLog();
  if (!process.env.ACTIONS_RUNTIME_TOKEN || !process.env.ACTIONS_RESULTS_URL) {
    log.warning(`Artifact '${name}' was not uploaded: this step is not running on a GitHub Actions runner (ACTIONS_RUNTIME_TOKEN is unset).`);
    return undefined;
  }
  try {
    const result = await new DefaultArtifactClient().uploadArtifact(name, files, rootDir, {
      retentionDays: options.retentionDays
    });
    log.info(`Uploaded artifact '${name}' (${result.size ?? '?'} bytes)`);
    return { id: result.id, size: result.size };
  } catch (error) {
    log.warning(`Artifact '${name}' was not uploaded: ${(error as Error).message}`);
    return undefined;
  }
}

export interface BaselineArtifactRequest {
  octokit: Octokit;
  /** Default: this repository (GITHUB_REPOSITORY). */
  owner?: string;
  repo?: string;
  /** Artifact name, as uploaded by the default-branch run. */
  name: string;
  token: string;
  /** Workflow id or file name (`eval.yml`); defaults to this run's workflow. */
  workflow?: string | number;
  /** Defaults to the repository's default branch. */
  branch?: string;
  /** This run, which is never its own baseline. */
  currentRunId?: number;
  /** Where to extract it; defaults to a new temporary folder. */
  path?: string;
  log?: Log;
  /** How many recent successful runs to search for the artifact. */
  searchRuns?: number;
}

export interface BaselineArtifact {
  dir: string;
  runId: number;
  /** The commit the baseline run evaluated. */
  sha: string;
  url: string;
  artifactId: number;
}

/**
 * Downloads `name` from the newest successful run of this workflow on the default branch,
 * so a PR can be compared with main. Returns undefined (after a warning saying why) when
 * there is no such run or artifact, or the token lacks `actions: read`: the gate then runs
 * without a baseline rather than failing.
 *
 * The download goes through @actions/artifact (`findBy`), which calls the REST zip endpoint
 * at GITHUB_API_URL and follows its redirect to blob storage.
 */
export async function downloadBaselineArtifact(request: BaselineArtifactRequest): Promise<BaselineArtifact | undefined> {
  const { octokit, name } = request;
  const log = request.log ?? actionLog();
  const here = request.owner && request.repo ? undefined : readRunContext();
  const owner = request.owner ?? here!.owner;
  const repo = request.repo ?? here!.repo;
  try {
    const workflow = request.workflow ?? (await currentWorkflowId(octokit, owner, repo, request.currentRunId));
    if (workflow === undefined) {
      log.warning(`No baseline: could not tell which workflow this run belongs to (GITHUB_WORKFLOW_REF and GITHUB_RUN_ID are unset).`);
      return undefined;
    }
    const branch = request.branch ?? (await octokit.rest.repos.get({ owner, repo })).data.default_branch;
    const { data } = await octokit.rest.actions.listWorkflowRuns({
      owner,
      repo,
      workflow_id: workflow,
      branch,
      status: 'success',
      per_page: request.searchRuns ?? 10
    });
    const runs = data.workflow_runs.filter((run) => run.id !== request.currentRunId);
    for (const run of runs) {
      const artifacts = await octokit.rest.actions.listWorkflowRunArtifacts({ owner, repo, run_id: run.id, name, per_page: 100 });
      const artifact = artifacts.data.artifacts.find((a) => a.name === name && !a.expired);
      if (!artifact) continue;
      const dir = request.path ?? mkdtempSync(join(tmpdir(), 'llmops-baseline-'));
      mkdirSync(dir, { recursive: true });
      await new DefaultArtifactClient().downloadArtifact(artifact.id, {
        path: dir,
        findBy: { token: request.token, workflowRunId: run.id, repositoryOwner: owner, repositoryName: repo }
      });
      log.info(`Baseline: artifact '${name}' from run ${run.id} on ${branch} (commit ${run.head_sha.slice(0, 7)})`);
      return { dir, runId: run.id, sha: run.head_sha, url: run.html_url, artifactId: artifact.id };
    }
    log.warning(
      `No baseline: no successful run of workflow '${workflow}' on branch '${branch}' has an artifact named '${name}' ` +
        `(searched ${runs.length} run(s)). Upload it from a run on ${branch} first; the gate continues without a baseline.`
    );
    return undefined;
  } catch (error) {
    const status = httpStatus(error);
    if (status === 403) {
      log.warning(
        `No baseline: the token may not read workflow runs and artifacts (${(error as Error).message}). ` +
          `Add this to the job; the gate continues without a baseline:\n${permissionsBlock({ actions: 'read' })}`
      );
      return undefined;
    }
    if (status === 404) {
      log.warning(`No baseline: the workflow or artifact was not found (HTTP 404: ${(error as Error).message}). The gate continues without a baseline.`);
      return undefined;
    }
    if (status !== undefined) {
      log.warning(`No baseline: GitHub answered HTTP ${status} (${(error as Error).message}). The gate continues without a baseline.`);
      return undefined;
    }
    throw error;
  }
}

async function currentWorkflowId(octokit: Octokit, owner: string, repo: string, runId: number | undefined): Promise<number | undefined> {
  if (!runId) return undefined;
  const { data } = await octokit.rest.actions.getWorkflowRun({ owner, repo, run_id: runId });
  return data.workflow_id;
}
