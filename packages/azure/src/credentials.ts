import { execFile } from 'node:child_process';
import type { TokenCredential } from '@azure/core-auth';
import { AzureCliCredential, ClientAssertionCredential, ClientSecretCredential, type ClientSecretCredentialOptions } from '@azure/identity';
import { UserError, type Log } from '@llmops/common';
import { armScope, DEFAULT_ARM_ENDPOINT, DEFAULT_AUTHORITY_HOST, type AzureConnectionOptions } from './connection.js';

/** How the credential was obtained, for logs and for callers that care (e.g. the CLI). */
export type AzureCredentialKind = 'service-principal' | 'oidc' | 'environment' | 'azure-cli';

/** The Azure inputs every Azure step shares (action inputs, CLI flags). */
export interface AzureCredentialInputs {
  /** The `{clientId, clientSecret, subscriptionId, tenantId}` JSON of the AZURE_CREDENTIALS secret. */
  azureCredentials?: string;
  clientId?: string;
  tenantId?: string;
  subscription?: string;
}

export interface ResolveCredentialContext {
  log: Log;
  /** Mints a GitHub OIDC token for an audience (the action passes `core.getIDToken`). */
  getIdToken?: (audience: string) => Promise<string>;
  /** Environment to read `AZURE_*` from; defaults to process.env. */
  env?: Record<string, string | undefined>;
  connection?: AzureConnectionOptions;
  /** Upper bound for the sign-in probe, default 60 s. */
  probeTimeoutMs?: number;
}

export interface ResolvedAzureCredential {
  credential: TokenCredential;
  subscriptionId: string;
  kind: AzureCredentialKind;
  /** The connection with `armEndpoint`/`authorityHost` resolved (from the JSON when it names them). */
  connection: AzureConnectionOptions & { armEndpoint: string };
}

/** The audience GitHub's OIDC token must carry for an Entra ID federated credential. */
export const GITHUB_OIDC_AUDIENCE = 'api://AzureADTokenExchange';

const WHAT_TO_SET =
  'Set `client-id` + `tenant-id` for OIDC (recommended; the workflow or job needs `permissions: id-token: write` and `contents: read`), ' +
  'or `azure-credentials` with the {"clientId","clientSecret","subscriptionId","tenantId"} JSON (e.g. ${{ secrets.AZURE_CREDENTIALS }}), ' +
  'or sign in first with azure/login, or set AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_CLIENT_SECRET.';

interface ParsedAzureCredentials {
  clientId: string;
  tenantId: string;
  clientSecret?: string;
  subscriptionId?: string;
  resourceManagerEndpointUrl?: string;
  activeDirectoryEndpointUrl?: string;
}

/**
 * Parse the AZURE_CREDENTIALS JSON. The clientSecret is masked before anything else
 * happens, and no error message ever quotes the text (JSON.parse's own message would).
 */
export function parseAzureCredentials(raw: string, log: Log): ParsedAzureCredentials {
  // Mask the secret even when the JSON is broken, so a later echo of the input is safe.
  for (const match of raw.matchAll(/"clientSecret"\s*:\s*"((?:[^"\\]|\\.)*)"/g)) log.setSecret(match[1]!);
  const field = 'azure-credentials';
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new UserError('azure-credentials is not valid JSON; expected {"clientId": "...", "clientSecret": "...", "subscriptionId": "...", "tenantId": "..."} (the output of `az ad sp create-for-rbac --sdk-auth`)', { field, code: 'InvalidAzureCredentials' });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new UserError('azure-credentials must be a JSON object with clientId, clientSecret, subscriptionId and tenantId', { field, code: 'InvalidAzureCredentials' });
  }
  const record = parsed as Record<string, unknown>;
  const text = (key: string): string | undefined => {
    const value = record[key];
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value !== 'string') throw new UserError(`azure-credentials: "${key}" must be a string`, { field, code: 'InvalidAzureCredentials' });
    return value.trim();
  };
  const clientSecret = text('clientSecret');
  if (clientSecret) log.setSecret(clientSecret);
  const clientId = text('clientId');
  const tenantId = text('tenantId');
  const missing = [clientId ? undefined : 'clientId', tenantId ? undefined : 'tenantId'].filter(Boolean);
  if (missing.length) throw new UserError(`azure-credentials is missing ${missing.map((k) => `"${k}"`).join(' and ')}`, { field, code: 'InvalidAzureCredentials' });
  return {
    clientId: clientId!,
    tenantId: tenantId!,
    clientSecret,
    subscriptionId: text('subscriptionId'),
    resourceManagerEndpointUrl: text('resourceManagerEndpointUrl'),
    activeDirectoryEndpointUrl: text('activeDirectoryEndpointUrl')
  };
}

