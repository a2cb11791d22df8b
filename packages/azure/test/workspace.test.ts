import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ClientSecretCredential } from '@azure/identity';
import { UserError, silentLog } from '@llmops/common';
import { WorkspaceClient } from '../src/workspace.js';
import { FakeAzureML, armError } from './support/fake-azureml.js';
import { makeTestTls, type TestTls } from './support/tls.js';

const TENANT = '72f988bf-0000-0000-0000-000000000000';
const CLIENT = 'c1a2b3c4-0000-0000-0000-000000000001';
const SECRET = 'Sup3r~Secret.Value_123';

let tls: TestTls;
let fake: FakeAzureML;

function client(overrides: { resourceGroup?: string; workspace?: string; maxWaitMs?: number } = {}): WorkspaceClient {
  const credential = new ClientSecretCredential(TENANT, CLIENT, SECRET, { authorityHost: fake.url, disableInstanceDiscovery: true, tlsOptions: { ca: tls.cert } });
  return new WorkspaceClient({
    credential, subscriptionId: fake.subscriptionId, resourceGroup: overrides.resourceGroup ?? fake.resourceGroup, workspace: overrides.workspace ?? fake.workspace,
    connection: { armEndpoint: fake.url, tlsOptions: { ca: tls.cert } }, pollIntervalMs: 5, maxWaitMs: overrides.maxWaitMs, retry: { attempts: 3, baseDelayMs: 5 }, log: silentLog
  });
}

beforeAll(async () => {
  tls = makeTestTls();
  fake = await FakeAzureML.start({ tls, lroPolls: 2 });
  fake.addServicePrincipal(TENANT, CLIENT, SECRET);
});
afterAll(async () => {
  await fake?.close();
  tls?.dispose();
});

