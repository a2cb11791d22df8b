import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SecretMasker, UserError, type Log } from '@llmops/common';
import { resolveAzureCredential, parseAzureCredentials } from '../src/credentials.js';
import { FakeAzureML } from './support/fake-azureml.js';
import { makeTestTls, type TestTls } from './support/tls.js';

const TENANT = '72f988bf-0000-0000-0000-000000000000';
const CLIENT = 'c1a2b3c4-0000-0000-0000-000000000001';
const FED_CLIENT = 'c1a2b3c4-0000-0000-0000-000000000002';
const SECRET = 'Sup3r~Secret.Value_123';

/** A Log that records masked output, the way the GitHub adapter would print it. */
function recordingLog(): Log & { lines: string[]; secrets: string[] } {
  const masker = new SecretMasker();
  const lines: string[] = [];
  const secrets: string[] = [];
  return {
    lines, secrets,
    debug: (m) => lines.push(masker.mask(m)),
    info: (m) => lines.push(masker.mask(m)),
    warning: (m) => lines.push(masker.mask(m)),
    error: (m) => lines.push(masker.mask(m)),
    setSecret: (s) => { secrets.push(s); masker.add(s); }
  };
}

let tls: TestTls;
let fake: FakeAzureML;

beforeAll(async () => {
  tls = makeTestTls();
  fake = await FakeAzureML.start({ tls });
  fake.addServicePrincipal(TENANT, CLIENT, SECRET);
  fake.addFederatedIdentity(TENANT, FED_CLIENT);
});
afterAll(async () => {
  await fake?.close();
  tls?.dispose();
});

const connection = () => ({ armEndpoint: fake.url, authorityHost: fake.url, tlsOptions: { ca: tls.cert } });
const noEnv = { PATH: '/nonexistent' };

describe('parseAzureCredentials', () => {
  it('masks the clientSecret and never quotes broken JSON', () => {
    const log = recordingLog();
    const raw = `{"clientId": "${CLIENT}", "clientSecret": "${SECRET}", "tenantId": `;
    let error: unknown;
    try { parseAzureCredentials(raw, log); } catch (e) { error = e; }
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).field).toBe('azure-credentials');
    expect((error as Error).message).not.toContain(SECRET);
    expect((error as Error).message).not.toContain(CLIENT);
    expect(log.secrets).toContain(SECRET);
  });

  it('names the missing keys', () => {
    expect(() => parseAzureCredentials(JSON.stringify({ clientSecret: SECRET }), recordingLog())).toThrow(/missing "clientId" and "tenantId"/);
    expect(() => parseAzureCredentials('[1]', recordingLog())).toThrow(/must be a JSON object/);
  });
});

