import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type { Log } from '@llmops/common';
import { evaluateGate, fitMarkdown, loadMetrics, renderGateReport, type GateResult } from '@llmops/evaluate';
import {
  actionLog,
  commentFailed,
  createOctokit,
  downloadBaselineArtifact,
  failStep,
  type Octokit,
  publishComment,
  readRunContext,
  runAction,
  type RunContext,
  setOutputs,
  writeSummary
} from '@llmops/github';
import { type GateInputs, getInputs } from './inputs.js';

const ACTION = 'llmops gate';

/** Inputs → gate → outputs, report file, summary, comment; only then fail the step if the gate failed. */
export async function run(): Promise<void> {
  await runAction(ACTION, gate);
}

async function gate(): Promise<void> {
  const log = actionLog();
  const inputs = getInputs(log);
  const ctx = readRunContext();
  const octokit = inputs.githubToken ? createOctokit(inputs.githubToken, ctx.apiUrl) : undefined;

  const current = await loadMetrics(inputs.metrics, { field: 'metrics', cwd: inputs.workspace });
  if (current.ignored.length) log.info(`Not numbers, so not gated: ${current.ignored.join(', ')}`);
  const baseline = await resolveBaseline(inputs, ctx, octokit, log);

  const result = evaluateGate({
    metrics: current.metrics,
    thresholds: inputs.thresholds,
    baseline: baseline?.metrics,
    maxRegression: inputs.maxRegression
  });
  const rendered = renderGateReport(result, {
    metrics: current.metrics,
    metricsOrigin: current.origin,
    baselineOrigin: baseline?.origin,
    runUrl: ctx.runUrl
  });
  const report = withBaselineLink(rendered, baseline);
  logResult(result, log);

  mkdirSync(dirname(inputs.reportFile), { recursive: true });
  writeFileSync(inputs.reportFile, report);
  setOutputs({ passed: result.passed, failures: result.failures, 'report-file': inputs.reportFile });

  const reportName = relative(inputs.workspace, inputs.reportFile) || inputs.reportFile;
  await writeSummary(report, { fit: fitMarkdown, pointer: `The full report is in \`${reportName}\`${ctx.runUrl ? ` of [this run](${ctx.runUrl})` : ''}.` });
  const comment = await publishComment({
    mode: inputs.comment,
    ctx,
    octokit,
    body: `${report.trimEnd()}\n\n${footer(ctx)}`,
    keySuffix: inputs.commentKey,
    pointer: ctx.runUrl ? `The full report is in the [job summary](${ctx.runUrl}).` : 'The full report is in the job summary.',
    log
  });

  // Everything is written; now the step's status.
  if (!result.passed) {
    const summary = `Gate failed: ${result.failures.map((f) => f.message).join('; ')}`;
    if (inputs.fail) failStep(summary);
    log.warning(`${summary} (not failing the step: fail is false)`);
  }
  if (commentFailed(inputs.comment, comment)) {
    failStep(`The PR comment could not be written (comment: always): ${'message' in comment ? comment.message.split('\n')[0] : comment.status}`);
  }
}

interface Baseline {
  metrics: Record<string, number>;
  /** Which run and commit (or file) the baseline came from, for the report. */
  origin: string;
  url?: string;
}

async function resolveBaseline(inputs: GateInputs, ctx: RunContext, octokit: Octokit | undefined, log: Log): Promise<Baseline | undefined> {
  if (inputs.baseline) {
    const loaded = await loadMetrics(inputs.baseline, { field: 'baseline', cwd: inputs.workspace });
    return { metrics: loaded.metrics, origin: loaded.origin };
  }
  if (!inputs.baselineArtifact) return undefined;
  if (!octokit || !inputs.githubToken) {
    log.warning("No baseline: 'baseline-artifact' needs 'github-token'. The gate continues without a baseline.");
    return undefined;
  }
  const artifact = await downloadBaselineArtifact({
    octokit,
    owner: ctx.owner,
    repo: ctx.repo,
    name: inputs.baselineArtifact,
    token: inputs.githubToken,
    workflow: ctx.workflowFile,
    branch: ctx.defaultBranch,
    currentRunId: ctx.runId,
    log
  });
  if (!artifact) return undefined;
  const file = findMetricsFile(artifact.dir);
  if (!file) {
    log.warning(`No baseline: artifact '${inputs.baselineArtifact}' from run ${artifact.runId} has no metrics.json. The gate continues without a baseline.`);
    return undefined;
  }
  const loaded = await loadMetrics(file, { field: 'baseline-artifact', cwd: artifact.dir });
  return {
    metrics: loaded.metrics,
    origin: `artifact ${inputs.baselineArtifact} of run ${artifact.runId} at commit ${artifact.sha.slice(0, 7)}`,
    url: artifact.url
  };
}

/** `metrics.json` at the artifact's root, else the shallowest one inside it. */
function findMetricsFile(dir: string): string | undefined {
  const root = join(dir, 'metrics.json');
  if (existsSync(root)) return root;
  const found = readdirSync(dir, { recursive: true })
    .map(String)
    .filter((p) => p.split(/[\\/]/).pop() === 'metrics.json' && statSync(join(dir, p)).isFile())
    .sort((a, b) => a.split(/[\\/]/).length - b.split(/[\\/]/).length || a.localeCompare(b));
  return found[0] ? join(dir, found[0]) : undefined;
}

/** The report shows the baseline's origin as code; its run link goes right after it. */
function withBaselineLink(report: string, baseline: Baseline | undefined): string {
  if (!baseline?.url) return report;
  const link = `[baseline run](${baseline.url})`;
  const lines = report.split('\n');
  const at = lines.findIndex((l) => l.startsWith('Baseline: '));
  if (at < 0) return `${report.trimEnd()}\n\n${link}\n`;
  lines[at] = `${lines[at]} (${link})`;
  return lines.join('\n');
}

function logResult(result: GateResult, log: Log): void {
  for (const note of result.notes) log.info(`Note: ${note}`);
  if (result.passed) log.info(`Gate passed (${result.checks.length} check(s)).`);
  else for (const failure of result.failures) log.info(`FAILED ${failure.kind}: ${failure.message}`);
}

function footer(ctx: RunContext): string {
  const parts = ['llmops-actions gate'];
  if (ctx.headSha) parts.push(`commit ${ctx.headSha.slice(0, 7)}`);
  if (ctx.runUrl && ctx.runId) parts.push(`[run ${ctx.runId}](${ctx.runUrl})`);
  return `<sub>${parts.join(' · ')}</sub>`;
}
