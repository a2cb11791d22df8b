import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { Log } from '@llmops/common';
import { evaluate, fitMarkdown, metricsOutputJson, stageEvaluationArtifact, stringifyMetrics, type EvaluateResult } from '@llmops/evaluate';
import { runFlow } from '@llmops/flow';
import { actionLog, readRunContext, runAction, setOutputs, uploadArtifact, writeSummary } from '@llmops/github';
import { type EvaluateInputs, getInputs } from './inputs.js';

const ACTION = 'llmops evaluate';

/** Inputs → evaluation (flow and/or built-ins) → metrics file, report, outputs, summary, artifact. */
export async function run(): Promise<void> {
  await runAction(ACTION, async () => {
    const log = actionLog();
    const inputs = getInputs();
    const ctx = readRunContext();
    const result = await evaluate(
      {
        ...inputs,
        runFlow,
        cwd: inputs.workspace,
        runUrl: ctx.runUrl
      },
      log
    );
    log.info(`Metrics (${relative(inputs.workspace, result.metricsFile) || result.metricsFile}):\n${stringifyMetrics(result.metrics)}`);
    setOutputs({
      metrics: metricsOutputJson(result.metrics),
      'metrics-file': result.metricsFile,
      'run-dir': result.runDir,
      'report-file': result.reportFile
    });
    const uploaded = inputs.artifactName ? await upload(result, inputs, log) : false;
    const reportName = relative(inputs.workspace, result.reportFile) || result.reportFile;
    const where = uploaded ? `artifact \`${inputs.artifactName}\` (\`report.md\`)` : `\`${reportName}\``;
    await writeSummary(result.report, {
      fit: fitMarkdown,
      pointer: `The full report is in ${where}${ctx.runUrl ? ` of [this run](${ctx.runUrl})` : ''}.`
    });
  });
}

/** Uploads the staged evaluation; false (after a warning) when it could not be. */
async function upload(result: EvaluateResult, inputs: EvaluateInputs, log: Log): Promise<boolean> {
  const dir = mkdtempSync(join(process.env.RUNNER_TEMP || tmpdir(), 'llmops-evaluation-'));
  const files = await stageEvaluationArtifact(result, dir);
  return (await uploadArtifact(inputs.artifactName!, files, dir, { retentionDays: inputs.artifactRetentionDays, log })) !== undefined;
}
