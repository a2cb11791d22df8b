import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BlobServiceClient, StorageSharedKeyCredential, type StoragePipelineOptions } from '@azure/storage-blob';
import { captureStdout, EnvScope, parseOutputFile, tempDir, writeEvent } from '../../packages/github/test/support/env.js';
import { FakeAzureML } from '../../packages/azure/test/support/fake-azureml.js';
import { startAzurite, AZURITE_ACCOUNT, AZURITE_KEY, type Azurite } from '../../packages/azure/test/support/azurite.js';
import { makeTestTls, type TestTls } from '../../packages/azure/test/support/tls.js';
import { run } from '../src/main.js';

const TENANT = '72f988bf-0000-0000-0000-000000000000';
const CLIENT = 'c1a2b3c4-0000-0000-0000-000000000001';
const FED_CLIENT = 'c1a2b3c4-0000-0000-0000-000000000002';
const SECRET = 'Act10n~Secret.Value_456';
const CONTAINER = 'azureml-blobstore-0002';
const DAG = 'inputs:\n  question:\n    type: string\n    is_chat_input: true\n  chat_history:\n    type: list\n    is_chat_history: true\noutputs:\n  answer:\n    type: string\n    reference: ${chat.output}\n    is_chat_output: true\nnodes:\n- name: chat\n  type: llm\n  source:\n    type: code\n    path: chat.jinja2\n  inputs:\n    question: ${inputs.question}\n';

let tls: TestTls;
let fake: FakeAzureML;
let azurite: Azurite;
const env = new EnvScope();
let workspace: string;
let out: ReturnType<typeof captureStdout>;

beforeAll(async () => {
  tls = makeTestTls();
  azurite = await startAzurite({ tls });
  fake = await FakeAzureML.start({
    tls,
    datastores: [{ name: 'workspaceblobstore', accountName: AZURITE_ACCOUNT, containerName: CONTAINER, endpoint: azurite.host, protocol: 'https', credentialsType: 'AccountKey', key: AZURITE_KEY, isDefault: true }]
  });
  fake.addServicePrincipal(TENANT, CLIENT, SECRET);
  fake.addFederatedIdentity(TENANT, FED_CLIENT);
  const service = new BlobServiceClient(azurite.blobEndpoint, new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY), { tlsOptions: { ca: tls.cert } } as StoragePipelineOptions);
  await service.getContainerClient(CONTAINER).create();
}, 60_000);

afterAll(async () => {
  env.restore();
  await fake?.close();
  await azurite?.stop();
  tls?.dispose();
});

beforeEach(() => {
  out = captureStdout();
});
afterEach(() => {
  out.restore();
  process.exitCode = undefined;
});

const credentialsJson = (secret = SECRET) => JSON.stringify({ clientId: CLIENT, clientSecret: secret, subscriptionId: fake.subscriptionId, tenantId: TENANT, resourceManagerEndpointUrl: fake.url, activeDirectoryEndpointUrl: fake.url });
const context = () => ({ connection: { tlsOptions: { ca: tls.cert } }, workspaceOptions: { pollIntervalMs: 10, retry: { baseDelayMs: 10 } } });

