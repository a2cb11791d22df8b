import { actionLog, failStep, runAction, setOutputs, writeSummary } from '@llmops/github';
import { failureRateExceeded, renderRunSummary, runFlow } from '@llmops/flow';
import { getInputs } from './inputs.js';

export async function run(): Promise<void> {
  await runAction('action-run-flow', async () => {
    const inputs = getInputs();
    const log = actionLog();
    const result = await runFlow({ ...inputs, log });
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
