import * as core from '@actions/core';
import { registerCommand, type RegisterCommandContext } from '@llmops/azure';
import { actionLog, azureStepSkipsOnFork, readRunContext, runAction, setOutputs } from '@llmops/github';
import { getInputs } from './inputs.js';

const ACTION = 'llmops register';

/**
 * Inputs → register (Azure ML or the local folder registry) → outputs.
 * `context` lets tests point the Azure clients at fakes; on a runner it is empty.
 */
export async function run(context: RegisterCommandContext = {}): Promise<void> {
  await runAction(ACTION, async () => {
    const log = actionLog();
    // The local folder registry needs no Azure sign-in, so it runs on fork PRs too.
    const needsAzure = core.getInput('target').trim().toLowerCase() !== 'local';
    if (azureStepSkipsOnFork(ACTION, (secret) => log.setSecret(secret), needsAzure)) return;
    const inputs = await getInputs();
    // On pull requests GITHUB_SHA is the merge commit; record the PR head instead.
    const gitSha = readRunContext().headSha || undefined;
    const result = await registerCommand({ ...inputs, gitSha }, log, {
      getIdToken: (audience) => core.getIDToken(audience),
      ...context
    });
    setOutputs({ 'model-name': result.modelName, 'model-version': result.modelVersion, 'model-id': result.modelId, created: result.created });
  });
}