describe('resolveAzureCredential', () => {
  it('signs in with the azure-credentials service principal through the real MSAL code path', async () => {
    const log = recordingLog();
    const json = JSON.stringify({ clientId: CLIENT, clientSecret: SECRET, subscriptionId: fake.subscriptionId, tenantId: TENANT });
    const resolved = await resolveAzureCredential({ azureCredentials: json }, { log, env: noEnv, connection: connection() });
    expect(resolved.kind).toBe('service-principal');
    expect(resolved.subscriptionId).toBe(fake.subscriptionId);
    expect(log.secrets).toContain(SECRET);
    expect(fake.requestsTo(`/${TENANT}/oauth2/v2.0/token`).some((r) => r.status === 200 && r.auth === 'secret')).toBe(true);
    expect(log.lines.join('\n')).not.toContain(SECRET);
  });

  it('takes resourceManagerEndpointUrl/activeDirectoryEndpointUrl from the JSON and the subscription input over the JSON', async () => {
    const json = JSON.stringify({ clientId: CLIENT, clientSecret: SECRET, subscriptionId: 'from-json', tenantId: TENANT, resourceManagerEndpointUrl: fake.url, activeDirectoryEndpointUrl: fake.url });
    const resolved = await resolveAzureCredential({ azureCredentials: json, subscription: 'from-input' }, { log: recordingLog(), env: noEnv, connection: { tlsOptions: { ca: tls.cert } } });
    expect(resolved.subscriptionId).toBe('from-input');
    expect(resolved.connection.armEndpoint).toBe(fake.url);
  });

  it('reports a wrong secret as one UserError naming azure-credentials, without the secret', async () => {
    const wrong = 'Wrong~Secret.Value_999';
    const json = JSON.stringify({ clientId: CLIENT, clientSecret: wrong, subscriptionId: fake.subscriptionId, tenantId: TENANT });
    const log = recordingLog();
    const error = await resolveAzureCredential({ azureCredentials: json }, { log, env: noEnv, connection: connection() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).field).toBe('azure-credentials');
    expect((error as Error).message).toMatch(/AADSTS7000215/);
    expect((error as Error).message).not.toContain(wrong);
    expect(log.secrets).toContain(wrong);
  });

  it('uses OIDC with a fresh GitHub ID token for every new access token', async () => {
    const audiences: string[] = [];
    const getIdToken = async (audience: string) => { audiences.push(audience); return fake.mintGitHubIdToken(audience); };
    const log = recordingLog();
    const before = fake.assertionsSeen.length;
    const resolved = await resolveAzureCredential({ clientId: FED_CLIENT, tenantId: TENANT, subscription: fake.subscriptionId }, { log, getIdToken, env: noEnv, connection: connection() });
    expect(resolved.kind).toBe('oidc');
    await resolved.credential.getToken('https://storage.azure.com/.default');
    expect(audiences.length).toBeGreaterThanOrEqual(2);
    expect(new Set(audiences)).toEqual(new Set(['api://AzureADTokenExchange']));
    const seen = fake.assertionsSeen.slice(before);
    expect(seen).toHaveLength(2);
    expect(seen[0]).not.toBe(seen[1]);
    expect(log.secrets).toEqual(expect.arrayContaining(seen));
  });

  it('explains the id-token permission when no GitHub token can be minted', async () => {
    const getIdToken = async () => { throw new Error('Unable to get ACTIONS_ID_TOKEN_REQUEST_URL env variable'); };
    const error = await resolveAzureCredential({ clientId: FED_CLIENT, tenantId: TENANT, subscription: 's' }, { log: recordingLog(), getIdToken, env: noEnv, connection: connection() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).field).toBe('client-id');
    expect((error as Error).message).toMatch(/permissions: id-token: write/);
  });

  it('needs both client-id and tenant-id', async () => {
    await expect(resolveAzureCredential({ clientId: FED_CLIENT }, { log: recordingLog(), env: noEnv })).rejects.toMatchObject({ field: 'tenant-id' });
  });

  it('uses AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET from the environment', async () => {
    const env = { AZURE_CLIENT_ID: CLIENT, AZURE_TENANT_ID: TENANT, AZURE_CLIENT_SECRET: SECRET, AZURE_SUBSCRIPTION_ID: fake.subscriptionId };
    const log = recordingLog();
    const resolved = await resolveAzureCredential({}, { log, env, connection: connection() });
    expect(resolved.kind).toBe('environment');
    expect(log.secrets).toContain(SECRET);
  });

  it('lists everything tried and what to set when nothing works', async () => {
    const env = { AZURE_CLIENT_ID: CLIENT, AZURE_TENANT_ID: TENANT, AZURE_CLIENT_SECRET: 'not-the-secret' };
    const error = await resolveAzureCredential({ subscription: 's' }, { log: recordingLog(), env, connection: connection(), probeTimeoutMs: 20_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    const message = (error as Error).message;
    expect(message).toMatch(/^No Azure credential worked\. Tried AZURE_CLIENT_ID/);
    expect(message).toMatch(/an Azure CLI login: /);
    expect(message).toMatch(/permissions: id-token: write/);
    expect(message).toMatch(/azure-credentials/);
    expect(message).not.toContain('not-the-secret');
    expect(message.split('\n')).toHaveLength(1);
  });
});
