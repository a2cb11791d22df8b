import { join } from 'node:path';
import type { ModelVersion } from '@azure/arm-machinelearning';
import { isRestError } from '@azure/core-rest-pipeline';
import { UserError, type Log } from '@llmops/common';
import { uploadFolder } from './datastore.js';
import { hashFolderFiles, listFolderFiles } from './folder.js';
import { promptflowModelProperties, readFlowModelInfo, validateModelName } from './flowModel.js';
import { DEFAULT_REGISTRY_DIR, listLocalVersions, writeLocalVersion, type LocalModelRecord } from './localRegistry.js';
import type { WorkspaceClient } from './workspace.js';

/** Tag names the registration writes (and finds earlier registrations by). */
export const MODEL_TAGS = { contentHash: 'content_hash', gitSha: 'git_sha', runName: 'run_name', metricPrefix: 'metric.' } as const;

export interface RegisterFlowModelOptions {
  /** `azureml` (default) needs `workspace`; `local` writes into `registryDir`. */
  target?: 'azureml' | 'local';
  workspace?: WorkspaceClient;
  flowDir: string;
  modelName: string;
  description?: string;
  tags?: Record<string, string>;
  metrics?: Record<string, number>;
  runName?: string;
  gitSha?: string;
  /** Folder registry root for `target: local`, default `.llmops/registry`. */
  registryDir?: string;
  /** Extra patterns to leave out of the flow (the defaults always apply). */
  ignore?: readonly string[];
  log: Log;
}

export interface RegisteredModel {
  modelName: string;
  modelVersion: string;
  /** The model version's ARM id (azureml), or its version folder (local). */
  modelId: string;
  /** False when a version with the same content hash already existed and was reused. */
  created: boolean;
  contentHash: string;
  /** Where the flow lives: the long azureml:// URI, or the local version folder's `flow/`. */
  modelUri: string;
}

/**
 * Register a flow folder as a `custom_model` version carrying Prompt flow's properties and
 * our lineage tags. Idempotent: an existing version with the same content hash is reused.
 */
export async function registerFlowModel(options: RegisterFlowModelOptions): Promise<RegisteredModel> {
  const modelName = validateModelName(options.modelName);
  const info = await readFlowModelInfo(options.flowDir);
  const properties = promptflowModelProperties(info);
  if ((options.target ?? 'azureml') === 'local') return registerLocal(options, modelName, properties);
  if (!options.workspace) throw new Error('registerFlowModel: target azureml needs a workspace client');
  return registerInWorkspace(options.workspace, options, modelName, properties);
}

function modelTags(options: RegisterFlowModelOptions, contentHash: string, log: Log): Record<string, string> {
  const tags: Record<string, string> = { ...options.tags };
  for (const reserved of [MODEL_TAGS.contentHash, MODEL_TAGS.gitSha, MODEL_TAGS.runName]) {
    if (reserved in tags) log.warning(`Tag '${reserved}' is set by the registration; the value from \`tags\` is ignored.`, { field: 'tags' });
  }
  for (const [name, value] of Object.entries(options.metrics ?? {})) tags[`${MODEL_TAGS.metricPrefix}${name}`] = String(value);
  tags[MODEL_TAGS.contentHash] = contentHash;
  if (options.gitSha) tags[MODEL_TAGS.gitSha] = options.gitSha;
  else delete tags[MODEL_TAGS.gitSha];
  if (options.runName) tags[MODEL_TAGS.runName] = options.runName;
  else delete tags[MODEL_TAGS.runName];
  return tags;
}

