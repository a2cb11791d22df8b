import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stateful fake of the Azure Resource Manager + Azure ML control plane, the Entra ID
 * (AAD) token endpoint, and an online endpoint's scoring route, on https://127.0.0.1:<port>.
 * It follows the real REST shapes (api-version 2022-10-01) closely enough that the real
 * `@azure/identity`, `@azure/arm-machinelearning` and `@azure/core-lro` code paths run
 * against it unchanged.
 *
 * Extending it (e.g. for action-deploy): add a route in `route()`; use `startOperation()`
 * for a long-running PUT (Azure-AsyncOperation) or DELETE (Location); use `armError()` for
 * failures; keep state on the public maps so tests can inspect and seed it.
 */

export interface FakeDatastore {
  name: string;
  accountName: string;
  containerName: string;
  /** The storage endpoint suffix (`core.windows.net`), or `127.0.0.1:<port>` for Azurite. */
  endpoint: string;
  protocol: 'https' | 'http';
  credentialsType: 'AccountKey' | 'Sas' | 'None';
  isDefault: boolean;
  /** What listSecrets returns for AccountKey/Sas stores. */
  key?: string;
  sasToken?: string;
}

export interface FakeAzureMLOptions {
  tls: { cert: string; key: string };
  subscriptionId?: string;
  resourceGroup?: string;
  workspace?: string;
  location?: string;
  datastores?: FakeDatastore[];
  /** How many status polls a long-running operation reports InProgress before it ends. */
  lroPolls?: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
  /** `secret`/`assertion` for token requests; the token's audience for bearer calls. */
  auth?: string;
  body?: string;
}

export interface CannedReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

interface Fault {
  method?: string;
  path: string | RegExp;
  remaining: number;
  reply: CannedReply;
}

interface IssuedToken {
  audience: string;
  clientId: string;
  tenantId: string;
  expiresOn: number;
}

interface Operation {
  id: string;
  kind: 'async' | 'location';
  pollsLeft: number;
  /** Applied when the operation ends; returns an error to fail it. */
  finish: () => { code: string; message: string } | undefined;
  outcome?: { status: 'Succeeded' | 'Failed'; error?: { code: string; message: string } };
}

export interface FakeModelVersion {
  name: string;
  version: string;
  properties: Record<string, unknown>;
  createdAt: string;
}

export interface FakeEndpoint {
  name: string;
  location: string;
  tags: Record<string, string>;
  identity: Record<string, unknown>;
  properties: Record<string, unknown> & { traffic: Record<string, number>; provisioningState: string };
  keys: { primaryKey: string; secondaryKey: string };
}

export interface FakeEnvironmentVersion {
  name: string;
  version: string;
  properties: Record<string, unknown>;
}

export interface FakeRoleAssignment {
  name: string;
  scope: string;
  roleDefinitionId: string;
  principalId: string;
  principalType?: string;
}

/** Computes a scoring reply for a deployment (the default echoes the request). */
export type ScoringHandler = (deployment: string, input: unknown, headers: IncomingMessage['headers']) => CannedReply | undefined;

export interface FakeDeployment {
  endpoint: string;
  name: string;
  location: string;
  tags: Record<string, string>;
  sku?: Record<string, unknown>;
  properties: Record<string, unknown> & { provisioningState: string };
}

const PROVIDER = 'Microsoft.MachineLearningServices';
export const FEDERATED_AUDIENCE = 'api://AzureADTokenExchange';

function b64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** An unsigned JWT-shaped token: enough for Azurite's "basic" OAuth check and for our own. */
export function makeJwt(claims: Record<string, unknown>): string {
  return `${b64url({ typ: 'JWT', alg: 'none' })}.${b64url(claims)}.${randomBytes(16).toString('base64url')}`;
}

function decodeJwt(token: string): Record<string, unknown> | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    return JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

export class FakeAzureML {
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly workspace: string;
  readonly location: string;
  readonly requests: RecordedRequest[] = [];
  readonly datastores = new Map<string, FakeDatastore>();
  readonly modelContainers = new Map<string, { description?: string; tags: Record<string, string>; properties: Record<string, string> }>();
  readonly modelVersions = new Map<string, FakeModelVersion[]>();
  readonly endpoints = new Map<string, FakeEndpoint>();
  readonly deployments = new Map<string, FakeDeployment>();
  /** Log text by `<endpoint>/<deployment>` or `<endpoint>/<deployment>/<containerType>`. */
  readonly deploymentLogs = new Map<string, string>();
  readonly environmentVersions = new Map<string, FakeEnvironmentVersion>();
  readonly roleAssignments = new Map<string, FakeRoleAssignment>();
  /** Each scoring call: which deployment it was routed to and its status. */
  readonly scoringCalls: { endpoint: string; deployment?: string; pinned: boolean; status: number }[] = [];
  /** Every token the AAD endpoint issued (never printed by the fake). */
  readonly tokens = new Map<string, IssuedToken>();
  /** Each assertion received for federated (OIDC) sign-in, in order. */
  readonly assertionsSeen: string[] = [];

