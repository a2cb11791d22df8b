import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClientSecretCredential } from '@azure/identity';
import { BlobServiceClient, StorageSharedKeyCredential, type StoragePipelineOptions } from '@azure/storage-blob';
import { silentLog } from '@llmops/common';
import { WorkspaceClient } from '../src/workspace.js';
import { BUILD_DOCKERFILE, ENVIRONMENT_NAME, ensureServingEnvironment, INFERENCE_CONFIG, PROMPTFLOW_IMAGE, readRequirements, resolveGivenEnvironment } from '../src/deploy/environment.js';
import { FakeAzureML } from './support/fake-azureml.js';
import { startAzurite, AZURITE_ACCOUNT, AZURITE_KEY, type Azurite } from './support/azurite.js';
import { makeTestTls, type TestTls } from './support/tls.js';

const TENANT = '72f988bf-0000-0000-0000-000000000000';
const CLIENT = 'c1a2b3c4-0000-0000-0000-000000000001';
const SECRET = 'Env~Secret.Value_321';
const CONTAINER = 'azureml-blobstore-env';

let tls: TestTls;
let fake: FakeAzureML;
let azurite: Azurite;
let work: string;
let ws: WorkspaceClient;

beforeAll(async () => {
  tls = makeTestTls();
  azurite = await startAzurite({ tls });
  fake = await FakeAzureML.start({
    tls,
    datastores: [{ name: 'workspaceblobstore', accountName: AZURITE_ACCOUNT, containerName: CONTAINER, endpoint: azurite.host, protocol: 'https', credentialsType: 'AccountKey', key: AZURITE_KEY, isDefault: true }]
  });
  fake.addServicePrincipal(TENANT, CLIENT, SECRET);
  await new BlobServiceClient(azurite.blobEndpoint, new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY), { tlsOptions: { ca: tls.cert } } as StoragePipelineOptions).getContainerClient(CONTAINER).create();
  const credential = new ClientSecretCredential(TENANT, CLIENT, SECRET, { authorityHost: fake.url, disableInstanceDiscovery: true, tlsOptions: { ca: tls.cert } });
  ws = new WorkspaceClient({ credential, subscriptionId: fake.subscriptionId, resourceGroup: fake.resourceGroup, workspace: fake.workspace, connection: { armEndpoint: fake.url, tlsOptions: { ca: tls.cert } }, pollIntervalMs: 5, retry: { baseDelayMs: 5 } });
  work = mkdtempSync(join(tmpdir(), 'llmops-deploy-env-'));
}, 60_000);

afterAll(async () => {
  await fake?.close();
  await azurite?.stop();
  tls?.dispose();
  if (work) rmSync(work, { recursive: true, force: true });
});

async function blobText(path: string): Promise<string> {
  const client = new BlobServiceClient(azurite.blobEndpoint, new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY), { tlsOptions: { ca: tls.cert } } as StoragePipelineOptions);
  return (await client.getContainerClient(CONTAINER).getBlobClient(path).downloadToBuffer()).toString('utf8');
}

describe('the serving environment', () => {
  it('is the Prompt flow image with its routes, versioned by content and reused', async () => {
    const first = await ensureServingEnvironment(ws, undefined, silentLog);
    expect(first).toMatchObject({ kind: 'image', name: ENVIRONMENT_NAME, created: true });
    expect(first.id).toBe(`${fake.workspaceId}/environments/${ENVIRONMENT_NAME}/versions/${first.version}`);
    expect(fake.environmentVersions.get(`${ENVIRONMENT_NAME}:${first.version}`)!.properties).toMatchObject({ image: PROMPTFLOW_IMAGE, inferenceConfig: INFERENCE_CONFIG, osType: 'Linux' });
    const again = await ensureServingEnvironment(ws, undefined, silentLog);
    expect(again).toMatchObject({ version: first.version, created: false });
    expect(fake.requestsTo('/environments/', 'PUT')).toHaveLength(1);
  });

  it('with a requirements.txt, is a build context (requirements + Dockerfile) uploaded to the default datastore', async () => {
    const flow = join(work, 'flow-with-reqs');
    mkdirSync(flow, { recursive: true });
    writeFileSync(join(flow, 'flow.dag.yaml'), 'inputs: {}\noutputs: {}\nnodes: []\n');
    writeFileSync(join(flow, 'requirements.txt'), 'langchain==0.2.0\n');
    const requirements = await readRequirements(flow);
    expect(requirements).toBe('langchain==0.2.0\n');
    expect(await readRequirements(work)).toBeUndefined();

    const env = await ensureServingEnvironment(ws, requirements, silentLog);
    expect(env).toMatchObject({ kind: 'build', created: true });
    const props = fake.environmentVersions.get(`${ENVIRONMENT_NAME}:${env.version}`)!.properties as { build: { contextUri: string; dockerfilePath: string }; inferenceConfig: unknown; image?: string };
    expect(props.image).toBeUndefined();
    expect(props.inferenceConfig).toEqual(INFERENCE_CONFIG);
    expect(props.build.dockerfilePath).toBe('Dockerfile');
    const prefix = `${azurite.blobEndpoint}/${CONTAINER}/`;
    expect(props.build.contextUri.startsWith(prefix)).toBe(true);
    expect(props.build.contextUri).toMatch(/\/LocalUpload\/[0-9a-f]{32}\/image_build\/$/);
    const blobPrefix = props.build.contextUri.slice(prefix.length);
    expect(await blobText(`${blobPrefix}Dockerfile`)).toBe(BUILD_DOCKERFILE);
    expect(await blobText(`${blobPrefix}requirements.txt`)).toBe('langchain==0.2.0\n');
    expect(BUILD_DOCKERFILE).toBe(`FROM ${PROMPTFLOW_IMAGE}\nCOPY ./requirements.txt .\nRUN pip install -r requirements.txt\n`);

    // Unchanged requirements: the same version, nothing uploaded or created again.
    const puts = fake.requestsTo('/environments/', 'PUT').length;
    expect(await ensureServingEnvironment(ws, requirements, silentLog)).toMatchObject({ version: env.version, created: false });
    expect(fake.requestsTo('/environments/', 'PUT')).toHaveLength(puts);
    // Changed requirements: a new version.
    expect((await ensureServingEnvironment(ws, 'langchain==0.3.0\n', silentLog)).version).not.toBe(env.version);
  });

  it('can be given: an ARM id as is, name:version checked in the workspace', async () => {
    const armId = `${fake.workspaceId}/environments/custom/versions/2`;
    await expect(resolveGivenEnvironment(ws, armId)).resolves.toMatchObject({ id: armId, kind: 'given' });
    await expect(resolveGivenEnvironment(ws, 'azureml://registries/azureml/environments/promptflow/versions/1')).resolves.toMatchObject({ kind: 'given' });
    await expect(resolveGivenEnvironment(ws, 'custom:2')).rejects.toMatchObject({ field: 'environment', code: 'EnvironmentNotFound' });
    fake.environmentVersions.set('custom:2', { name: 'custom', version: '2', properties: { image: 'myacr.azurecr.io/pf:1' } });
    await expect(resolveGivenEnvironment(ws, 'azureml:custom:2')).resolves.toMatchObject({ id: armId, name: 'custom', version: '2' });
    await expect(resolveGivenEnvironment(ws, 'not an env')).rejects.toMatchObject({ field: 'environment' });
  });
});
