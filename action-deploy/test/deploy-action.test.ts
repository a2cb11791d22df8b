import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { captureStdout, EnvScope, parseOutputFile, tempDir } from '../../packages/github/test/support/env.js';
import { armError, FakeAzureML } from '../../packages/azure/test/support/fake-azureml.js';
import { makeTestTls, type TestTls } from '../../packages/azure/test/support/tls.js';
import { run } from '../src/main.js';

const TENANT = '72f988bf-0000-0000-0000-000000000000';
const CLIENT = 'c1a2b3c4-0000-0000-0000-000000000001';
const SECRET = 'Act10n~Deploy.Secret_654';
const RETRIES = 3;

let tls: TestTls;
let fake: FakeAzureML;
const env = new EnvScope();
let workspace: string;
// core.summary remembers the first GITHUB_STEP_SUMMARY it sees: one file, emptied per test.
const summaryFile = join(tempDir('llmops-deploy-summary-'), 'step-summary.md');
let out: ReturnType<typeof captureStdout>;

beforeAll(async () => {
  tls = makeTestTls();
  fake = await FakeAzureML.start({ tls });
  fake.addServicePrincipal(TENANT, CLIENT, SECRET);
  fake.modelContainers.set('support-flow', { tags: {}, properties: {} });
  fake.modelVersions.set('support-flow', [{ name: 'support-flow', version: '4', createdAt: new Date().toISOString(), properties: {
    modelType: 'custom_model', modelUri: `azureml://subscriptions/${fake.subscriptionId}/resourcegroups/${fake.resourceGroup}/workspaces/${fake.workspace}/datastores/workspaceblobstore/paths/LocalUpload/abc/support-flow`,
    tags: {}, properties: { 'azureml.promptflow.source_flow_id': 'support-flow' }
  } }]);
  // The flow classifies tickets: billing questions stay billing.
  fake.setScoringHandler((deployment, input) => ({ status: 200, body: { category: /refund|invoice/i.test(String((input as { question?: string })?.question)) ? 'billing' : 'other', served_by: deployment } }));
}, 30_000);

afterAll(async () => {
  env.restore();
  await fake?.close();
  tls?.dispose();
});

beforeEach(() => {
  out = captureStdout();
});
afterEach(() => {
  out.restore();
  process.exitCode = undefined;
  fake.clearFaults();
  fake.setScoringReply(undefined, 'green');
  fake.setScoringReply(undefined, 'blue');
});

const credentialsJson = () => JSON.stringify({ clientId: CLIENT, clientSecret: SECRET, subscriptionId: fake.subscriptionId, tenantId: TENANT, resourceManagerEndpointUrl: fake.url, activeDirectoryEndpointUrl: fake.url });
const context = () => ({
  connection: { tlsOptions: { ca: tls.cert } },
  workspaceOptions: { pollIntervalMs: 5, retry: { attempts: RETRIES, baseDelayMs: 5 } },
  rollout: { settleIntervalMs: 5, smokeRetryDelayMs: 5 }
});

/** A fresh GitHub workspace with a smoke-test request file and the action's INPUT_* variables. */
function setup(inputs: Record<string, string | undefined>): void {
  workspace = tempDir('llmops-deploy-ws-');
  writeFileSync(summaryFile, '');
  writeFileSync(join(workspace, 'output.txt'), '');
  writeFileSync(join(workspace, 'smoke.json'), JSON.stringify({ question: 'Where is my refund?' }));
  const all: Record<string, string | undefined> = {
    model: 'azureml:support-flow:4', 'endpoint-name': 'support-ep', 'deployment-name': undefined, flow: undefined,
    'instance-type': 'Standard_DS3_v2', 'instance-count': '1', environment: undefined, 'environment-variables': 'PROMPTFLOW_WORKER_NUM=2',
    traffic: '100', 'smoke-test-request': 'smoke.json', 'smoke-test-expect': '{status: 200, keys: [category], values: {category: billing}}',
    'delete-previous': 'true', 'request-timeout': '90', 'wait-timeout': '45', 'grant-roles': 'true',
    'azure-credentials': credentialsJson(), 'client-id': undefined, 'tenant-id': undefined, subscription: undefined,
    'resource-group': fake.resourceGroup, workspace: fake.workspace, ...inputs
  };
  env.set(Object.fromEntries(Object.entries(all).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v])));
  env.set({ GITHUB_WORKSPACE: workspace, GITHUB_OUTPUT: join(workspace, 'output.txt'), GITHUB_STEP_SUMMARY: summaryFile, GITHUB_EVENT_NAME: 'push', AZURE_CLIENT_ID: undefined, AZURE_TENANT_ID: undefined, AZURE_CLIENT_SECRET: undefined });
}

