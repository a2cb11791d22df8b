import { existsSync } from 'node:fs';
import { getChoice, getKeyValues, getPath, getString } from '@llmops/github';
import { parseMetricsInput, type RegisterCommandOptions } from '@llmops/azure';

export const TARGETS = ['azureml', 'local'] as const;

/** The action's inputs, typed and validated, as the shared register command's options. */
export async function getInputs(): Promise<RegisterCommandOptions> {
  const metrics = getString('metrics');
  return {
    flow: getPath('flow', { required: true }),
    modelName: getString('model-name', { required: true }),
    description: getString('description'),
    tags: getKeyValues('tags') ?? {},
    // JSON text stays text; anything else is a file or run directory in the workspace.
    metrics: await parseMetricsInput(metrics?.trim().startsWith('{') ? metrics : getPath('metrics')),
    run: runInput(),
    target: getChoice<(typeof TARGETS)[number]>('target', TARGETS, { default: 'azureml' }),
    registryDir: getPath('registry-dir', { default: '.llmops/registry' }),
    azure: {
      azureCredentials: getString('azure-credentials'),
      clientId: getString('client-id'),
      tenantId: getString('tenant-id'),
      subscription: getString('subscription'),
      resourceGroup: getString('resource-group'),
      workspace: getString('workspace')
    }
  };
}

/** A run directory in the workspace (its run.json names the run), else the run name as given. */
function runInput(): string | undefined {
  const path = getPath('run');
  if (path === undefined) return undefined;
  return existsSync(path) ? path : getString('run');
}