describe('WorkspaceClient', () => {
  it('reads the workspace with a bearer token for the ARM endpoint', async () => {
    const ws = await client().getWorkspace();
    expect(ws.name).toBe(fake.workspace);
    expect(ws.discoveryUrl).toBe('https://eastus.api.azureml.ms/discovery');
    const request = fake.requestsTo(fake.workspaceId, 'GET').at(-1)!;
    expect(request.status).toBe(200);
    expect(request.auth).toBe(fake.url);
    expect(request.query['api-version']).toBe('2022-10-01');
  });

  it('names the wrong input on 404', async () => {
    await expect(client({ resourceGroup: 'nope' }).getWorkspace()).rejects.toMatchObject({ name: 'UserError', field: 'resource-group' });
    const error = await client({ workspace: 'other' }).getWorkspace().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).field).toBe('workspace');
    expect((error as Error).message).toMatch(/workspace 'other' in resource group 'rg-llmops'/);
  });

  it('explains a 403 with the role to grant', async () => {
    fake.deny('read');
    try {
      await expect(client().getWorkspace()).rejects.toThrow(/permission denied in workspace 'ws-llmops'.*AuthorizationFailed.*AzureML Data Scientist/);
    } finally {
      fake.allow('read');
    }
  });

  it('retries 409 Conflict with backoff', async () => {
    fake.failNext({ method: 'GET', path: '/workspaces/ws-llmops', times: 2 }, armError(409, 'Conflict', 'The endpoint is being updated.'));
    const ws = await client().getWorkspace();
    expect(ws.name).toBe(fake.workspace);
    fake.failNext({ method: 'GET', path: '/workspaces/ws-llmops', times: 3 }, armError(409, 'Conflict', 'The endpoint is being updated.'));
    await expect(client().getWorkspace()).rejects.toThrow(/409 Conflict/);
  });

  it('runs endpoint and deployment long-running operations through the SDK pollers', async () => {
    const ws = client();
    const endpoint = await ws.poll('Creating endpoint', (arm, rg, w, o) => arm.onlineEndpoints.beginCreateOrUpdate(rg, w, 'ep1', { location: 'eastus', properties: { authMode: 'Key' } }, o));
    expect(endpoint.properties.provisioningState).toBe('Succeeded');
    expect(fake.requestsTo('/mfeOperationsStatus/').length).toBeGreaterThanOrEqual(3);

    const deployment = await ws.poll('Creating deployment', (arm, rg, w, o) => arm.onlineDeployments.beginCreateOrUpdate(rg, w, 'ep1', 'blue', {
      location: 'eastus', sku: { name: 'Default', capacity: 1 }, properties: { endpointComputeType: 'Managed', model: `${fake.workspaceId}/models/m/versions/1`, instanceType: 'Standard_DS3_v2' }
    }, o));
    expect(deployment.properties.provisioningState).toBe('Succeeded');
    expect(deployment.sku?.capacity).toBe(1);

    const keys = await ws.call('Reading keys', (arm, rg, w) => arm.onlineEndpoints.listKeys(rg, w, 'ep1'));
    expect(keys.primaryKey).toBeTruthy();
    const logs = await ws.call('Reading logs', (arm, rg, w) => arm.onlineDeployments.getLogs(rg, w, 'ep1', 'blue', { containerType: 'InferenceServer', tail: 10 }));
    expect(logs.content).toMatch(/InferenceServer log for blue/);

    // Traffic changes are a PUT of the whole endpoint.
    const current = await ws.call('Reading endpoint', (arm, rg, w) => arm.onlineEndpoints.get(rg, w, 'ep1'));
    await ws.poll('Routing traffic', (arm, rg, w, o) => arm.onlineEndpoints.beginCreateOrUpdate(rg, w, 'ep1', { ...current, properties: { ...current.properties, traffic: { blue: 100 } } }, o));
    const score = await fetchScore(current.properties.scoringUri!, keys.primaryKey!);
    expect(score).toEqual({ status: 200, body: { deployment: 'blue', input: { question: 'hi' } } });

    fake.setScoringReply({ status: 424, body: { message: 'container error' }, headers: { 'ms-azureml-model-error-statuscode': '500' } });
    expect((await fetchScore(current.properties.scoringUri!, keys.primaryKey!)).status).toBe(424);
    fake.setScoringReply(undefined);

    fake.failDeployment('green');
    await expect(ws.poll('Creating deployment green', (arm, rg, w, o) => arm.onlineDeployments.beginCreateOrUpdate(rg, w, 'ep1', 'green', { location: 'eastus', properties: { endpointComputeType: 'Managed' } }, o)))
      .rejects.toThrow(/Creating deployment green failed/);
    const green = await ws.call('Reading green', (arm, rg, w) => arm.onlineDeployments.get(rg, w, 'ep1', 'green'));
    expect(green.properties.provisioningState).toBe('Failed');

    await ws.poll('Deleting green', (arm, rg, w, o) => arm.onlineDeployments.beginDelete(rg, w, 'ep1', 'green', o));
    expect(fake.deployments.has('ep1/green')).toBe(false);
    expect(fake.requestsTo('/mfeOperationResults/').some((r) => r.status === 202)).toBe(true);
    await expect(ws.find('Reading green', (arm, rg, w) => arm.onlineDeployments.get(rg, w, 'ep1', 'green'))).resolves.toBeUndefined();
  });

  it('bounds the wait of a long-running operation', async () => {
    const slow = await FakeAzureML.start({ tls, lroPolls: 1000, subscriptionId: fake.subscriptionId });
    slow.addServicePrincipal(TENANT, CLIENT, SECRET);
    try {
      const credential = new ClientSecretCredential(TENANT, CLIENT, SECRET, { authorityHost: slow.url, disableInstanceDiscovery: true, tlsOptions: { ca: tls.cert } });
      const ws = new WorkspaceClient({ credential, subscriptionId: slow.subscriptionId, resourceGroup: slow.resourceGroup, workspace: slow.workspace, connection: { armEndpoint: slow.url, tlsOptions: { ca: tls.cert } }, pollIntervalMs: 5, maxWaitMs: 200 });
      await expect(ws.poll('Creating endpoint', (arm, rg, w, o) => arm.onlineEndpoints.beginCreateOrUpdate(rg, w, 'ep', { location: 'eastus', properties: { authMode: 'Key' } }, o)))
        .rejects.toMatchObject({ name: 'UserError', code: 'AzureOperationTimeout' });
    } finally {
      await slow.close();
    }
  });

  it('sends raw REST through the authenticated pipeline for fields 2.1.1 drops', async () => {
    const ws = client();
    const response = await ws.rest<{ name: string; properties: { mirrorTraffic?: Record<string, number> } }>('Reading endpoint', { method: 'GET', path: '/onlineEndpoints/ep1', apiVersion: '2023-04-01' });
    expect(response.status).toBe(200);
    expect(response.body.name).toBe('ep1');
    expect(fake.requestsTo('/onlineEndpoints/ep1', 'GET').at(-1)!.query['api-version']).toBe('2023-04-01');
    await expect(ws.rest('Reading missing endpoint', { method: 'GET', path: '/onlineEndpoints/none' })).rejects.toMatchObject({ name: 'UserError', code: 'AzureNotFound' });
  });
});

async function fetchScore(url: string, key: string): Promise<{ status: number; body: unknown }> {
  const { request } = await import('node:https');
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', ca: tls.cert, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
    });
    req.on('error', reject);
    req.end(JSON.stringify({ question: 'hi' }));
  });
}