const outputs = () => parseOutputFile(readFileSync(join(workspace, 'output.txt'), 'utf8'));
const summary = () => readFileSync(summaryFile, 'utf8');
const errors = () => out.lines().filter((l) => l.startsWith('::error'));
const traffic = (ep: string) => ({ ...fake.endpoints.get(ep)!.properties.traffic });
const deploymentsOf = (ep: string) => [...fake.deployments.values()].filter((d) => d.endpoint === ep).map((d) => d.name).sort();

/** Neither endpoint keys nor the client secret anywhere but the runner's own add-mask commands. */
function expectNoSecrets(ep: string, keysRead = true): void {
  const keys = fake.endpoints.get(ep)!.keys;
  const printed = out.lines().filter((l) => !l.startsWith('::add-mask::')).join('\n');
  const masked = out.lines().filter((l) => l.startsWith('::add-mask::')).join('\n');
  for (const secret of [SECRET, keys.primaryKey, keys.secondaryKey]) {
    expect(printed).not.toContain(secret);
    expect(summary()).not.toContain(secret);
    expect(readFileSync(join(workspace, 'output.txt'), 'utf8')).not.toContain(secret);
  }
  // Keys are read (and masked at once) only when there is something to smoke-test.
  if (keysRead) expect(masked).toContain(keys.primaryKey);
  expect(masked).toContain(SECRET);
}

async function deployed(ep: string, inputs: Record<string, string | undefined> = {}): Promise<void> {
  setup({ 'endpoint-name': ep, ...inputs });
  await run(context());
  expect(process.exitCode).toBeUndefined();
  expect(errors()).toEqual([]);
}

