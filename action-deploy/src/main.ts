import * as core from '@actions/core';
import { deployFlowModel, renderDeploySummary, type DeployCommandContext } from '@llmops/azure';
import { actionLog, azureStepSkipsOnFork, failStep, runAction, setOutputs, writeSummary } from '@llmops/github';
import { getInputs } from './inputs.js';

const ACTION = 'llmops deploy';

/**
 * Inputs → blue/green rollout → outputs and job summary; a failed rollout (rolled back or
 * not) fails the step after both are written. `context` lets tests point the Azure clients
 * at fakes; on a runner it is empty.
 */
export async function run(context: DeployCommandContext = {}): Promise<void> {
  await runAction(ACTION, async () => {
    const log = actionLog();
    if (azureStepSkipsOnFork(ACTION, (secret) => log.setSecret(secret))) return;
    const inputs = getInputs();
    // Nothing has changed yet; if the rollout cannot start, these are the honest outputs.
    setOutputs({ 'endpoint-name': inputs.endpointName.trim(), 'rolled-back': false });
    const result = await deployFlowModel(inputs, log, { getIdToken: (audience) => core.getIDToken(audience), ...context });
    setOutputs({
      'endpoint-name': result.endpointName,
      'deployment-name': result.deploymentName,
      'previous-deployment': result.previousDeployment ?? '',
      'scoring-uri': result.scoringUri ?? '',
      'smoke-test': result.smokeTest,
      'rolled-back': result.rolledBack
    });
    await writeSummary(renderDeploySummary(result), { pointer: 'The full logs are in the step log and in the Azure ML studio.' });
    if (!result.succeeded) {
      const reason = result.failure?.reason ?? 'unknown failure';
      failStep(result.rolledBack
        ? `${reason}. Rolled back: endpoint ${result.endpointName} serves traffic as before and ${result.deploymentName} was deleted.`
        : `${reason}. The rollback is incomplete: ${result.rollbackProblems.join('; ')}.`);
    }
  });
}
