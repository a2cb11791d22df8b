import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError, type Log } from '@llmops/common';
import { deployFlowModel, type DeployCommandOptions } from '../src/deploy/command.js';
import { renderDeploySummary } from '../src/deploy/summary.js';
import { ENDPOINT_ROLES } from '../src/deploy/roles.js';
import { ENVIRONMENT_NAME, PROMPTFLOW_IMAGE } from '../src/deploy/environment.js';
import { armError, FakeAzureML } from './support/fake-azureml.js';
import { makeTestTls, type TestTls } from './support/tls.js';

const TENANT = '72f988bf-0000-0000-0000-000000000000';
const CLIENT = 'c1a2b3c4-0000-0000-0000-000000000001';
const SECRET = 'Depl0y~Secret.Value_789';
const RETRIES = 3;

let tls: TestTls;
let fake: FakeAzureML;
let work: string;
let requestFile: string;

/** Records raw messages (before any masking) so that a leaked secret is caught. */
function recordingLog() {
  const lines: string[] = [];
  const secrets: string[] = [];
  const log: Log = {
    debug: (m) => lines.push(`debug: ${m}`), info: (m) => lines.push(m), warning: (m) => lines.push(`warning: ${m}`), error: (m) => lines.push(`error: ${m}`),
    setSecret: (s) => secrets.push(s)
  };
  return { log, lines, secrets, warnings: () => lines.filter((l) => l.startsWith('warning: ')) };
}

function seedModel(name = 'chat-model', version = '1'): void {
  fake.modelContainers.set(name, { tags: {}, properties: {} });
  fake.modelVersions.set(name, [{ name, version, createdAt: new Date().toISOString(), properties: {
    modelType: 'custom_model', modelUri: `azureml://subscriptions/${fake.subscriptionId}/resourcegroups/${fake.resourceGroup}/workspaces/${fake.workspace}/datastores/workspaceblobstore/paths/LocalUpload/abc/chat-flow`,
    tags: {}, properties: { 'azureml.promptflow.source_flow_id': 'chat-flow' }, isAnonymous: false, isArchived: false
  } }]);
}

async function deploy(options: Partial<DeployCommandOptions>, rec = recordingLog()) {
  const result = await deployFlowModel({
    model: 'azureml:chat-model:1', endpointName: 'chat-ep', smokeTestRequest: requestFile,
    azure: { azureCredentials: JSON.stringify({ clientId: CLIENT, clientSecret: SECRET, subscriptionId: fake.subscriptionId, tenantId: TENANT, resourceManagerEndpointUrl: fake.url, activeDirectoryEndpointUrl: fake.url }), resourceGroup: fake.resourceGroup, workspace: fake.workspace },
    ...options
  }, rec.log, {
    env: {},
    connection: { tlsOptions: { ca: tls.cert } },
    workspaceOptions: { pollIntervalMs: 5, retry: { attempts: RETRIES, baseDelayMs: 5 } },
    rollout: { settleIntervalMs: 5, smokeRetryDelayMs: 5 }
  });
  return { result, rec };
}

const traffic = (endpoint: string) => ({ ...fake.endpoints.get(endpoint)!.properties.traffic });
const deployments = (endpoint: string) => [...fake.deployments.values()].filter((d) => d.endpoint === endpoint).map((d) => d.name).sort();
const trafficPuts = (endpoint: string) => fake.requestsTo(`/onlineEndpoints/${endpoint}`, 'PUT').filter((r) => r.status < 300 && !r.path.includes('/deployments/')).map((r) => JSON.parse(r.body!).properties.traffic ?? {});

/** Every endpoint key and the client secret: none may appear in logs, results or summaries. */
function secretsOf(endpoint: string): string[] {
  const keys = fake.endpoints.get(endpoint)?.keys;
  return [SECRET, ...(keys ? [keys.primaryKey, keys.secondaryKey] : [])];
}
function expectNoSecrets(endpoint: string, ...texts: string[]): void {
  for (const secret of secretsOf(endpoint)) for (const text of texts) expect(text).not.toContain(secret);
}

