import * as core from '@actions/core';
import { registerCommand, type RegisterCommandContext } from '@llmops/azure';
import { actionLog, isForkPullRequestRun, noticeForkSkip, readRunContext, runAction, setOutputs } from '@llmops/github';
import { getInputs } from './inputs.js';

const ACTION = 'llmops register';

/**
 * Inputs → register (Azure ML or the local folder registry) → outputs.
 * `context` lets tests point the Azure clients at fakes; on a runner it is empty.
 */
export async function run(context: RegisterCommandContext = {}): Promise<void> {
  await runAction(ACTION, async () => {
    const log = actionLog();
    // Mask the whole credentials input before anything can echo it.
    const rawCredentials = core.getInput('azure-credentials');
    if (rawCredentials) log.setSecret(rawCredentials);
    if (isForkPullRequestRun() && !hasAzureCredentials(rawCredentials)) {
      noticeForkSkip(ACTION, 'the Azure sign-in has no credentials');
      return;
    }
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

/** Whether any Azure sign-in was configured (a fork PR gets neither secrets nor an OIDC token). */
function hasAzureCredentials(rawCredentials: string): boolean {
  return Boolean(rawCredentials || process.env.ACTIONS_ID_TOKEN_REQUEST_URL || process.env.AZURE_CLIENT_SECRET);
}
