import * as core from '@actions/core';
import { deployFlowModel, renderDeploySummary, type DeployCommandContext } from '@llmops/azure';
import { actionLog, isForkPullRequestRun, noticeForkSkip, failStep, runAction, setOutputs, writeSummary } from '@llmops/github';
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
    // Mask the whole credentials input before anything can echo it.
    const rawCredentials = core.getInput('azure-credentials');
    if (rawCredentials) log.setSecret(rawCredentials);
    if (isForkPullRequestRun() && !hasAzureCredentials(rawCredentials)) {
      noticeForkSkip(ACTION, 'the Azure sign-in has no credentials');
      return;
    }
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

/** Whether any Azure sign-in was configured (a fork PR gets neither secrets nor an OIDC token). */
function hasAzureCredentials(rawCredentials: string): boolean {
  return Boolean(rawCredentials || process.env.ACTIONS_ID_TOKEN_REQUEST_URL || process.env.AZURE_CLIENT_SECRET);
}