/** An endpoint already serving `blue` at 100 %, set up by a first rollout. */
async function liveEndpoint(name: string): Promise<void> {
  const { result } = await deploy({ endpointName: name });
  expect(result.succeeded).toBe(true);
  expect(traffic(name)).toEqual({ blue: 100 });
}

beforeAll(async () => {
  tls = makeTestTls();
  fake = await FakeAzureML.start({ tls });
  fake.addServicePrincipal(TENANT, CLIENT, SECRET);
  work = mkdtempSync(join(tmpdir(), 'llmops-deploy-'));
  requestFile = join(work, 'request.json');
  writeFileSync(requestFile, JSON.stringify({ question: 'Where is my refund?', chat_history: [] }));
}, 30_000);

afterAll(async () => {
  await fake?.close();
  tls?.dispose();
  if (work) rmSync(work, { recursive: true, force: true });
});

beforeEach(() => {
  seedModel();
  fake.setScoringReply(undefined);
  fake.setScoringHandler(undefined);
});

describe('a first deployment', () => {
  it('creates the endpoint, environment and blue deployment, smoke-tests blue, then gives it 100 %', async () => {
    const { result, rec } = await deploy({
      endpointName: 'ep-first', instanceCount: 2, requestTimeout: 120, environmentVariables: { LOG_LEVEL: 'debug' },
      smokeTestExpect: '{status: 200, keys: [deployment], values: {deployment: blue}}'
    });
    expect(result).toMatchObject({ succeeded: true, endpointName: 'ep-first', deploymentName: 'blue', previousDeployment: undefined, endpointCreated: true, smokeTest: 'passed', rolledBack: false, trafficBefore: {}, trafficAfter: { blue: 100 } });
    expect(result.scoringUri).toBe(`${fake.url}/endpoints/ep-first/score`);

    const ep = fake.endpoints.get('ep-first')!;
    const epPut = JSON.parse(fake.requestsTo('/onlineEndpoints/ep-first', 'PUT')[0]!.body!);
    expect(epPut).toMatchObject({ location: fake.location, identity: { type: 'SystemAssigned' }, properties: { authMode: 'Key', properties: { enforce_access_to_default_secret_stores: 'enabled' } } });
    expect(ep.properties.traffic).toEqual({ blue: 100 });

    const env = [...fake.environmentVersions.values()];
    expect(env).toHaveLength(1);
    expect(env[0]).toMatchObject({ name: ENVIRONMENT_NAME, properties: { image: PROMPTFLOW_IMAGE, osType: 'Linux', inferenceConfig: { livenessRoute: { path: '/health', port: 8080 }, readinessRoute: { path: '/health', port: 8080 }, scoringRoute: { path: '/score', port: 8080 } } } });

    const blue = fake.deployments.get('ep-first/blue')!;
    expect(blue.sku).toEqual({ name: 'Default', capacity: 2 });
    expect(blue.properties).toMatchObject({
      endpointComputeType: 'Managed', instanceType: 'Standard_DS3_v2', requestSettings: { requestTimeout: 'PT120S' },
      model: `${fake.workspaceId}/models/chat-model/versions/1`, environmentId: `${fake.workspaceId}/environments/${ENVIRONMENT_NAME}/versions/${env[0]!.version}`,
      environmentVariables: {
        PRT_CONFIG_OVERRIDE: `deployment.subscription_id=${fake.subscriptionId},deployment.resource_group=${fake.resourceGroup},deployment.workspace_name=${fake.workspace},deployment.endpoint_name=ep-first,deployment.deployment_name=blue`,
        PROMPTFLOW_RUN_MODE: 'serving', LOG_LEVEL: 'debug'
      }
    });

    // Smoke-tested while at 0 % (pinned with the header), then again at 100 %.
    expect(fake.scoringCalls.filter((c) => c.endpoint === 'ep-first')).toEqual([
      { endpoint: 'ep-first', deployment: 'blue', pinned: true, status: 200 },
      { endpoint: 'ep-first', deployment: 'blue', pinned: true, status: 200 }
    ]);
    expect(result.smokeTests.map((s) => s.share)).toEqual([0, 100]);
    expect(JSON.parse(result.smokeTests[0]!.result.reply)).toEqual({ deployment: 'blue', input: { question: 'Where is my refund?', chat_history: [] } });

    // The endpoint identity got both roles on the workspace.
    const principal = (ep.identity as { principalId: string }).principalId;
    expect([...fake.roleAssignments.values()].filter((a) => a.principalId === principal).map((a) => a.roleDefinitionId.split('/').pop()).sort()).toEqual(ENDPOINT_ROLES.map((r) => r.id).sort());
    expect(result.roles).toMatchObject({ granted: ENDPOINT_ROLES.map((r) => r.name), missing: [] });

    expect(rec.secrets).toEqual(expect.arrayContaining([ep.keys.primaryKey, ep.keys.secondaryKey]));
    expectNoSecrets('ep-first', rec.lines.join('\n'), JSON.stringify(result), renderDeploySummary(result));
  });
});

