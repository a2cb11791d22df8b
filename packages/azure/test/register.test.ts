import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlobServiceClient, StorageSharedKeyCredential, type StoragePipelineOptions } from '@azure/storage-blob';
import { SecretMasker, UserError, type Log } from '@llmops/common';
import { ClientSecretCredential } from '@azure/identity';
import { WorkspaceClient } from '../src/workspace.js';
import { registerFlowModel } from '../src/register.js';
import { uploadFolder, blobServiceUrl } from '../src/datastore.js';
import { hashFolderFiles, listFolderFiles } from '../src/folder.js';
import { FakeAzureML } from './support/fake-azureml.js';
import { startAzurite, AZURITE_ACCOUNT, AZURITE_KEY, type Azurite } from './support/azurite.js';
import { makeTestTls, type TestTls } from './support/tls.js';

const TENANT = '72f988bf-0000-0000-0000-000000000000';
const CLIENT = 'c1a2b3c4-0000-0000-0000-000000000001';
const SECRET = 'Sup3r~Secret.Value_123';
const CONTAINER = 'azureml-blobstore-0001';

function recordingLog(): Log & { lines: string[]; secrets: string[] } {
  const masker = new SecretMasker();
  const lines: string[] = [];
  const secrets: string[] = [];
  const push = (m: string) => lines.push(masker.mask(m));
  return { lines, secrets, debug: push, info: push, warning: push, error: push, setSecret: (s) => { secrets.push(s); masker.add(s); } };
}

let tls: TestTls;
let fake: FakeAzureML;
let azurite: Azurite;
let work: string;

function writeFlow(dir: string, files: Record<string, string>): string {
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  return dir;
}

const DAG = 'inputs:\n  url:\n    type: string\noutputs:\n  category:\n    type: string\n    reference: ${classify.output}\nnodes:\n- name: classify\n  type: python\n  source:\n    type: code\n    path: classify.py\n  inputs:\n    url: ${inputs.url}\n';
const CHAT_DAG = 'inputs:\n  chat_history:\n    type: list\n    is_chat_history: true\n  question:\n    type: string\n    is_chat_input: true\noutputs:\n  answer:\n    type: string\n    reference: ${chat.output}\n    is_chat_output: true\nnodes: []\n';

function workspaceClient(): WorkspaceClient {
  const credential = new ClientSecretCredential(TENANT, CLIENT, SECRET, { authorityHost: fake.url, disableInstanceDiscovery: true, tlsOptions: { ca: tls.cert } });
  return new WorkspaceClient({
    credential, subscriptionId: fake.subscriptionId, resourceGroup: fake.resourceGroup, workspace: fake.workspace,
    connection: { armEndpoint: fake.url, tlsOptions: { ca: tls.cert } }, pollIntervalMs: 10, retry: { baseDelayMs: 10 }
  });
}

function containerClient() {
  return new BlobServiceClient(azurite.blobEndpoint, new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY), { tlsOptions: { ca: tls.cert } } as StoragePipelineOptions).getContainerClient(CONTAINER);
}

async function blobNames(prefix: string): Promise<string[]> {
  const names: string[] = [];
  for await (const b of containerClient().listBlobsFlat({ prefix })) names.push(b.name);
  return names.sort();
}

beforeAll(async () => {
  tls = makeTestTls();
  azurite = await startAzurite({ tls });
  fake = await FakeAzureML.start({
    tls,
    datastores: [
      { name: 'workspaceblobstore', accountName: AZURITE_ACCOUNT, containerName: CONTAINER, endpoint: azurite.host, protocol: 'https', credentialsType: 'AccountKey', key: AZURITE_KEY, isDefault: true },
      { name: 'identitystore', accountName: AZURITE_ACCOUNT, containerName: CONTAINER, endpoint: azurite.host, protocol: 'https', credentialsType: 'None', isDefault: false }
    ]
  });
  fake.addServicePrincipal(TENANT, CLIENT, SECRET);
  await containerClient().create();
  work = mkdtempSync(join(tmpdir(), 'llmops-register-'));
}, 60_000);