interface Candidate {
  kind: AzureCredentialKind;
  /** How the error message names it, e.g. "the service principal in `azure-credentials`". */
  label: string;
  credential: TokenCredential;
  /** What to fix when this one fails. */
  hint: string;
}

/**
 * Pick the Azure credential from what the user configured, prove it works (one ARM token),
 * and resolve the subscription. Explicit credentials are the only ones tried; without any,
 * the environment variables and then an Azure CLI login are tried, and if none works one
 * UserError lists what was tried and what to set.
 */
export async function resolveAzureCredential(inputs: AzureCredentialInputs, context: ResolveCredentialContext): Promise<ResolvedAzureCredential> {
  const { log } = context;
  const env = context.env ?? process.env;
  const connection = { ...context.connection };
  const json = blank(inputs.azureCredentials) ? undefined : parseAzureCredentials(inputs.azureCredentials!, log);
  if (json?.resourceManagerEndpointUrl && !connection.armEndpoint) connection.armEndpoint = json.resourceManagerEndpointUrl;
  if (json?.activeDirectoryEndpointUrl && !connection.authorityHost) connection.authorityHost = json.activeDirectoryEndpointUrl;
  const resolved = { ...connection, armEndpoint: (connection.armEndpoint ?? DEFAULT_ARM_ENDPOINT).replace(/\/+$/, '') };
  const options = credentialOptions(resolved);

  const candidates: Candidate[] = [];
  const clientId = trimmed(inputs.clientId);
  const tenantId = trimmed(inputs.tenantId);
  if (clientId || tenantId) {
    if (!clientId || !tenantId) {
      throw new UserError(`OIDC sign-in needs both \`client-id\` and \`tenant-id\`; \`${clientId ? 'tenant-id' : 'client-id'}\` is empty`, { field: clientId ? 'tenant-id' : 'client-id', code: 'MissingAzureInput' });
    }
    if (json) log.warning('Both `azure-credentials` and `client-id`/`tenant-id` are set; using OIDC with `client-id`/`tenant-id` (as azure/login does).');
    candidates.push(oidcCandidate(tenantId, clientId, context, options, '`client-id`/`tenant-id`'));
  } else if (json?.clientSecret) {
    candidates.push({
      kind: 'service-principal',
      label: 'the service principal in `azure-credentials`',
      credential: new ClientSecretCredential(json.tenantId, json.clientId, json.clientSecret, options),
      hint: 'check clientId, tenantId and clientSecret (the secret value, not its ID, and not expired)'
    });
  } else if (json) {
    candidates.push(oidcCandidate(json.tenantId, json.clientId, context, options, '`azure-credentials` without a clientSecret (OIDC)'));
  } else {
    const envClientId = trimmed(env.AZURE_CLIENT_ID);
    const envTenantId = trimmed(env.AZURE_TENANT_ID);
    const envSecret = trimmed(env.AZURE_CLIENT_SECRET);
    if (envSecret) log.setSecret(envSecret);
    if (envClientId && envTenantId && envSecret) {
      candidates.push({
        kind: 'environment',
        label: 'AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET',
        credential: new ClientSecretCredential(envTenantId, envClientId, envSecret, options),
        hint: 'check the AZURE_* environment variables'
      });
    }
    candidates.push({
      kind: 'azure-cli',
      label: 'an Azure CLI login',
      credential: new AzureCliCredential({ tenantId: envTenantId, processTimeoutInMs: context.probeTimeoutMs ?? 60_000 }),
      hint: 'run azure/login (or `az login`) before this step'
    });
  }

  const failures: string[] = [];
  for (const candidate of candidates) {
    const problem = await probe(candidate.credential, resolved.armEndpoint, context.probeTimeoutMs ?? 60_000);
    if (problem === undefined) {
      const subscriptionId = await resolveSubscription(inputs, json, env, candidate.kind);
      log.info(`Signed in to Azure with ${candidate.label} (subscription ${subscriptionId}).`);
      return { credential: candidate.credential, subscriptionId, kind: candidate.kind, connection: resolved };
    }
    failures.push(`${candidate.label}: ${problem} (${candidate.hint})`);
  }
  const explicit = candidates.length === 1 && candidates[0]!.kind !== 'azure-cli';
  const fieldOf: Partial<Record<AzureCredentialKind, string>> = { 'service-principal': 'azure-credentials', oidc: clientId ? 'client-id' : 'azure-credentials' };
  throw new UserError(
    explicit ? `Azure sign-in failed with ${failures[0]}` : `No Azure credential worked. Tried ${failures.join('; ')}. ${WHAT_TO_SET}`,
    { field: explicit ? fieldOf[candidates[0]!.kind] : 'azure-credentials', code: 'AzureSignInFailed' }
  );
}