describe('a second deployment', () => {
  it('creates green next to blue, smoke-tests it at 0 %, moves all traffic, deletes blue, and reuses the environment', async () => {
    await liveEndpoint('ep-second');
    const envPuts = fake.requestsTo('/environments/', 'PUT').length;
    const roleAssignments = fake.roleAssignments.size;
    const { result, rec } = await deploy({ endpointName: 'ep-second', smokeTestExpect: '{values: {deployment: green}}' });
    expect(result).toMatchObject({ succeeded: true, deploymentName: 'green', previousDeployment: 'blue', endpointCreated: false, trafficBefore: { blue: 100 }, trafficAfter: { blue: 0, green: 100 }, deletedDeployments: ['blue'], smokeTest: 'passed' });
    expect(traffic('ep-second')).toEqual({ blue: 0, green: 100 });
    expect(deployments('ep-second')).toEqual(['green']);
    expect(fake.requestsTo('/environments/', 'PUT')).toHaveLength(envPuts);
    expect(fake.roleAssignments.size).toBe(roleAssignments);
    expect(result.roles).toMatchObject({ granted: [], alreadyAssigned: ENDPOINT_ROLES.map((r) => r.name) });
    // The first call to green happened while blue still had all the traffic.
    const greenCalls = fake.scoringCalls.filter((c) => c.endpoint === 'ep-second' && c.deployment === 'green');
    expect(greenCalls.every((c) => c.pinned)).toBe(true);
    expect(trafficPuts('ep-second').at(-1)).toEqual({ blue: 0, green: 100 });
    expect(renderDeploySummary(result)).toContain('| Previous deployment | `blue` (deleted) |');
    expectNoSecrets('ep-second', rec.lines.join('\n'), renderDeploySummary(result));

    // And the third goes back to blue.
    const third = await deploy({ endpointName: 'ep-second' });
    expect(third.result).toMatchObject({ succeeded: true, deploymentName: 'blue', previousDeployment: 'green', deletedDeployments: ['green'] });
    expect(deployments('ep-second')).toEqual(['blue']);
  });

  it('moves traffic in stages with a smoke test at each, keeping the old deployment when delete-previous is false', async () => {
    await liveEndpoint('ep-staged');
    const before = trafficPuts('ep-staged').length;
    const { result } = await deploy({ endpointName: 'ep-staged', traffic: '10,50,100', deletePrevious: false });
    expect(result.succeeded).toBe(true);
    expect(trafficPuts('ep-staged').slice(before)).toEqual([{ blue: 90, green: 10 }, { blue: 50, green: 50 }, { blue: 0, green: 100 }]);
    expect(result.smokeTests.map((s) => s.share)).toEqual([0, 10, 50, 100]);
    expect(deployments('ep-staged')).toEqual(['blue', 'green']);
    expect(result.deletedDeployments).toEqual([]);
  });

  it('replaces a leftover deployment with no traffic instead of updating it', async () => {
    await liveEndpoint('ep-leftover');
    fake.deployments.set('ep-leftover/green', { endpoint: 'ep-leftover', name: 'green', location: fake.location, tags: {}, properties: { provisioningState: 'Failed', instanceType: 'Standard_F2s_v2' } });
    const { result } = await deploy({ endpointName: 'ep-leftover' });
    expect(result.succeeded).toBe(true);
    const greenRequests = fake.requestsTo('/onlineEndpoints/ep-leftover/deployments/green').map((r) => r.method);
    expect(greenRequests.indexOf('DELETE')).toBeLessThan(greenRequests.indexOf('PUT'));
    expect(fake.deployments.get('ep-leftover/green')!.properties.instanceType).toBe('Standard_DS3_v2');
  });

  it('waits for an operation already running on the endpoint instead of colliding with it', async () => {
    await liveEndpoint('ep-busy');
    const ep = fake.endpoints.get('ep-busy')!;
    ep.properties.provisioningState = 'Updating';
    const settled = new Promise<number>((resolve) => setTimeout(() => { ep.properties.provisioningState = 'Succeeded'; resolve(Date.now()); }, 200));
    const started = Date.now();
    const { result, rec } = await deploy({ endpointName: 'ep-busy' });
    expect(result.succeeded).toBe(true);
    expect(await settled).toBeGreaterThanOrEqual(started);
    expect(fake.requestsTo('/onlineEndpoints/ep-busy').filter((r) => r.status === 409)).toEqual([]);
    expect(rec.lines.some((l) => /Waiting for the running operation to finish: endpoint ep-busy is Updating/.test(l))).toBe(true);
  });

  it('warns, naming the roles, when the caller may not assign them, and still deploys', async () => {
    fake.deny('roleAssignments/write');
    try {
      const { result, rec } = await deploy({ endpointName: 'ep-noroles' });
      expect(result.succeeded).toBe(true);
      expect(result.roles?.missing).toEqual(ENDPOINT_ROLES.map((r) => r.name));
      const warnings = rec.warnings().join('\n');
      for (const role of ENDPOINT_ROLES) expect(warnings).toContain(`'${role.name}'`);
      expect(warnings).toMatch(/Owner or User Access Administrator/);
      expect(renderDeploySummary(result)).toContain('Roles not granted');
    } finally {
      fake.allow('roleAssignments/write');
    }
  });
});