afterAll(async () => {
  await fake?.close();
  await azurite?.stop();
  tls?.dispose();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('content hash', () => {
  it('is stable, ignores run folders and caches, and changes with any file', async () => {
    const dir = writeFlow(join(work, 'hash-flow'), { 'flow.dag.yaml': DAG, 'classify.py': 'x = 1\n', '__pycache__/classify.pyc': 'bin', '.promptflow/flow.tools.json': '{}', '.git/HEAD': 'ref', '.llmops/runs/r/run.json': '{}' });
    const files = await listFolderFiles(dir);
    expect(files.map((f) => f.relativePath)).toEqual(['classify.py', 'flow.dag.yaml']);
    const first = await hashFolderFiles(files);
    expect(await hashFolderFiles(await listFolderFiles(dir))).toBe(first);
    expect(first).toMatch(/^[0-9a-f]{32}$/);
    writeFileSync(join(dir, 'classify.py'), 'x = 2\n');
    expect(await hashFolderFiles(await listFolderFiles(dir))).not.toBe(first);
  });
});

describe('blobServiceUrl', () => {
  it('is virtual-host style for Azure and path style for an emulator', () => {
    expect(blobServiceUrl({ datastoreType: 'AzureBlob', accountName: 'acct', endpoint: 'core.windows.net', protocol: 'https', credentials: { credentialsType: 'None' } })).toBe('https://acct.blob.core.windows.net');
    expect(blobServiceUrl({ datastoreType: 'AzureBlob', accountName: 'devstoreaccount1', endpoint: '127.0.0.1:10000', protocol: 'http', credentials: { credentialsType: 'None' } })).toBe('http://127.0.0.1:10000/devstoreaccount1');
  });
});

describe('registerFlowModel (azureml)', () => {
  it('uploads once, creates v1, reuses it for the same content, and creates v2 for a change', async () => {
    const dir = writeFlow(join(work, 'web-classification'), { 'flow.dag.yaml': DAG, 'classify.py': 'def f():\n    return 1\n', '__pycache__/x.pyc': 'bin', '.promptflow/lkg': 'x' });
    const log = recordingLog();
    const workspace = workspaceClient();
    const first = await registerFlowModel({ workspace, flowDir: dir, modelName: 'web-classification', description: 'Classifies URLs', tags: { team: 'search' }, metrics: { accuracy: 0.75 }, runName: 'run-1', gitSha: 'abc123', log });
    expect(first).toMatchObject({ modelName: 'web-classification', modelVersion: '1', created: true });
    expect(first.modelId).toBe(`${fake.workspaceId}/models/web-classification/versions/1`);
    const stored = fake.modelVersions.get('web-classification')![0]!.properties;
    expect(stored.modelType).toBe('custom_model');
    expect(stored.modelUri).toBe(`azureml://subscriptions/${fake.subscriptionId}/resourcegroups/${fake.resourceGroup}/workspaces/${fake.workspace}/datastores/workspaceblobstore/paths/LocalUpload/${first.contentHash}/web-classification`);
    expect(stored.properties).toEqual({ 'azureml.promptflow.source_flow_id': 'web-classification' });
    expect(stored.tags).toEqual({ team: 'search', 'metric.accuracy': '0.75', content_hash: first.contentHash, git_sha: 'abc123', run_name: 'run-1' });
    expect(stored.description).toBe('Classifies URLs');
    expect(await blobNames(`LocalUpload/${first.contentHash}/`)).toEqual([
      `LocalUpload/${first.contentHash}/web-classification/classify.py`,
      `LocalUpload/${first.contentHash}/web-classification/flow.dag.yaml`
    ]);

    const secretsReads = fake.requestsTo('/listSecrets').length;
    const again = await registerFlowModel({ workspace, flowDir: dir, modelName: 'web-classification', log });
    expect(again).toMatchObject({ modelVersion: '1', created: false, modelId: first.modelId, contentHash: first.contentHash });
    // A re-run needs neither the storage keys nor an upload.
    expect(fake.requestsTo('/listSecrets').length).toBe(secretsReads);
    // The tag filter reached the service as the SDK sends it.
    expect(fake.requestsTo(/\/models\/web-classification\/versions$/, 'GET').map((r) => r.query.tags)).toContain(`content_hash=${first.contentHash}`);
    expect(log.lines.some((l) => /version 1 already has this flow/.test(l))).toBe(true);
    expect(fake.requestsTo('/models/web-classification/versions/', 'PUT')).toHaveLength(1);

    writeFileSync(join(dir, 'classify.py'), 'def f():\n    return 2\n');
    const changed = await registerFlowModel({ workspace, flowDir: dir, modelName: 'web-classification', log });
    expect(changed).toMatchObject({ modelVersion: '2', created: true });
    expect(changed.contentHash).not.toBe(first.contentHash);
    expect(log.secrets).toContain(AZURITE_KEY);
    expect(log.lines.join('\n')).not.toContain(AZURITE_KEY);
  });

  it('marks chat flows with the chat properties', async () => {
    const dir = writeFlow(join(work, 'chat-flow'), { 'flow.dag.yaml': CHAT_DAG });
    const result = await registerFlowModel({ workspace: workspaceClient(), flowDir: dir, modelName: 'chat-model', log: recordingLog() });
    expect(fake.modelVersions.get('chat-model')![0]!.properties.properties).toEqual({
      'azureml.promptflow.source_flow_id': 'chat-flow',
      'azureml.promptflow.mode': 'chat',
      'azureml.promptflow.chat_input': 'question',
      'azureml.promptflow.chat_output': 'answer'
    });
    expect(result.modelVersion).toBe('1');
  });

  it('falls back to the token credential when listSecrets is denied (403)', async () => {
    const dir = writeFlow(join(work, 'token-flow'), { 'flow.dag.yaml': DAG, 'classify.py': 'token = True\n' });
    fake.deny('datastores/listSecrets');
    try {
      const log = recordingLog();
      const result = await registerFlowModel({ workspace: workspaceClient(), flowDir: dir, modelName: 'token-model', log });
      expect(result.created).toBe(true);
      expect(log.lines.some((l) => /Not allowed to read the keys of datastore workspaceblobstore/.test(l))).toBe(true);
      expect(await blobNames(`LocalUpload/${result.contentHash}/`)).toHaveLength(2);
      expect(fake.requestsTo('/listSecrets').at(-1)!.status).toBe(403);
      expect([...fake.tokens.values()].some((t) => t.audience === 'https://storage.azure.com')).toBe(true);
    } finally {
      fake.allow('datastores/listSecrets');
    }
  });

  it('uploads to an identity-based datastore with the token credential', async () => {
    const dir = writeFlow(join(work, 'identity-flow'), { 'flow.dag.yaml': DAG, 'classify.py': 'identity = True\n' });
    const before = fake.requestsTo('/listSecrets').length;
    const uploaded = await uploadFolder({ workspace: workspaceClient(), localDir: dir, datastoreName: 'identitystore', log: recordingLog() });
    expect(uploaded.auth).toBe('token');
    expect(uploaded.uploaded).toBe(true);
    expect(uploaded.shortUri).toBe(`azureml://datastores/identitystore/paths/LocalUpload/${uploaded.hash}/identity-flow`);
    expect(fake.requestsTo('/listSecrets').length).toBe(before);
    const again = await uploadFolder({ workspace: workspaceClient(), localDir: dir, datastoreName: 'identitystore', log: recordingLog() });
    expect(again).toMatchObject({ uploaded: false, hash: uploaded.hash });
  });

  it('re-uploads when an earlier upload was interrupted', async () => {
    const dir = writeFlow(join(work, 'partial-flow'), { 'flow.dag.yaml': DAG, 'a.py': 'a\n', 'b.py': 'b\n' });
    const first = await uploadFolder({ workspace: workspaceClient(), localDir: dir, log: recordingLog() });
    await containerClient().deleteBlob(`${first.blobPrefix}/b.py`);
    const second = await uploadFolder({ workspace: workspaceClient(), localDir: dir, log: recordingLog() });
    expect(second.uploaded).toBe(true);
    expect(await blobNames(`${first.blobPrefix}/`)).toHaveLength(3);
  });

  it('rejects invalid model names and non-flow folders with UserErrors', async () => {
    const dir = writeFlow(join(work, 'name-flow'), { 'flow.dag.yaml': DAG });
    await expect(registerFlowModel({ workspace: workspaceClient(), flowDir: dir, modelName: 'bad name!', log: recordingLog() })).rejects.toMatchObject({ field: 'model-name' });
    await expect(registerFlowModel({ workspace: workspaceClient(), flowDir: join(work, 'missing'), modelName: 'ok', log: recordingLog() })).rejects.toBeInstanceOf(UserError);
  });
});

describe('registerFlowModel (local)', () => {
  it('registers into the folder registry idempotently', async () => {
    const dir = writeFlow(join(work, 'local-flow'), { 'flow.dag.yaml': DAG, 'classify.py': 'local = 1\n', '.git/config': 'x' });
    const registryDir = join(work, 'registry');
    const log = recordingLog();
    const first = await registerFlowModel({ target: 'local', registryDir, flowDir: dir, modelName: 'local-model', metrics: { f1: 0.5 }, log });
    expect(first).toMatchObject({ modelVersion: '1', created: true, modelId: join(registryDir, 'local-model', '1') });
    const record = JSON.parse(readFileSync(join(registryDir, 'local-model', '1', 'model.json'), 'utf8'));
    expect(record).toMatchObject({ name: 'local-model', version: '1', modelType: 'custom_model', path: 'flow', tags: { 'metric.f1': '0.5', content_hash: first.contentHash }, properties: { 'azureml.promptflow.source_flow_id': 'local-flow' } });
    expect(existsSync(join(registryDir, 'local-model', '1', 'flow', 'classify.py'))).toBe(true);
    expect(existsSync(join(registryDir, 'local-model', '1', 'flow', '.git'))).toBe(false);

    const again = await registerFlowModel({ target: 'local', registryDir, flowDir: dir, modelName: 'local-model', log });
    expect(again).toMatchObject({ modelVersion: '1', created: false });
    writeFileSync(join(dir, 'classify.py'), 'local = 2\n');
    const changed = await registerFlowModel({ target: 'local', registryDir, flowDir: dir, modelName: 'local-model', log });
    expect(changed).toMatchObject({ modelVersion: '2', created: true });
  });
});
