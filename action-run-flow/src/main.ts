import { isUserError } from '@llmops/common';
import { actionLog, failStep, isForkPullRequestRun, noticeForkSkip, runAction, setOutputs, writeSummary } from '@llmops/github';
import { failureRateExceeded, renderRunSummary, runFlow, type RunFlowResult } from '@llmops/flow';
import { getInputs, type RunFlowInputs } from './inputs.js';

const ACTION = 'action-run-flow';

/** On a fork PR a connection secret is absent: skip with a notice (replayed recordings need none). */
async function runOrSkipOnFork(inputs: RunFlowInputs, log: ReturnType<typeof actionLog>): Promise<RunFlowResult | undefined> {
  try {
    return await runFlow({ ...inputs, log });
  } catch (error) {
    if (isUserError(error) && error.code === 'ConnectionEnvironmentVariableMissing' && isForkPullRequestRun()) {
      const text = noticeForkSkip(ACTION, `the flow's connection secrets are not set (${error.message.split('.')[0]}); use cache: replay with committed recordings to evaluate fork PRs`);
      setOutputs({ status: 'Skipped' });
      await writeSummary(`### Flow run skipped

${text}`);
      return undefined;
    }
    throw error;
  }
}

export async function run(): Promise<void> {
  await runAction(ACTION, async () => {
    const inputs = getInputs();
    const log = actionLog();
    const result = await runOrSkipOnFork(inputs, log);
    if (!result) return;
    setOutputs({
      'run-name': result.runName,
      'run-dir': result.runDir,
      'output-file': result.outputFile,
      status: result.status,
      'lines-total': result.linesTotal,
      'lines-completed': result.linesCompleted,
      'lines-failed': result.linesFailed,
      metrics: result.metrics
    });
    await writeSummary(renderRunSummary(result), { pointer: `The full run is in ${result.runDir}.` });
    const exceeded = failureRateExceeded(result, inputs.allowedFailureRate);
    if (exceeded) failStep(exceeded);
  });
}