describe('a failed rollout is rolled back and leaves traffic exactly as it was', () => {
  it('when the new deployment ends Failed: logs fetched, failed deployment deleted, traffic untouched', async () => {
    await liveEndpoint('ep-fail');
    const puts = trafficPuts('ep-fail').length;
    fake.failDeployment('green', { code: 'ResourceNotReady', message: 'User container has crashed or terminated.' });
    fake.deploymentLogs.set('ep-fail/green/InferenceServer', 'Traceback: ModuleNotFoundError: No module named \'langchain\'\n');
    fake.deploymentLogs.set('ep-fail/green/StorageInitializer', 'Model download succeeded.\n');
    try {
      const { result, rec } = await deploy({ endpointName: 'ep-fail' });
      expect(result).toMatchObject({ succeeded: false, rolledBack: true, deploymentName: 'green', failure: { stage: 'deployment' }, trafficAfter: { blue: 100 }, deletedDeployments: ['green'], rollbackProblems: [] });
      expect(result.failure!.reason).toMatch(/Deployment green failed: .*User container has crashed/);
      expect(traffic('ep-fail')).toEqual({ blue: 100 });
      expect(trafficPuts('ep-fail')).toHaveLength(puts);
      expect(deployments('ep-fail')).toEqual(['blue']);
      expect(result.logs?.inferenceServer).toContain('No module named');
      const logRequests = fake.requestsTo('/deployments/green/getLogs', 'POST').map((r) => JSON.parse(r.body!));
      expect(logRequests).toEqual([{ containerType: 'StorageInitializer', tail: 200 }, { containerType: 'InferenceServer', tail: 200 }]);
      const summary = renderDeploySummary(result);
      expect(summary).toContain('failed and was rolled back');
      expect(summary).toContain('No module named');
      expectNoSecrets('ep-fail', rec.lines.join('\n'), summary);
    } finally {
      fake.clearDeploymentFailure('green');
    }
  });

  it('when the smoke test gets 424', async () => {
    await liveEndpoint('ep-424');
    fake.setScoringReply({ status: 424, body: { error: { code: 'UserError', message: 'Execution failure in chat: KeyError' } }, headers: { 'ms-azureml-model-error-statuscode': '500', 'ms-azureml-model-error-reason': 'model_error' } }, 'green');
    const { result } = await deploy({ endpointName: 'ep-424' });
    expect(result).toMatchObject({ succeeded: false, rolledBack: true, smokeTest: 'failed', failure: { stage: 'smoke-test' }, deletedDeployments: ['green'] });
    expect(result.failure!.reason).toMatch(/at 0 % traffic failed: expected HTTP 200, got 424/);
    expect(result.smokeTests[0]!.result.modelError).toEqual({ statusCode: '500', reason: 'model_error' });
    expect(renderDeploySummary(result)).toContain('KeyError');
    expect(traffic('ep-424')).toEqual({ blue: 100 });
    expect(deployments('ep-424')).toEqual(['blue']);
    fake.setScoringReply(undefined, 'green');
  });

  it('when the reply has the wrong output, even at a later stage', async () => {
    await liveEndpoint('ep-wrong');
    let calls = 0;
    // Right at 0 % and 10 %, wrong from 50 % on: traffic must go back from a split.
    fake.setScoringHandler((deployment) => ({ status: 200, body: { category: deployment === 'green' && ++calls >= 3 ? 'shipping' : 'billing' } }));
    const { result } = await deploy({ endpointName: 'ep-wrong', traffic: '10,50,100', smokeTestExpect: '{keys: [category], values: {category: billing}}' });
    expect(result).toMatchObject({ succeeded: false, rolledBack: true, failure: { stage: 'smoke-test' }, trafficAfter: { blue: 100 } });
    expect(result.failure!.reason).toBe(`Smoke test of green at 50 % traffic failed: 'category' is "shipping", expected "billing"`);
    expect(trafficPuts('ep-wrong').slice(-3)).toEqual([{ blue: 90, green: 10 }, { blue: 50, green: 50 }, { blue: 100 }]);
    expect(traffic('ep-wrong')).toEqual({ blue: 100 });
    expect(deployments('ep-wrong')).toEqual(['blue']);
  });

  it('when a traffic update keeps getting 409 Conflict', async () => {
    await liveEndpoint('ep-409');
    const puts = trafficPuts('ep-409').length;
    fake.failNext({ method: 'PUT', path: /\/onlineEndpoints\/ep-409$/, times: 100 }, armError(409, 'Conflict', 'The endpoint is being updated by another operation.'));
    try {
      const { result } = await deploy({ endpointName: 'ep-409' });
      expect(result).toMatchObject({ succeeded: false, rolledBack: true, failure: { stage: 'traffic' }, trafficAfter: { blue: 100 }, deletedDeployments: ['green'] });
      expect(result.failure!.reason).toMatch(/Moving traffic to blue 0%, green 100%|Moving traffic to green 100% failed/);
      expect(fake.requestsTo(/\/onlineEndpoints\/ep-409$/, 'PUT').filter((r) => r.status === 409)).toHaveLength(RETRIES);
      expect(trafficPuts('ep-409')).toHaveLength(puts);
      expect(traffic('ep-409')).toEqual({ blue: 100 });
      expect(deployments('ep-409')).toEqual(['blue']);
    } finally {
      fake.clearFaults();
    }
  });

  it('when a 409 hits a later stage: the split traffic is put back with a PUT', async () => {
    await liveEndpoint('ep-409b');
    let armed = false;
    fake.setScoringHandler((deployment) => {
      // After the 10 % stage's smoke test, the next traffic update conflicts (RETRIES times).
      if (deployment === 'green' && fake.endpoints.get('ep-409b')!.properties.traffic.green === 10 && !armed) {
        armed = true;
        fake.failNext({ method: 'PUT', path: /\/onlineEndpoints\/ep-409b$/, times: RETRIES }, armError(409, 'Conflict', 'Conflicting operation in progress.'));
      }
      return undefined;
    });
    const { result } = await deploy({ endpointName: 'ep-409b', traffic: '10,50,100' });
    expect(result).toMatchObject({ succeeded: false, rolledBack: true, failure: { stage: 'traffic' } });
    expect(trafficPuts('ep-409b').slice(-2)).toEqual([{ blue: 90, green: 10 }, { blue: 100 }]);
    expect(traffic('ep-409b')).toEqual({ blue: 100 });
    expect(deployments('ep-409b')).toEqual(['blue']);
  });
});