function oidcCandidate(tenantId: string, clientId: string, context: ResolveCredentialContext, options: ClientSecretCredentialOptions, label: string): Candidate {
  const getIdToken = context.getIdToken;
  // Called whenever a new access token is needed, so each sign-in gets a fresh GitHub token
  // (a cached 5-minute assertion is what makes `az` fail later with AADSTS700024).
  const getAssertion = async (): Promise<string> => {
    if (!getIdToken) throw new Error('no GitHub ID token provider (not running in GitHub Actions)');
    const token = await getIdToken(GITHUB_OIDC_AUDIENCE);
    context.log.setSecret(token);
    return token;
  };
  return {
    kind: 'oidc',
    label: `OIDC with ${label}`,
    credential: new ClientAssertionCredential(tenantId, clientId, getAssertion, options),
    hint: 'the workflow or job needs `permissions: id-token: write`, and the app registration needs a federated credential for this repository, branch or environment'
  };
}

function credentialOptions(connection: AzureConnectionOptions): ClientSecretCredentialOptions {
  const authorityHost = connection.authorityHost?.replace(/\/+$/, '');
  const custom = authorityHost !== undefined && authorityHost !== DEFAULT_AUTHORITY_HOST;
  return {
    ...(authorityHost ? { authorityHost } : {}),
    // A non-Microsoft authority (Azure Stack ADFS, a test fake) has no instance metadata.
    ...(custom ? { disableInstanceDiscovery: true } : {}),
    ...(connection.tlsOptions ? { tlsOptions: connection.tlsOptions } : {})
  };
}

/** Returns undefined when a token was obtained, else the reason in one line (never a secret). */
async function probe(credential: TokenCredential, armEndpoint: string, timeoutMs: number): Promise<string | undefined> {
  try {
    const token = await credential.getToken(armScope(armEndpoint), { abortSignal: AbortSignal.timeout(timeoutMs) });
    return token ? undefined : 'no token was returned';
  } catch (error) {
    return firstLine(error instanceof Error ? error.message : String(error));
  }
}

/** Identity errors carry multi-line AAD text with trace ids; keep the first useful line. */
function firstLine(message: string): string {
  const line = message.split(/\r?\n/).map((l) => l.trim()).find((l) => l.length > 0) ?? message;
  return line.replace(/\s*Trace ID:.*$/i, '').replace(/\s*To troubleshoot.*$/i, '').slice(0, 400);
}

async function resolveSubscription(inputs: AzureCredentialInputs, json: ParsedAzureCredentials | undefined, env: Record<string, string | undefined>, kind: AzureCredentialKind): Promise<string> {
  const explicit = trimmed(inputs.subscription) ?? json?.subscriptionId ?? trimmed(env.AZURE_SUBSCRIPTION_ID);
  if (explicit) return explicit;
  if (kind === 'azure-cli') {
    const fromCli = await azAccountSubscription();
    if (fromCli) return fromCli;
  }
  throw new UserError('No Azure subscription given: set the `subscription` input (or subscriptionId in `azure-credentials`, or AZURE_SUBSCRIPTION_ID)', { field: 'subscription', code: 'MissingAzureInput' });
}

function azAccountSubscription(): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile('az', ['account', 'show', '--query', 'id', '-o', 'tsv'], { timeout: 30_000 }, (error, stdout) => {
      resolve(error ? undefined : stdout.trim() || undefined);
    });
  });
}

function trimmed(value: string | undefined): string | undefined {
  const t = value?.trim();
  return t ? t : undefined;
}

function blank(value: string | undefined): boolean {
  return trimmed(value) === undefined;
}