async function registerInWorkspace(workspace: WorkspaceClient, options: RegisterFlowModelOptions, modelName: string, properties: Record<string, string>): Promise<RegisteredModel> {
  const { log } = options;
  // Look for the content before touching storage: a re-run needs no upload and no keys.
  const contentHash = await hashFolderFiles(await listFolderFiles(options.flowDir, options.ignore));
  const existing = await findVersionByHash(workspace, modelName, contentHash);
  if (existing) {
    log.info(`Model ${modelName} version ${existing.name} already has this flow (content hash ${contentHash}); reusing it.`);
    return { modelName, modelVersion: existing.name!, modelId: existing.id ?? versionArmId(workspace, modelName, existing.name!), created: false, contentHash, modelUri: existing.properties.modelUri ?? '' };
  }
  const upload = await uploadFolder({ workspace, localDir: options.flowDir, ignore: options.ignore, log });
  const body: ModelVersion = {
    properties: {
      modelType: 'custom_model',
      modelUri: upload.longUri,
      description: options.description,
      tags: modelTags(options, upload.hash, log),
      properties,
      isAnonymous: false
    }
  };
  // Another run may take the version number between our read and write: read it again.
  for (let attempt = 1; ; attempt += 1) {
    const version = await nextVersion(workspace, modelName);
    try {
      const created = await workspace.call(`Creating model ${modelName} version ${version}`, (arm, rg, ws) => arm.modelVersions.createOrUpdate(rg, ws, modelName, version, body));
      log.info(`Registered model ${modelName} version ${version}.`);
      return { modelName, modelVersion: version, modelId: created.id ?? versionArmId(workspace, modelName, version), created: true, contentHash: upload.hash, modelUri: upload.longUri };
    } catch (error) {
      const cause = error instanceof Error ? error.cause : undefined;
      const taken = isRestError(cause) && cause.statusCode === 400 && /cannot be updated/i.test(cause.message);
      if (!taken || attempt >= 3) throw error;
      log.info(`Model ${modelName} version ${version} was just taken by another registration; trying the next one.`);
    }
  }
}

async function findVersionByHash(workspace: WorkspaceClient, modelName: string, hash: string): Promise<ModelVersion | undefined> {
  const container = await workspace.find(`Reading model ${modelName}`, (arm, rg, ws) => arm.modelContainers.get(rg, ws, modelName));
  if (!container) return undefined;
  const matches: ModelVersion[] = [];
  await workspace.call(`Listing versions of model ${modelName}`, async (arm, rg, ws) => {
    for await (const v of arm.modelVersions.list(rg, ws, modelName, { tags: `${MODEL_TAGS.contentHash}=${hash}` })) matches.push(v);
  });
  // The service filters by tag; check again so that a service ignoring the filter cannot mislead us.
  return matches
    .filter((v) => v.properties.tags?.[MODEL_TAGS.contentHash] === hash && !v.properties.isArchived)
    .sort((a, b) => Number(b.name) - Number(a.name))[0];
}

/** The container's `nextVersion` (azure-ai-ml's rule), else max numeric version + 1, else "1". */
async function nextVersion(workspace: WorkspaceClient, modelName: string): Promise<string> {
  const container = await workspace.find(`Reading model ${modelName}`, (arm, rg, ws) => arm.modelContainers.get(rg, ws, modelName));
  if (!container) return '1';
  if (container.properties.nextVersion) return container.properties.nextVersion;
  let max = 0;
  await workspace.call(`Listing versions of model ${modelName}`, async (arm, rg, ws) => {
    for await (const v of arm.modelVersions.list(rg, ws, modelName)) max = Math.max(max, Number.parseInt(v.name ?? '0', 10) || 0);
  });
  return String(max + 1);
}

function versionArmId(workspace: WorkspaceClient, modelName: string, version: string): string {
  return `${workspace.workspaceArmId}/models/${modelName}/versions/${version}`;
}

async function registerLocal(options: RegisterFlowModelOptions, modelName: string, properties: Record<string, string>): Promise<RegisteredModel> {
  const { log } = options;
  const registryDir = options.registryDir?.trim() || DEFAULT_REGISTRY_DIR;
  const files = await listFolderFiles(options.flowDir, options.ignore);
  if (files.length === 0) throw new UserError(`Flow folder is empty: ${options.flowDir}`, { file: options.flowDir, field: 'flow', code: 'FlowNotFound' });
  const hash = await hashFolderFiles(files);
  const versions = await listLocalVersions(registryDir, modelName);
  const existing = versions.filter((v) => v.tags[MODEL_TAGS.contentHash] === hash).at(-1);
  if (existing) {
    log.info(`Model ${modelName} version ${existing.version} in ${registryDir} already has this flow (content hash ${hash}); reusing it.`);
    return { modelName, modelVersion: existing.version, modelId: existing.id, created: false, contentHash: hash, modelUri: join(existing.id, existing.path) };
  }
  const version = String(Math.max(0, ...versions.map((v) => Number(v.version))) + 1);
  const id = join(registryDir, modelName, version);
  const record: LocalModelRecord = {
    name: modelName, version, id, description: options.description, modelType: 'custom_model', path: 'flow',
    tags: modelTags(options, hash, log), properties, createdAt: new Date().toISOString()
  };
  await writeLocalVersion(registryDir, record, files);
  log.info(`Registered model ${modelName} version ${version} in ${registryDir}.`);
  return { modelName, modelVersion: version, modelId: id, created: true, contentHash: hash, modelUri: join(id, 'flow') };
}