describe('failures outside the expected stages', () => {
  it('a key that cannot be read after the deployment exists still rolls back', async () => {
    await liveEndpoint('ep-nokeys');
    fake.deny('onlineEndpoints/listKeys');
    try {
      const { result } = await deploy({ endpointName: 'ep-nokeys' });
      expect(result).toMatchObject({ succeeded: false, rolledBack: true, failure: { stage: 'smoke-test' }, deletedDeployments: ['green'] });
      expect(result.failure!.reason).toMatch(/permission denied/);
      expect(deployments('ep-nokeys')).toEqual(['blue']);
    } finally {
      fake.allow('onlineEndpoints/listKeys');
    }
  });

  it('says so, and keeps the new deployment serving, when even the traffic restore is refused', async () => {
    await liveEndpoint('ep-stuck');
    let armed = false;
    fake.setScoringHandler((deployment) => {
      if (deployment === 'green' && fake.endpoints.get('ep-stuck')!.properties.traffic.green === 10 && !armed) {
        armed = true;
        fake.failNext({ method: 'PUT', path: /\/onlineEndpoints\/ep-stuck$/, times: 1000 }, armError(409, 'Conflict', 'Conflicting operation in progress.'));
      }
      return undefined;
    });
    try {
      const { result } = await deploy({ endpointName: 'ep-stuck', traffic: '10,100' });
      expect(result).toMatchObject({ succeeded: false, rolledBack: false, failure: { stage: 'traffic' }, deletedDeployments: [] });
      expect(result.rollbackProblems).toEqual([
        expect.stringMatching(/^restoring the traffic to blue 100% failed: .*Conflict/),
        'the failed deployment green was kept because the traffic could not be restored'
      ]);
      expect(traffic('ep-stuck')).toEqual({ blue: 90, green: 10 });
      expect(deployments('ep-stuck')).toEqual(['blue', 'green']);
      expect(renderDeploySummary(result)).toContain('the rollback is incomplete');
    } finally {
      fake.clearFaults();
    }
  });
});

