import { UserError } from '@llmops/common';
import type { WorkspaceClient } from '../workspace.js';

export interface ModelReference {
  name: string;
  /** A version, or `latest`. */
  version: string;
}

const ARM_MODEL = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.MachineLearningServices\/workspaces\/([^/]+)\/models\/([^/]+)\/versions\/([^/]+)$/i;
const FIELD = 'model';

/**
 * `model`: `azureml:<name>:<version>`, `<name>:<version>`, `<name>@latest`, or the model
 * version's ARM id (action-register's `model-id`). An ARM id must name this workspace:
 * a managed deployment can only use the workspace's own models.
 */
export function parseModelReference(text: string | undefined, workspace: { subscriptionId: string; resourceGroup: string; workspace: string }): ModelReference {
  const value = text?.trim() ?? '';
  if (!value) throw new UserError('`model` is required: azureml:<name>:<version>, <name>:<version>, or the model-id output of action-register', { field: FIELD, code: 'InvalidInput' });
  const arm = ARM_MODEL.exec(value);
  if (arm) {
    const [, sub, rg, ws, name, version] = arm;
    if (sub!.toLowerCase() !== workspace.subscriptionId.toLowerCase() || rg!.toLowerCase() !== workspace.resourceGroup.toLowerCase() || ws!.toLowerCase() !== workspace.workspace.toLowerCase()) {
      throw new UserError(`\`model\` belongs to workspace '${ws}' in resource group '${rg}', but the deployment goes to workspace '${workspace.workspace}' in '${workspace.resourceGroup}'; register the model in the target workspace`, { field: FIELD, code: 'InvalidInput' });
    }
    return { name: decodeURIComponent(name!), version: decodeURIComponent(version!) };
  }
  if (value.startsWith('/') || value.startsWith('.') || value.includes('\\')) {
    throw new UserError(`\`model\` '${value}' looks like a local path; deploy a model registered in Azure ML (action-register with target azureml)`, { field: FIELD, code: 'InvalidInput' });
  }
  const bare = value.replace(/^azureml:/, '');
  const at = /^([A-Za-z0-9][A-Za-z0-9_.-]*)@latest$/.exec(bare);
  if (at) return { name: at[1]!, version: 'latest' };
  const pair = /^([A-Za-z0-9][A-Za-z0-9_.-]*):([A-Za-z0-9_.-]+)$/.exec(bare);
  if (pair) return { name: pair[1]!, version: pair[2]! };
  throw new UserError(`\`model\` '${value}' is not a model reference; use azureml:<name>:<version>, <name>:<version>, <name>@latest, or a model version ARM id`, { field: FIELD, code: 'InvalidInput' });
}

export interface ResolvedModel {
  name: string;
  version: string;
  /** The model version's ARM id, as a deployment's `model`. */
  id: string;
  /** The model's properties (Prompt flow's `azureml.promptflow.*`). */
  properties: Record<string, string>;
}

/** Check that the model version exists (and find `latest`), so a typo fails before anything changes. */
export async function resolveModel(workspace: WorkspaceClient, ref: ModelReference): Promise<ResolvedModel> {
  let version = ref.version;
  if (version === 'latest') {
    const container = await workspace.find(`Reading model ${ref.name}`, (arm, rg, ws) => arm.modelContainers.get(rg, ws, ref.name));
    version = container?.properties.latestVersion ?? '';
    if (!version) throw new UserError(`Model '${ref.name}' has no versions in ${workspace.describe()}`, { field: FIELD, code: 'ModelNotFound' });
  }
  const found = await workspace.find(`Reading model ${ref.name} version ${version}`, (arm, rg, ws) => arm.modelVersions.get(rg, ws, ref.name, version));
  if (!found) throw new UserError(`Model '${ref.name}' version ${version} was not found in ${workspace.describe()}; check \`model\` (register it with action-register first)`, { field: FIELD, code: 'ModelNotFound' });
  const properties: Record<string, string> = {};
  for (const [k, v] of Object.entries(found.properties.properties ?? {})) if (typeof v === 'string') properties[k] = v;
  return { name: ref.name, version, id: found.id ?? `${workspace.workspaceArmId}/models/${ref.name}/versions/${version}`, properties };
}