describe('action-deploy', () => {
  test('first deploy: a new endpoint with blue at 100 %, outputs and summary', async () => {
    await deployed('support-ep');
    expect(outputs()).toEqual({
      'endpoint-name': 'support-ep', 'deployment-name': 'blue', 'previous-deployment': '', 'scoring-uri': `${fake.url}/endpoints/support-ep/score`,
      'smoke-test': 'passed', 'rolled-back': 'false'
    });
    expect(traffic('support-ep')).toEqual({ blue: 100 });
    const blue = fake.deployments.get('support-ep/blue')!;
    expect(blue.properties).toMatchObject({ requestSettings: { requestTimeout: 'PT90S' }, environmentVariables: { PROMPTFLOW_WORKER_NUM: '2', PROMPTFLOW_RUN_MODE: 'serving' } });
    expect(summary()).toContain('## Deployed `blue` on endpoint `support-ep`');
    expect(summary()).toContain('"category": "billing"');
    expectNoSecrets('support-ep');
  });

  test('second deploy: green, smoke-tested, 100 %, blue deleted', async () => {
    await deployed('support-ep');
    expect(outputs()).toMatchObject({ 'deployment-name': 'green', 'previous-deployment': 'blue', 'smoke-test': 'passed', 'rolled-back': 'false' });
    expect(traffic('support-ep')).toEqual({ blue: 0, green: 100 });
    expect(deploymentsOf('support-ep')).toEqual(['green']);
    expect(fake.scoringCalls.filter((c) => c.endpoint === 'support-ep' && c.deployment === 'green').every((c) => c.pinned && c.status === 200)).toBe(true);
    expect(summary()).toContain('| Previous deployment | `blue` (deleted) |');
    expectNoSecrets('support-ep');
  });

  test('staged traffic 10,50,100 with a smoke test at each stage', async () => {
    await deployed('support-ep', { traffic: '10,50,100' });
    expect(outputs()).toMatchObject({ 'deployment-name': 'blue', 'previous-deployment': 'green' });
    const puts = fake.requestsTo(/\/onlineEndpoints\/support-ep$/, 'PUT').filter((r) => r.status < 300).slice(-3).map((r) => JSON.parse(r.body!).properties.traffic);
    expect(puts).toEqual([{ green: 90, blue: 10 }, { green: 50, blue: 50 }, { green: 0, blue: 100 }]);
    for (const share of [0, 10, 50, 100]) expect(summary()).toContain(`### Smoke test at ${share} % traffic: HTTP 200`);
    expect(deploymentsOf('support-ep')).toEqual(['blue']);
  });

  describe('every failure leaves traffic exactly as it was, with rolled-back=true', () => {
    const failures: [string, () => void, Record<string, string>, RegExp][] = [
      ['provisioning ends Failed', () => fake.failDeployment('green', { code: 'ImageBuildFailure', message: 'Image build failed: pip install returned 1.' }), {}, /Deployment green failed: .*Image build failed/],
      ['the smoke test gets 424', () => fake.setScoringReply({ status: 424, body: { error: { code: 'UserError', message: 'Execution failure in classify: KeyError' } }, headers: { 'ms-azureml-model-error-statuscode': '500' } }, 'green'), {}, /got 424/],
      ['the reply has the wrong output', () => fake.setScoringReply({ status: 200, body: { category: 'shipping' } }, 'green'), {}, /'category' is "shipping", expected "billing"/],
      ['the traffic update keeps getting 409', () => fake.failNext({ method: 'PUT', path: /\/onlineEndpoints\/support-ep$/, times: RETRIES }, armError(409, 'Conflict', 'Another operation is in progress.')), { traffic: '100' }, /Moving traffic to .* failed/]
    ];
    test.each(failures)('%s', async (_name, arm, inputs, reason) => {
      // The endpoint serves blue (100 %) from the tests above.
      const before = traffic('support-ep');
      expect(before).toEqual({ green: 0, blue: 100 });
      fake.deploymentLogs.set('support-ep/green/InferenceServer', 'INFO  Start serving flow\nERROR Flow execution failed\n');
      arm();
      try {
        setup(inputs);
        await run(context());
      } finally {
        fake.clearDeploymentFailure('green');
      }
      expect(process.exitCode).toBe(1);
      expect(outputs()).toMatchObject({ 'endpoint-name': 'support-ep', 'deployment-name': 'green', 'previous-deployment': 'blue', 'rolled-back': 'true' });
      expect(traffic('support-ep')).toEqual(before);
      expect(deploymentsOf('support-ep')).toEqual(['blue']);
      const error = errors().join('\n').replace(/%0A/g, '\n');
      expect(error).toMatch(reason);
      expect(error).toContain('Rolled back: endpoint support-ep serves traffic as before and green was deleted');
      expect(summary()).toContain('failed and was rolled back');
      expect(summary()).toContain('ERROR Flow execution failed');
      expectNoSecrets('support-ep', !/Failed/.test(_name));
    });
  });

  test('a mistake in the inputs fails with one annotation before Azure is called', async () => {
    setup({ 'endpoint-name': 'support_ep' });
    const requests = fake.requests.length;
    await run(context());
    expect(process.exitCode).toBe(1);
    expect(errors()).toHaveLength(1);
    expect(errors()[0]).toMatch(/endpoint-name.*not a valid endpoint name/);
    expect(fake.requests.length).toBe(requests);
    expect(outputs()).toEqual({ 'endpoint-name': 'support_ep', 'rolled-back': 'false' });
  });
});