describe('mistakes fail before anything changes', () => {
  it.each([
    [{ endpointName: 'bad_name' }, 'endpoint-name'],
    [{ traffic: '50' }, 'traffic'],
    [{ smokeTestRequest: '/nonexistent/request.json' }, 'smoke-test-request'],
    [{ smokeTestRequest: undefined, smokeTestExpect: '[answer]' }, 'smoke-test-request'],
    [{ instanceCount: 0 }, 'instance-count'],
    [{ requestTimeout: 900 }, 'request-timeout']
  ] as [Partial<DeployCommandOptions>, string][])('%j → %s', async (options, field) => {
    const requests = fake.requests.length;
    await expect(deploy(options)).rejects.toMatchObject({ name: 'UserError', field });
    expect(fake.requests.length).toBe(requests);
  });

  it('an unknown model or environment is reported by name', async () => {
    await expect(deploy({ endpointName: 'ep-nomodel', model: 'azureml:chat-model:9' })).rejects.toThrow(/Model 'chat-model' version 9 was not found/);
    await expect(deploy({ endpointName: 'ep-nomodel', environment: 'my-env:3' })).rejects.toThrow(/Environment my-env:3 was not found/);
    expect(fake.endpoints.has('ep-nomodel')).toBe(false);
  });

  it('asking for the live deployment by name is refused', async () => {
    await liveEndpoint('ep-named');
    await expect(deploy({ endpointName: 'ep-named', deploymentName: 'blue' })).rejects.toThrow(UserError);
    expect(traffic('ep-named')).toEqual({ blue: 100 });
  });
});