  private readonly servicePrincipals = new Map<string, { tenantId: string; secret?: string; federated?: boolean }>();
  private readonly faults: Fault[] = [];
  private readonly denied = new Set<string>();
  private readonly operations = new Map<string, Operation>();
  private readonly deploymentOutcomes = new Map<string, { code: string; message: string }>();
  private scoringReply?: CannedReply;
  private readonly scoringReplies = new Map<string, CannedReply>();
  private scoringHandler?: ScoringHandler;
  private readonly lroPolls: number;
  private server!: Server;
  url = '';

  private constructor(private readonly options: FakeAzureMLOptions) {
    this.subscriptionId = options.subscriptionId ?? '00000000-0000-0000-0000-000000000001';
    this.resourceGroup = options.resourceGroup ?? 'rg-llmops';
    this.workspace = options.workspace ?? 'ws-llmops';
    this.location = options.location ?? 'eastus';
    this.lroPolls = options.lroPolls ?? 1;
    for (const ds of options.datastores ?? []) this.datastores.set(ds.name, ds);
  }

  static async start(options: FakeAzureMLOptions): Promise<FakeAzureML> {
    const fake = new FakeAzureML(options);
    fake.server = createServer({ cert: options.tls.cert, key: options.tls.key }, (req, res) => {
      void fake.handle(req, res);
    });
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    fake.url = `https://127.0.0.1:${(fake.server.address() as AddressInfo).port}`;
    return fake;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** The ARM id prefix of the workspace, as the service spells it. */
  get workspaceId(): string {
    return `/subscriptions/${this.subscriptionId}/resourceGroups/${this.resourceGroup}/providers/${PROVIDER}/workspaces/${this.workspace}`;
  }

  // ---- set-up and fault injection -------------------------------------------------------

  addServicePrincipal(tenantId: string, clientId: string, secret: string): void {
    this.servicePrincipals.set(clientId, { tenantId, secret });
  }

  /** A federated credential trusting GitHub's OIDC tokens (audience api://AzureADTokenExchange). */
  addFederatedIdentity(tenantId: string, clientId: string): void {
    this.servicePrincipals.set(clientId, { tenantId, federated: true });
  }

  /** The next `times` requests matching `method` + `path` get `reply` instead. */
  failNext(match: { method?: string; path: string | RegExp; times?: number }, reply: CannedReply): void {
    this.faults.push({ method: match.method, path: match.path, remaining: match.times ?? 1, reply });
  }

  /** Deny an action by name (RBAC): 'listSecrets', 'models/write', 'onlineEndpoints/write', … */
  deny(action: string): void {
    this.denied.add(action);
  }

  allow(action: string): void {
    this.denied.delete(action);
  }

  /** The named deployment's create/update ends in `Failed` with this error. */
  failDeployment(name: string, error = { code: 'ResourceNotReady', message: 'User container has crashed or terminated.' }): void {
    this.deploymentOutcomes.set(name, error);
  }

  /** Let the named deployment's create/update succeed again. */
  clearDeploymentFailure(name: string): void {
    this.deploymentOutcomes.delete(name);
  }

  /** Drop every armed `failNext` fault. */
  clearFaults(): void {
    this.faults.length = 0;
  }

  /**
   * Make the scoring route answer with this reply (e.g. 424), or restore the echo. With
   * `deployment`, only calls routed to that deployment get it.
   */
  setScoringReply(reply: CannedReply | undefined, deployment?: string): void {
    if (deployment === undefined) this.scoringReply = reply;
    else if (reply) this.scoringReplies.set(deployment, reply);
    else this.scoringReplies.delete(deployment);
  }

  /** Compute scoring replies (e.g. a flow's outputs from its inputs); undefined falls back to the echo. */
  setScoringHandler(handler: ScoringHandler | undefined): void {
    this.scoringHandler = handler;
  }

  /** True while the endpoint or one of its deployments is being created, updated or deleted. */
  endpointBusy(name: string): string | undefined {
    const busy = (state: unknown) => typeof state === 'string' && /^(Creating|Updating|Deleting|Scaling)$/.test(state);
    const ep = this.endpoints.get(name);
    if (ep && busy(ep.properties.provisioningState)) return `endpoint ${name} is ${ep.properties.provisioningState}`;
    const dep = [...this.deployments.values()].find((d) => d.endpoint === name && busy(d.properties.provisioningState));
    return dep ? `deployment ${dep.name} is ${dep.properties.provisioningState}` : undefined;
  }

  /** A GitHub-style OIDC token for federated sign-in (what core.getIDToken returns). */
  mintGitHubIdToken(audience = FEDERATED_AUDIENCE, lifetimeSeconds = 300): string {
    const now = Math.floor(Date.now() / 1000);
    return makeJwt({ iss: 'https://token.actions.githubusercontent.com', aud: audience, sub: 'repo:org/repo:ref:refs/heads/main', iat: now, nbf: now - 5, exp: now + lifetimeSeconds });
  }

  requestsTo(pathPart: string | RegExp, method?: string): RecordedRequest[] {
    return this.requests.filter((r) => (!method || r.method === method) && (typeof pathPart === 'string' ? r.path.includes(pathPart) : pathPart.test(r.path)));
  }

  // ---- HTTP plumbing --------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', this.url);
    const query = Object.fromEntries(url.searchParams.entries());
    const record: RecordedRequest = { method: req.method ?? 'GET', path: url.pathname, query, status: 0 };
    this.requests.push(record);
    const send = (reply: CannedReply) => {
      record.status = reply.status;
      const headers: Record<string, string> = { 'x-ms-request-id': randomUUID(), ...reply.headers };
      if (reply.body !== undefined && !headers['content-type']) headers['content-type'] = 'application/json; charset=utf-8';
      res.writeHead(reply.status, headers);
      res.end(reply.body === undefined ? undefined : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body));
    };
    try {
      const fault = this.faults.find((f) => f.remaining > 0 && (!f.method || f.method === record.method) && (typeof f.path === 'string' ? url.pathname.includes(f.path) : f.path.test(url.pathname)));
      if (fault) {
        fault.remaining -= 1;
        send(fault.reply);
        return;
      }
      send(this.route(record, req, body, url));
    } catch (error) {
      send({ status: 500, body: { error: { code: 'InternalServerError', message: String(error) } } });
    }
  }

  private route(record: RecordedRequest, req: IncomingMessage, body: string, url: URL): CannedReply {
    const path = url.pathname;
    const method = record.method;

    // Entra ID: OpenID discovery and the v2 token endpoint.
    let m = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(path);
    if (m && method === 'GET') return { status: 200, body: this.openIdConfiguration(m[1]!) };
    m = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(path);
    if (m && method === 'POST') return this.issueToken(m[1]!, new URLSearchParams(body), record);
    m = /^\/([^/]+)\/discovery\/instance$/.exec(path);
    if (m) return { status: 200, body: { tenant_discovery_endpoint: `${this.url}/${m[1]}/v2.0/.well-known/openid-configuration`, metadata: [] } };

    // Online endpoint data plane.
    m = /^\/endpoints\/([^/]+)\/score$/.exec(path);
    if (m && method === 'POST') return this.score(m[1]!, req, body);

    // Everything else is ARM and needs an ARM bearer token.
    const auth = this.checkBearer(req);
    record.auth = auth.audience;
    if (auth.error) return auth.error;
    if (url.searchParams.get('api-version') === null) return armError(400, 'MissingApiVersionParameter', "The api-version query parameter (?api-version=) is required for all requests.");

    m = new RegExp(`^/subscriptions/([^/]+)/providers/${PROVIDER}/locations/([^/]+)/(mfeOperationsStatus|mfeOperationResults)/([^/]+)$`, 'i').exec(path);
    if (m) return this.pollOperation(m[3]!, m[4]!);

    m = new RegExp(`^/subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/${PROVIDER}/workspaces/([^/]+)(/.*)?$`, 'i').exec(path);
    if (!m) return armError(404, 'NotFound', `No route for ${method} ${path}`);
    const [, sub, rg, ws, rest = ''] = m;
    if (sub !== this.subscriptionId) return armError(404, 'SubscriptionNotFound', `The subscription '${sub}' could not be found.`);
    if (rg!.toLowerCase() !== this.resourceGroup.toLowerCase()) return armError(404, 'ResourceGroupNotFound', `Resource group '${rg}' could not be found.`);
    if (ws!.toLowerCase() !== this.workspace.toLowerCase()) return armError(404, 'ResourceNotFound', `The Resource '${PROVIDER}/workspaces/${ws}' under resource group '${rg}' was not found.`);
    const json = body ? (JSON.parse(body) as Record<string, any>) : {};
    record.body = body || undefined;
    return this.workspaceRoute(method, rest, json, url);
  }

  private workspaceRoute(method: string, rest: string, json: Record<string, any>, url: URL): CannedReply {
    const denied = (action: string) => this.denied.has(action) ? armError(403, 'AuthorizationFailed', `The client does not have authorization to perform action '${PROVIDER}/workspaces/${action}/action' over scope '${this.workspaceId}' or the scope is invalid.`) : undefined;
    let m: RegExpExecArray | null;
    if (rest === '' && method === 'GET') return denied('read') ?? { status: 200, body: this.workspaceBody() };

    // Datastores
    if (rest === '/datastores' && method === 'GET') {
      const isDefault = url.searchParams.get('isDefault');
      const value = [...this.datastores.values()].filter((d) => isDefault === null || String(d.isDefault) === isDefault).map((d) => this.datastoreBody(d));
      return { status: 200, body: { value } };
    }
    if ((m = /^\/datastores\/([^/]+)$/.exec(rest)) && method === 'GET') {
      const ds = this.datastores.get(m[1]!);
      return ds ? { status: 200, body: this.datastoreBody(ds) } : armError(404, 'UserError', `DatastoreNotFound: ${m[1]} does not exist.`);
    }
    if ((m = /^\/datastores\/([^/]+)\/listSecrets$/.exec(rest)) && method === 'POST') {
      const refusal = denied('datastores/listSecrets');
      if (refusal) return refusal;
      const ds = this.datastores.get(m[1]!);
      if (!ds) return armError(404, 'UserError', `DatastoreNotFound: ${m[1]} does not exist.`);
      if (ds.credentialsType === 'AccountKey') return { status: 200, body: { secretsType: 'AccountKey', key: ds.key } };
      if (ds.credentialsType === 'Sas') return { status: 200, body: { secretsType: 'Sas', sasToken: ds.sasToken } };
      return armError(400, 'UserError', `Datastore ${ds.name} has no secrets (credential-less datastore).`);
    }

    // Model containers and versions
    if (rest === '/models' && method === 'GET') {
      return { status: 200, body: { value: [...this.modelContainers.keys()].map((n) => this.modelContainerBody(n)) } };
    }
    if ((m = /^\/models\/([^/]+)$/.exec(rest))) {
      const name = decodeURIComponent(m[1]!);
      if (method === 'GET') return this.modelContainers.has(name) ? { status: 200, body: this.modelContainerBody(name) } : armError(404, 'UserError', `Could not find asset with name ${name}`);
      if (method === 'PUT') {
        const refusal = denied('models/write');
        if (refusal) return refusal;
        const existed = this.modelContainers.has(name);
        const p = json.properties ?? {};
        this.modelContainers.set(name, { description: p.description, tags: p.tags ?? {}, properties: p.properties ?? {} });
        return { status: existed ? 200 : 201, body: this.modelContainerBody(name) };
      }
    }
    if ((m = /^\/models\/([^/]+)\/versions$/.exec(rest)) && method === 'GET') {
      const name = decodeURIComponent(m[1]!);
      let versions = [...(this.modelVersions.get(name) ?? [])];
      const tags = url.searchParams.get('tags');
      if (tags) versions = versions.filter((v) => matchesTagFilter((v.properties.tags ?? {}) as Record<string, string>, tags));
      const version = url.searchParams.get('version');
      if (version) versions = versions.filter((v) => v.version === version);
      versions.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || Number(b.version) - Number(a.version));
      const top = Number(url.searchParams.get('$top') ?? versions.length);
      return { status: 200, body: { value: versions.slice(0, top).map((v) => this.modelVersionBody(v)) } };
    }
    if ((m = /^\/models\/([^/]+)\/versions\/([^/]+)$/.exec(rest))) {
      const name = decodeURIComponent(m[1]!);
      const version = decodeURIComponent(m[2]!);
      const existing = (this.modelVersions.get(name) ?? []).find((v) => v.version === version);
      if (method === 'GET') return existing ? { status: 200, body: this.modelVersionBody(existing) } : armError(404, 'UserError', `Could not find asset with name ${name} and version ${version}`);
      if (method === 'PUT') {
        const refusal = denied('models/versions/write');
        if (refusal) return refusal;
        const p = { ...(json.properties ?? {}) } as Record<string, unknown>;
        if (typeof p.modelUri !== 'string' || !p.modelUri) return armError(400, 'UserError', 'Model path (modelUri) is required.');
        if (existing) {
          if (existing.properties.modelUri !== p.modelUri) return armError(400, 'UserError', 'Asset paths cannot be updated.');
          existing.properties = { ...existing.properties, description: p.description, tags: p.tags ?? {}, properties: { ...(existing.properties.properties as object), ...(p.properties as object) } };
          return { status: 200, body: this.modelVersionBody(existing) };
        }
        if (!this.modelContainers.has(name)) this.modelContainers.set(name, { tags: {}, properties: {} });
        const created: FakeModelVersion = { name, version, properties: { ...p, tags: p.tags ?? {}, properties: p.properties ?? {}, isAnonymous: false, isArchived: false }, createdAt: new Date().toISOString() };
        this.modelVersions.set(name, [...(this.modelVersions.get(name) ?? []), created]);
        return { status: 201, body: this.modelVersionBody(created) };
      }
    }

    // Online endpoints
    if (rest === '/onlineEndpoints' && method === 'GET') return { status: 200, body: { value: [...this.endpoints.values()].map((e) => this.endpointBody(e)) } };
    if ((m = /^\/onlineEndpoints\/([^/]+)$/.exec(rest))) return this.endpointRoute(method, m[1]!, json, denied);
    if ((m = /^\/onlineEndpoints\/([^/]+)\/listKeys$/.exec(rest)) && method === 'POST') {
      const ep = this.endpoints.get(m[1]!);
      if (!ep) return armError(404, 'EndpointNotFound', `Endpoint ${m[1]} not found.`);
      return denied('onlineEndpoints/listKeys') ?? { status: 200, body: ep.keys };
    }
    if ((m = /^\/onlineEndpoints\/([^/]+)\/deployments$/.exec(rest)) && method === 'GET') {
      if (!this.endpoints.has(m[1]!)) return armError(404, 'EndpointNotFound', `Endpoint ${m[1]} not found.`);
      return { status: 200, body: { value: [...this.deployments.values()].filter((d) => d.endpoint === m![1]).map((d) => this.deploymentBody(d)) } };
    }
    if ((m = /^\/onlineEndpoints\/([^/]+)\/deployments\/([^/]+)$/.exec(rest))) return this.deploymentRoute(method, m[1]!, m[2]!, json, denied);
    if ((m = /^\/onlineEndpoints\/([^/]+)\/deployments\/([^/]+)\/getLogs$/.exec(rest)) && method === 'POST') {
      const key = `${m[1]}/${m[2]}`;
      if (!this.deployments.has(key)) return armError(404, 'DeploymentNotFound', `Deployment ${m[2]} not found.`);
      const content = this.deploymentLogs.get(`${key}/${json.containerType ?? 'InferenceServer'}`) ?? this.deploymentLogs.get(key) ?? `${json.containerType ?? 'InferenceServer'} log for ${m[2]}\n`;
      const tail = typeof json.tail === 'number' ? content.split('\n').slice(-json.tail - 1).join('\n') : content;
      return { status: 200, body: { content: tail } };
    }
    // Environment versions (synchronous, immutable once created, as the service treats them)
    if ((m = /^\/environments\/([^/]+)\/versions\/([^/]+)$/.exec(rest))) {
      const key = `${decodeURIComponent(m[1]!)}:${decodeURIComponent(m[2]!)}`;
      const existing = this.environmentVersions.get(key);
      if (method === 'GET') return existing ? { status: 200, body: this.environmentBody(existing) } : armError(404, 'UserError', `Could not find asset with name ${decodeURIComponent(m[1]!)} and version ${decodeURIComponent(m[2]!)}`);
      if (method === 'PUT') {
        const refusal = denied('environments/versions/write');
        if (refusal) return refusal;
        const p = (json.properties ?? {}) as Record<string, unknown>;
        if (!p.image && !p.build) return armError(400, 'UserError', 'An environment needs an image or a build context.');
        if (existing) {
          if (JSON.stringify(existing.properties.image) !== JSON.stringify(p.image) || JSON.stringify(existing.properties.build) !== JSON.stringify(p.build)) return armError(409, 'UserError', 'Environment versions are immutable; use a new version.');
          return { status: 200, body: this.environmentBody(existing) };
        }
        const created: FakeEnvironmentVersion = { name: decodeURIComponent(m[1]!), version: decodeURIComponent(m[2]!), properties: { ...p, environmentType: 'UserCreated' } };
        this.environmentVersions.set(key, created);
        return { status: 201, body: this.environmentBody(created) };
      }
    }

    // Azure RBAC at the workspace scope (Microsoft.Authorization, its own api-version)
    if (rest === '/providers/Microsoft.Authorization/roleAssignments' && method === 'GET') {
      if (this.denied.has('roleAssignments/read')) return armError(403, 'AuthorizationFailed', `The client does not have authorization to perform action 'Microsoft.Authorization/roleAssignments/read' over scope '${this.workspaceId}'.`);
      const filter = /principalId eq '([^']+)'/.exec(url.searchParams.get('$filter') ?? '')?.[1];
      const value = [...this.roleAssignments.values()].filter((a) => !filter || a.principalId === filter).map((a) => this.roleAssignmentBody(a));
      return { status: 200, body: { value } };
    }
    if ((m = /^\/providers\/Microsoft\.Authorization\/roleAssignments\/([^/]+)$/.exec(rest)) && method === 'PUT') {
      if (this.denied.has('roleAssignments/write')) return armError(403, 'AuthorizationFailed', `The client does not have authorization to perform action 'Microsoft.Authorization/roleAssignments/write' over scope '${this.workspaceId}/providers/Microsoft.Authorization/roleAssignments/${m[1]}'.`);
      const p = json.properties ?? {};
      if (!p.roleDefinitionId || !p.principalId) return armError(400, 'InvalidRoleAssignmentRequest', 'roleDefinitionId and principalId are required.');
      const duplicate = [...this.roleAssignments.values()].find((a) => a.name !== m![1] && a.principalId === p.principalId && a.roleDefinitionId.toLowerCase() === String(p.roleDefinitionId).toLowerCase());
      if (duplicate) return armError(409, 'RoleAssignmentExists', 'The role assignment already exists.');
      const assignment: FakeRoleAssignment = { name: m[1]!, scope: this.workspaceId, roleDefinitionId: p.roleDefinitionId, principalId: p.principalId, principalType: p.principalType };
      this.roleAssignments.set(assignment.name, assignment);
      return { status: 201, body: this.roleAssignmentBody(assignment) };
    }
    return armError(404, 'NotFound', `No route for ${method} ${rest || '/'}`);
  }

  private endpointRoute(method: string, name: string, json: Record<string, any>, denied: (a: string) => CannedReply | undefined): CannedReply {
    const existing = this.endpoints.get(name);
    if (method === 'GET') return existing ? { status: 200, body: this.endpointBody(existing) } : armError(404, 'EndpointNotFound', `Endpoint ${name} not found.`);
    if (method === 'PUT') {
      const refusal = denied('onlineEndpoints/write');
      if (refusal) return refusal;
      const busy = this.endpointBusy(name);
      if (busy) return armError(409, 'Conflict', `Another operation is in progress on endpoint ${name} (${busy}).`);
      const props = json.properties ?? {};
      const traffic = (props.traffic ?? {}) as Record<string, number>;
      const invalid = this.validateTraffic(name, traffic);
      if (invalid) return invalid;
      const ep: FakeEndpoint = existing ?? {
        name, location: json.location ?? this.location, tags: {}, identity: { type: json.identity?.type ?? 'SystemAssigned', principalId: randomUUID(), tenantId: randomUUID() },
        properties: { traffic: {}, provisioningState: 'Creating' },
        keys: { primaryKey: randomBytes(24).toString('base64'), secondaryKey: randomBytes(24).toString('base64') }
      };
      ep.tags = json.tags ?? ep.tags;
      ep.properties = { ...props, traffic, scoringUri: `${this.url}/endpoints/${name}/score`, swaggerUri: `${this.url}/endpoints/${name}/swagger.json`, provisioningState: existing ? 'Updating' : 'Creating' };
      this.endpoints.set(name, ep);
      return this.startOperation('async', existing ? 200 : 201, this.endpointBody(ep), () => { ep.properties.provisioningState = 'Succeeded'; return undefined; });
    }
    if (method === 'DELETE') {
      if (!existing) return { status: 204 };
      existing.properties.provisioningState = 'Deleting';
      return this.startOperation('location', 202, undefined, () => {
        this.endpoints.delete(name);
        for (const key of [...this.deployments.keys()]) if (key.startsWith(`${name}/`)) this.deployments.delete(key);
        return undefined;
      });
    }
    return armError(405, 'MethodNotAllowed', `${method} is not supported on online endpoints.`);
  }

  private deploymentRoute(method: string, endpoint: string, name: string, json: Record<string, any>, denied: (a: string) => CannedReply | undefined): CannedReply {
    const key = `${endpoint}/${name}`;
    const existing = this.deployments.get(key);
    const ep = this.endpoints.get(endpoint);
    if (!ep) return armError(404, 'EndpointNotFound', `Endpoint ${endpoint} not found.`);
    if (method === 'GET') return existing ? { status: 200, body: this.deploymentBody(existing) } : armError(404, 'DeploymentNotFound', `Deployment ${name} not found.`);
    if (method === 'PUT') {
      const refusal = denied('onlineDeployments/write');
      if (refusal) return refusal;
      const busy = this.endpointBusy(endpoint);
      if (busy) return armError(409, 'Conflict', `Another operation is in progress on endpoint ${endpoint} (${busy}).`);
      const dep: FakeDeployment = existing ?? { endpoint, name, location: json.location ?? this.location, tags: {}, properties: { provisioningState: 'Creating' } };
      dep.tags = json.tags ?? dep.tags;
      dep.sku = json.sku ?? dep.sku;
      dep.properties = { ...(json.properties ?? {}), provisioningState: existing ? 'Updating' : 'Creating' };
      this.deployments.set(key, dep);
      return this.startOperation('async', existing ? 200 : 201, this.deploymentBody(dep), () => {
        const failure = this.deploymentOutcomes.get(name);
        dep.properties.provisioningState = failure ? 'Failed' : 'Succeeded';
        return failure;
      });
    }
    if (method === 'DELETE') {
      if (!existing) return { status: 204 };
      const busy = this.endpointBusy(endpoint);
      if (busy) return armError(409, 'Conflict', `Another operation is in progress on endpoint ${endpoint} (${busy}).`);
      if ((ep.properties.traffic[name] ?? 0) > 0) return armError(400, 'BadArgument', `Deployment ${name} has ${ep.properties.traffic[name]}% traffic; set its traffic to 0 before deleting it.`);
      existing.properties.provisioningState = 'Deleting';
      return this.startOperation('location', 202, undefined, () => { this.deployments.delete(key); return undefined; });
    }
    return armError(405, 'MethodNotAllowed', `${method} is not supported on online deployments.`);
  }

  private validateTraffic(endpoint: string, traffic: Record<string, number>): CannedReply | undefined {
    const total = Object.values(traffic).reduce((a, b) => a + b, 0);
    if (total !== 0 && total !== 100) return armError(400, 'BadArgument', `Traffic values must sum to 0 or 100; got ${total}.`);
    for (const dep of Object.keys(traffic)) {
      if (!this.deployments.has(`${endpoint}/${dep}`)) return armError(400, 'BadArgument', `Deployment ${dep} does not exist on endpoint ${endpoint}.`);
    }
    return undefined;
  }

  private score(endpoint: string, req: IncomingMessage, body: string): CannedReply {
    const ep = this.endpoints.get(endpoint);
    if (!ep) return { status: 404, body: 'Not found' };
    const header = req.headers.authorization ?? '';
    if (header !== `Bearer ${ep.keys.primaryKey}` && header !== `Bearer ${ep.keys.secondaryKey}`) return { status: 401, body: { message: 'Unauthorized' } };
    const requested = req.headers['azureml-model-deployment'];
    const deployment = typeof requested === 'string' ? requested : Object.entries(ep.properties.traffic).find(([, w]) => w > 0)?.[0];
    const call = { endpoint, deployment, pinned: typeof requested === 'string', status: 404 };
    this.scoringCalls.push(call);
    if (!deployment || !this.deployments.has(`${endpoint}/${deployment}`)) return { status: 404, body: { message: 'No valid deployments to route to.' } };
    const input = body ? JSON.parse(body) : null;
    const reply = this.scoringReplies.get(deployment) ?? this.scoringReply ?? this.scoringHandler?.(deployment, input, req.headers) ?? { status: 200, body: { deployment, input } };
    call.status = reply.status;
    return reply;
  }

  // ---- long-running operations ------------------------------------------------------------

  /** Start an LRO: PUT answers with Azure-AsyncOperation, DELETE with Location (+ Retry-After-free polling). */
  startOperation(kind: 'async' | 'location', status: number, body: unknown, finish: Operation['finish']): CannedReply {
    const id = randomUUID();
    this.operations.set(id, { id, kind, pollsLeft: this.lroPolls, finish });
    const base = `${this.url}/subscriptions/${this.subscriptionId}/providers/${PROVIDER}/locations/${this.location}`;
    const headers: Record<string, string> = kind === 'async'
      ? { 'azure-asyncoperation': `${base}/mfeOperationsStatus/${id}?api-version=2022-10-01` }
      : { location: `${base}/mfeOperationResults/${id}?api-version=2022-10-01` };
    return { status, body, headers };
  }

  private pollOperation(kind: string, id: string): CannedReply {
    const op = this.operations.get(id);
    if (!op) return armError(404, 'NotFound', `Operation ${id} not found.`);
    if (!op.outcome && op.pollsLeft > 0) {
      op.pollsLeft -= 1;
    } else if (!op.outcome) {
      const error = op.finish();
      op.outcome = error ? { status: 'Failed', error } : { status: 'Succeeded' };
    }
    if (kind.toLowerCase() === 'mfeoperationresults') {
      if (!op.outcome) return { status: 202, headers: { location: `${this.url}/subscriptions/${this.subscriptionId}/providers/${PROVIDER}/locations/${this.location}/mfeOperationResults/${id}?api-version=2022-10-01` } };
      return op.outcome.error ? { status: 400, body: { error: op.outcome.error } } : { status: 200 };
    }
    if (!op.outcome) return { status: 200, body: { id, name: id, status: 'InProgress' } };
    return { status: 200, body: { id, name: id, status: op.outcome.status, ...(op.outcome.error ? { error: op.outcome.error } : {}) } };
  }

  // ---- identity ------------------------------------------------------------------------

  private openIdConfiguration(tenant: string): Record<string, unknown> {
    const base = `${this.url}/${tenant}`;
    return {
      token_endpoint: `${base}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${base}/discovery/v2.0/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: `${base}/v2.0`,
      request_uri_parameter_supported: false,
      userinfo_endpoint: `${this.url}/oidc/userinfo`,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat'],
      tenant_region_scope: 'NA',
      cloud_instance_name: 'microsoftonline.com',
      cloud_graph_host_name: 'graph.windows.net',
      msgraph_host: 'graph.microsoft.com'
    };
  }

  private issueToken(tenant: string, form: URLSearchParams, record: RecordedRequest): CannedReply {
    const clientId = form.get('client_id') ?? '';
    const scope = form.get('scope') ?? '';
    const sp = this.servicePrincipals.get(clientId);
    const aadError = (status: number, error: string, description: string) => ({ status, body: { error, error_description: description, error_codes: [Number(/AADSTS(\d+)/.exec(description)?.[1] ?? 0)], timestamp: new Date().toISOString(), trace_id: randomUUID(), correlation_id: randomUUID() } });
    if (form.get('grant_type') !== 'client_credentials') return aadError(400, 'unsupported_grant_type', 'AADSTS70003: The app requested an unsupported grant type.');
    if (!sp || sp.tenantId !== tenant) return aadError(400, 'unauthorized_client', `AADSTS700016: Application with identifier '${clientId}' was not found in the directory '${tenant}'.`);
    const assertion = form.get('client_assertion');
    if (assertion) {
      record.auth = 'assertion';
      this.assertionsSeen.push(assertion);
      const claims = decodeJwt(assertion);
      if (!sp.federated) return aadError(401, 'invalid_client', 'AADSTS70021: No matching federated identity record found for presented assertion.');
      if (!claims || claims.aud !== FEDERATED_AUDIENCE) return aadError(400, 'invalid_client', `AADSTS700212: No matching federated identity record found for presented assertion audience '${String(claims?.aud)}'.`);
      if (typeof claims.exp !== 'number' || claims.exp * 1000 < Date.now()) return aadError(400, 'invalid_client', 'AADSTS700024: Client assertion is not within its valid time range.');
    } else {
      record.auth = 'secret';
      if (!sp.secret || form.get('client_secret') !== sp.secret) return aadError(401, 'invalid_client', `AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`);
    }
    const audience = scope.split(' ').find((s) => s.endsWith('/.default'))?.replace(/\/\.default$/, '') ?? '';
    if (!audience) return aadError(400, 'invalid_scope', `AADSTS1002012: The provided value for scope ${scope} is not valid.`);
    const now = Math.floor(Date.now() / 1000);
    const token = makeJwt({ aud: audience, iss: `https://sts.windows.net/${tenant}/`, tid: tenant, appid: clientId, oid: randomUUID(), iat: now, nbf: now - 60, exp: now + 3600 });
    this.tokens.set(token, { audience, clientId, tenantId: tenant, expiresOn: (now + 3600) * 1000 });
    return { status: 200, body: { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: token } };
  }

  private checkBearer(req: IncomingMessage): { audience?: string; error?: CannedReply } {
    const header = req.headers.authorization;
    const challenge = { 'www-authenticate': `Bearer authorization_uri="${this.url}/common", error="invalid_token"` };
    if (!header?.startsWith('Bearer ')) return { error: { status: 401, headers: challenge, body: { error: { code: 'AuthenticationFailed', message: "Authentication failed. The 'Authorization' header is missing." } } } };
    const issued = this.tokens.get(header.slice('Bearer '.length));
    if (!issued || issued.expiresOn < Date.now()) return { error: { status: 401, headers: challenge, body: { error: { code: 'InvalidAuthenticationToken', message: 'The access token is invalid.' } } } };
    if (issued.audience.replace(/\/$/, '') !== this.url && issued.audience.replace(/\/$/, '') !== 'https://management.azure.com') {
      return { audience: issued.audience, error: { status: 401, headers: challenge, body: { error: { code: 'InvalidAuthenticationTokenAudience', message: `The access token has been obtained for wrong audience or resource '${issued.audience}'.` } } } };
    }
    return { audience: issued.audience };
  }

  // ---- resource bodies (REST shape, api-version 2022-10-01) ----------------------------

  private systemData() {
    const now = new Date().toISOString();
    return { createdAt: now, createdBy: 'fake', createdByType: 'Application', lastModifiedAt: now, lastModifiedBy: 'fake', lastModifiedByType: 'Application' };
  }

  private workspaceBody() {
    return {
      id: this.workspaceId, name: this.workspace, type: `${PROVIDER}/workspaces`, location: this.location, tags: {},
      identity: { type: 'SystemAssigned', principalId: randomUUID(), tenantId: randomUUID() },
      sku: { name: 'Basic', tier: 'Basic' },
      properties: {
        friendlyName: this.workspace, workspaceId: '11111111-2222-3333-4444-555555555555',
        storageAccount: `/subscriptions/${this.subscriptionId}/resourceGroups/${this.resourceGroup}/providers/Microsoft.Storage/storageAccounts/stllmops`,
        discoveryUrl: `https://${this.location}.api.azureml.ms/discovery`,
        mlFlowTrackingUri: `azureml://${this.location}.api.azureml.ms/mlflow/v1.0${this.workspaceId}`,
        provisioningState: 'Succeeded', publicNetworkAccess: 'Enabled'
      },
      systemData: this.systemData()
    };
  }

  private datastoreBody(ds: FakeDatastore) {
    return {
      id: `${this.workspaceId}/datastores/${ds.name}`, name: ds.name, type: `${PROVIDER}/workspaces/datastores`,
      properties: {
        datastoreType: 'AzureBlob', accountName: ds.accountName, containerName: ds.containerName, endpoint: ds.endpoint, protocol: ds.protocol,
        credentials: { credentialsType: ds.credentialsType }, isDefault: ds.isDefault, description: null, tags: {}, properties: {},
        serviceDataAccessAuthIdentity: 'None'
      },
      systemData: this.systemData()
    };
  }

  private modelContainerBody(name: string) {
    const c = this.modelContainers.get(name)!;
    const versions = (this.modelVersions.get(name) ?? []).map((v) => Number(v.version)).filter((n) => Number.isInteger(n));
    const latest = versions.length ? Math.max(...versions) : undefined;
    return {
      id: `${this.workspaceId}/models/${name}`, name, type: `${PROVIDER}/workspaces/models`,
      properties: { description: c.description ?? null, tags: c.tags, properties: c.properties, isArchived: false, latestVersion: latest === undefined ? null : String(latest), nextVersion: String((latest ?? 0) + 1) },
      systemData: this.systemData()
    };
  }

  private modelVersionBody(v: FakeModelVersion) {
    return { id: `${this.workspaceId}/models/${v.name}/versions/${v.version}`, name: v.version, type: `${PROVIDER}/workspaces/models/versions`, properties: v.properties, systemData: { ...this.systemData(), createdAt: v.createdAt } };
  }

  private endpointBody(ep: FakeEndpoint) {
    return { id: `${this.workspaceId}/onlineEndpoints/${ep.name}`, name: ep.name, type: `${PROVIDER}/workspaces/onlineEndpoints`, location: ep.location, tags: ep.tags, identity: ep.identity, kind: 'Managed', properties: { authMode: 'Key', ...ep.properties }, systemData: this.systemData() };
  }

  private environmentBody(e: FakeEnvironmentVersion) {
    return { id: `${this.workspaceId}/environments/${e.name}/versions/${e.version}`, name: e.version, type: `${PROVIDER}/workspaces/environments/versions`, properties: e.properties, systemData: this.systemData() };
  }

  private roleAssignmentBody(a: FakeRoleAssignment) {
    return { id: `${a.scope}/providers/Microsoft.Authorization/roleAssignments/${a.name}`, name: a.name, type: 'Microsoft.Authorization/roleAssignments', properties: { scope: a.scope, roleDefinitionId: a.roleDefinitionId, principalId: a.principalId, principalType: a.principalType } };
  }

  private deploymentBody(d: FakeDeployment) {
    return { id: `${this.workspaceId}/onlineEndpoints/${d.endpoint}/deployments/${d.name}`, name: d.name, type: `${PROVIDER}/workspaces/onlineEndpoints/deployments`, location: d.location, tags: d.tags, kind: 'Managed', sku: d.sku, properties: { endpointComputeType: 'Managed', ...d.properties }, systemData: this.systemData() };
  }
}

/** The ARM error envelope. */
export function armError(status: number, code: string, message: string): CannedReply {
  return { status, body: { error: { code, message, details: [], additionalInfo: [] } } };
}

/** The model/version list `tags` filter: `k1,k2=v2` means tag k1 present and tag k2 equal to v2. */
function matchesTagFilter(tags: Record<string, string>, filter: string): boolean {
  return filter.split(',').every((part) => {
    const eq = part.indexOf('=');
    if (eq < 0) return part.trim() in tags;
    return tags[part.slice(0, eq).trim()] === part.slice(eq + 1).trim();
  });
}