/** A fresh GitHub workspace holding a chat flow and the action's INPUT_* variables. */
function setup(inputs: Record<string, string | undefined>): void {
  workspace = tempDir('llmops-register-ws-');
  const flow = join(workspace, 'flows', 'chat-flow');
  mkdirSync(join(flow, '__pycache__'), { recursive: true });
  writeFileSync(join(flow, 'flow.dag.yaml'), DAG);
  writeFileSync(join(flow, 'chat.jinja2'), 'system:\nYou are helpful.\nuser:\n{{question}}\n');
  writeFileSync(join(flow, '__pycache__', 'x.pyc'), 'bin');
  mkdirSync(join(workspace, '.llmops', 'runs', 'eval-run-7'), { recursive: true });
  writeFileSync(join(workspace, '.llmops', 'runs', 'eval-run-7', 'run.json'), JSON.stringify({ name: 'eval-run-7' }));
  writeFileSync(join(workspace, 'output.txt'), '');
  const all: Record<string, string | undefined> = {
    flow: 'flows/chat-flow', 'model-name': 'chat-model', description: 'A chat flow', tags: 'team=support', metrics: '{"accuracy": 0.9, "f1": 0.8}',
    run: '.llmops/runs/eval-run-7', target: 'azureml', 'registry-dir': undefined, 'azure-credentials': credentialsJson(), 'client-id': undefined, 'tenant-id': undefined,
    subscription: undefined, 'resource-group': fake.resourceGroup, workspace: fake.workspace, ...inputs
  };
  env.set(Object.fromEntries(Object.entries(all).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v])));
  env.set({ GITHUB_WORKSPACE: workspace, GITHUB_OUTPUT: join(workspace, 'output.txt'), GITHUB_SHA: 'feedface1234', GITHUB_EVENT_NAME: 'push', GITHUB_EVENT_PATH: undefined, AZURE_CLIENT_ID: undefined, AZURE_TENANT_ID: undefined, AZURE_CLIENT_SECRET: undefined });
}

function outputs(): Record<string, string> {
  const text = readFileSync(join(workspace, 'output.txt'), 'utf8');
  writeFileSync(join(workspace, 'output.txt'), '');
  return parseOutputFile(text);
}

/** Everything printed, minus the `::add-mask::` commands that tell the runner what to hide. */
const printed = () => out.lines().filter((l) => !l.startsWith('::add-mask::')).join('\n');
const errors = () => out.lines().filter((l) => l.startsWith('::error'));

describe('fork pull requests', () => {
  test('without credentials the step skips with a notice and touches nothing', async () => {
    setup({ 'azure-credentials': undefined });
    const event = writeEvent(workspace, {
      pull_request: { number: 7, head: { sha: 'abc', repo: { full_name: 'someone/fork', fork: true } }, base: { repo: { full_name: 'org/repo' } } }
    });
    env.set({ GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: event, ACTIONS_ID_TOKEN_REQUEST_URL: undefined });
    const before = fake.requests.length;
    await run(context());
    expect(process.exitCode).toBeUndefined();
    expect(errors()).toEqual([]);
    expect(out.lines().some((l) => l.startsWith('::notice') && l.includes('comes from a fork'))).toBe(true);
    expect(fake.requests.length).toBe(before);
    expect(outputs()).toEqual({});
  });
});

