import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EnvironmentVersion } from '@azure/arm-machinelearning';
import { UserError, type Log } from '@llmops/common';
import { blobServiceUrl, getDefaultDatastore, uploadFolder } from '../datastore.js';
import type { WorkspaceClient } from '../workspace.js';

/** Prompt flow's serving image (reference: azureml-apis §2.2). */
export const PROMPTFLOW_IMAGE = 'mcr.microsoft.com/azureml/promptflow/promptflow-runtime:latest';
/** The environment our deployments use; each distinct content is its own version. */
export const ENVIRONMENT_NAME = 'llmops-promptflow-serving';

/** Where the Prompt flow server listens inside the container. */
export const INFERENCE_CONFIG = {
  livenessRoute: { path: '/health', port: 8080 },
  readinessRoute: { path: '/health', port: 8080 },
  scoringRoute: { path: '/score', port: 8080 }
} as const;

/** The build context's Dockerfile: the serving image plus the flow's requirements. */
export const BUILD_DOCKERFILE = `FROM ${PROMPTFLOW_IMAGE}\nCOPY ./requirements.txt .\nRUN pip install -r requirements.txt\n`;

export interface ResolvedEnvironment {
  /** The environment version's ARM id (or an azureml:// registry id given by the user). */
  id: string;
  /** `image`, `build` (requirements.txt), or `given` (the `environment` input). */
  kind: 'image' | 'build' | 'given';
  name?: string;
  version?: string;
  created: boolean;
}

const ARM_ENV = /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.MachineLearningServices\/workspaces\/[^/]+\/environments\/[^/]+\/versions\/[^/]+$/i;

/**
 * `environment`: an ARM id or `azureml://…` id is used as given; `[azureml:]<name>:<version>`
 * must exist in the workspace (checked, so a typo fails before the endpoint changes).
 */
export async function resolveGivenEnvironment(workspace: WorkspaceClient, text: string): Promise<ResolvedEnvironment> {
  const value = text.trim();
  if (ARM_ENV.test(value) || value.startsWith('azureml://')) return { id: value, kind: 'given', created: false };
  const m = /^(?:azureml:)?([A-Za-z0-9][A-Za-z0-9_.-]*):([A-Za-z0-9_.-]+)$/.exec(value);
  if (!m) throw new UserError(`\`environment\` '${value}' is not an environment reference; use <name>:<version> or an environment version ARM id`, { field: 'environment', code: 'InvalidInput' });
  const [, name, version] = m;
  const found = await workspace.find(`Reading environment ${name}:${version}`, (arm, rg, ws) => arm.environmentVersions.get(rg, ws, name!, version!));
  if (!found) throw new UserError(`Environment ${name}:${version} was not found in ${workspace.describe()}; check \`environment\``, { field: 'environment', code: 'EnvironmentNotFound' });
  return { id: found.id ?? `${workspace.workspaceArmId}/environments/${name}/versions/${version}`, kind: 'given', name, version, created: false };
}

/** The flow's requirements.txt, if the local flow folder has one. */
export async function readRequirements(flowDir: string | undefined): Promise<string | undefined> {
  if (!flowDir) return undefined;
  return readFile(join(flowDir, 'requirements.txt'), 'utf8').catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? undefined : Promise.reject(e)));
}

function contentVersion(spec: unknown): string {
  return createHash('sha256').update(JSON.stringify(spec)).digest('hex').slice(0, 16);
}

/**
 * The serving environment: the Prompt flow image with its inference routes, or, when the
 * flow has a requirements.txt, a build context (that file + a Dockerfile) uploaded to the
 * default datastore. The version is a hash of the content, so an unchanged environment is
 * reused and never rebuilt.
 */
export async function ensureServingEnvironment(workspace: WorkspaceClient, requirements: string | undefined, log: Log): Promise<ResolvedEnvironment> {
  const common = { inferenceConfig: INFERENCE_CONFIG, osType: 'Linux' as const };
  if (requirements === undefined) {
    const properties = { ...common, image: PROMPTFLOW_IMAGE, description: 'Prompt flow serving image (llmops-actions)' };
    return putIfMissing(workspace, contentVersion({ image: PROMPTFLOW_IMAGE, ...common }), { properties }, 'image', log);
  }
  const dir = await mkdtemp(join(tmpdir(), 'llmops-env-'));
  try {
    const context = join(dir, 'image_build');
    await mkdir(context);
    await writeFile(join(context, 'Dockerfile'), BUILD_DOCKERFILE);
    await writeFile(join(context, 'requirements.txt'), requirements);
    const version = contentVersion({ dockerfile: BUILD_DOCKERFILE, requirements, ...common });
    const existing = await findVersion(workspace, version);
    if (existing) return reuse(workspace, existing, version, 'build', log);
    const upload = await uploadFolder({ workspace, localDir: context, log });
    const ds = await getDefaultDatastore(workspace);
    // azure-ai-ml sets build.path to the uploaded folder's storage URL, with a trailing slash.
    const contextUri = `${blobServiceUrl(ds.properties, workspace.connection.blobEndpointOverride)}/${ds.properties.containerName}/${upload.blobPrefix}/`;
    const properties = { ...common, build: { contextUri, dockerfilePath: 'Dockerfile' }, description: 'Prompt flow serving image with the flow\'s requirements.txt (llmops-actions)' };
    return putIfMissing(workspace, version, { properties }, 'build', log);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function findVersion(workspace: WorkspaceClient, version: string): Promise<EnvironmentVersion | undefined> {
  return workspace.find(`Reading environment ${ENVIRONMENT_NAME}:${version}`, (arm, rg, ws) => arm.environmentVersions.get(rg, ws, ENVIRONMENT_NAME, version));
}

function reuse(workspace: WorkspaceClient, found: EnvironmentVersion, version: string, kind: 'image' | 'build', log: Log): ResolvedEnvironment {
  log.info(`Environment ${ENVIRONMENT_NAME}:${version} already exists; reusing it.`);
  return { id: found.id ?? envId(workspace, version), kind, name: ENVIRONMENT_NAME, version, created: false };
}

async function putIfMissing(workspace: WorkspaceClient, version: string, body: EnvironmentVersion, kind: 'image' | 'build', log: Log): Promise<ResolvedEnvironment> {
  const existing = await findVersion(workspace, version);
  if (existing) return reuse(workspace, existing, version, kind, log);
  const created = await workspace.call(`Creating environment ${ENVIRONMENT_NAME}:${version}`, (arm, rg, ws) => arm.environmentVersions.createOrUpdate(rg, ws, ENVIRONMENT_NAME, version, body));
  log.info(`Created environment ${ENVIRONMENT_NAME}:${version} (${kind === 'build' ? 'built from the flow\'s requirements.txt during deployment' : PROMPTFLOW_IMAGE}).`);
  return { id: created.id ?? envId(workspace, version), kind, name: ENVIRONMENT_NAME, version, created: true };
}

function envId(workspace: WorkspaceClient, version: string): string {
  return `${workspace.workspaceArmId}/environments/${ENVIRONMENT_NAME}/versions/${version}`;
}