describe('action-register against Azure ML', () => {
  test('creates v1, reuses it for the same content, creates v2 for a change; secrets stay masked', async () => {
    setup({});
    await run(context());
    expect(errors()).toEqual([]);
    expect(process.exitCode).toBeUndefined();
    expect(outputs()).toEqual({ 'model-name': 'chat-model', 'model-version': '1', 'model-id': `${fake.workspaceId}/models/chat-model/versions/1`, created: 'true' });
    const v1 = fake.modelVersions.get('chat-model')![0]!.properties;
    expect(v1.tags).toMatchObject({ team: 'support', 'metric.accuracy': '0.9', 'metric.f1': '0.8', git_sha: 'feedface1234', run_name: 'eval-run-7' });
    expect(v1.properties).toMatchObject({ 'azureml.promptflow.mode': 'chat', 'azureml.promptflow.chat_input': 'question', 'azureml.promptflow.chat_output': 'answer', 'azureml.promptflow.source_flow_id': 'chat-flow' });

    await run(context());
    expect(outputs()).toMatchObject({ 'model-version': '1', created: 'false' });

    writeFileSync(join(workspace, 'flows', 'chat-flow', 'chat.jinja2'), 'system:\nYou are terse.\nuser:\n{{question}}\n');
    await run(context());
    expect(outputs()).toMatchObject({ 'model-version': '2', created: 'true' });

    const masks = out.lines().filter((l) => l.startsWith('::add-mask::'));
    expect(masks).toContain(`::add-mask::${SECRET}`);
    expect(masks).toContain(`::add-mask::${AZURITE_KEY}`);
    expect(printed()).not.toContain(SECRET);
    expect(printed()).not.toContain(AZURITE_KEY);
    expect(readFileSync(join(workspace, 'output.txt'), 'utf8')).not.toContain(SECRET);
  });

  test('falls back to the token credential when listSecrets is denied', async () => {
    setup({ 'model-name': 'chat-model-token' });
    fake.deny('datastores/listSecrets');
    try {
      await run(context());
    } finally {
      fake.allow('datastores/listSecrets');
    }
    expect(errors()).toEqual([]);
    expect(outputs()).toMatchObject({ 'model-version': '1', created: 'true' });
    expect(printed()).toMatch(/Not allowed to read the keys of datastore workspaceblobstore/);
  });

  test('signs in with OIDC (client-id + tenant-id) using a fresh GitHub token', async () => {
    setup({ 'model-name': 'chat-model-oidc', 'azure-credentials': undefined, 'client-id': FED_CLIENT, 'tenant-id': TENANT, subscription: fake.subscriptionId });
    const before = fake.assertionsSeen.length;
    await run({ ...context(), connection: { armEndpoint: fake.url, authorityHost: fake.url, tlsOptions: { ca: tls.cert } }, getIdToken: async (aud) => fake.mintGitHubIdToken(aud) });
    expect(errors()).toEqual([]);
    expect(outputs()).toMatchObject({ 'model-version': '1', created: 'true' });
    expect(fake.assertionsSeen.length).toBeGreaterThan(before);
  });

  test('bad azure-credentials JSON: one error annotation, no secret anywhere', async () => {
    const broken = `{"clientId": "${CLIENT}", "clientSecret": "${SECRET}", "tenantId": "${TENANT}"`;
    setup({ 'model-name': 'never', 'azure-credentials': broken });
    await run(context());
    expect(process.exitCode).toBe(1);
    expect(errors()).toHaveLength(1);
    expect(errors()[0]).toMatch(/azure-credentials is not valid JSON/);
    expect(out.lines()).toContain(`::add-mask::${SECRET}`);
    expect(printed()).not.toContain(SECRET);
    expect(outputs()).toEqual({});
  });

  test('a wrong secret fails with one annotation naming azure-credentials', async () => {
    setup({ 'model-name': 'never', 'azure-credentials': credentialsJson('Wrong~Secret.Value_000') });
    await run(context());
    expect(process.exitCode).toBe(1);
    expect(errors()).toHaveLength(1);
    expect(errors()[0]).toMatch(/AADSTS7000215/);
    expect(printed()).not.toContain('Wrong~Secret.Value_000');
  });
});

describe('action-register with target: local', () => {
  test('registers into the folder registry, idempotently', async () => {
    setup({ target: 'local', 'azure-credentials': undefined, 'resource-group': undefined, workspace: undefined });
    await run();
    expect(errors()).toEqual([]);
    const first = outputs();
    expect(first).toEqual({ 'model-name': 'chat-model', 'model-version': '1', 'model-id': join(workspace, '.llmops/registry/chat-model/1'), created: 'true' });
    const record = JSON.parse(readFileSync(join(workspace, '.llmops/registry/chat-model/1/model.json'), 'utf8'));
    expect(record.tags).toMatchObject({ run_name: 'eval-run-7', 'metric.accuracy': '0.9', git_sha: 'feedface1234' });
    await run();
    expect(outputs()).toMatchObject({ 'model-version': '1', created: 'false' });
  });

  test('an invalid model name is one annotation naming model-name', async () => {
    setup({ target: 'local', 'model-name': 'has space' });
    await run();
    expect(errors()).toHaveLength(1);
    expect(errors()[0]).toMatch(/model-name/);
  });
});
