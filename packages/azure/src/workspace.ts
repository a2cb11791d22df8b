import type { TokenCredential } from '@azure/core-auth';
import { AzureMachineLearningWorkspaces, type Workspace } from '@azure/arm-machinelearning';
import { createHttpHeaders, createPipelineRequest, isRestError, RestError, type HttpMethods } from '@azure/core-rest-pipeline';
import { silentLog, UserError, type Log } from '@llmops/common';
import { armScope, DEFAULT_ARM_ENDPOINT, type AzureConnectionOptions } from './connection.js';
import type { ResolvedAzureCredential } from './credentials.js';

/** Which workspace, by its three coordinates. */
export interface WorkspaceRef {
  subscriptionId: string;
  resourceGroup: string;
  workspace: string;
}

export interface WorkspaceClientOptions extends WorkspaceRef {
  credential: TokenCredential;
  connection?: AzureConnectionOptions;
  log?: Log;
  /** Status poll interval of long-running operations, default 5 s (Retry-After wins when sent). */
  pollIntervalMs?: number;
  /** Upper bound for one long-running operation, default 45 min (deployments can take 30+). */
  maxWaitMs?: number;
  /** Retries of 409 Conflict / OperationCanceled (an endpoint busy updating). */
  retry?: { attempts?: number; baseDelayMs?: number };
}

/** The 2.1.1 SDK's api-version; raw calls default to it too. */
export const ARM_API_VERSION = '2022-10-01';

type Arm = AzureMachineLearningWorkspaces;

/** What a begin*() of the 2.1.1 SDK returns (core-lro 2.x PollerLike), reduced to what we use. */
export interface LroPoller<T> {
  pollUntilDone(): Promise<T>;
  stopPolling(): void;
}

export interface RawResponse<T> {
  status: number;
  headers: Record<string, string>;
  body: T;
}

/**
 * One Azure ML workspace, reached through `@azure/arm-machinelearning` 2.1.1 plus raw REST
 * for what that SDK drops. Every call goes through `call()` / `poll()` / `rest()`, which add
 * the 409/OperationCanceled retry and turn 401/403/404 into UserErrors naming the
 * subscription, resource group and workspace.
 *
 * Extending it (endpoints, deployments, keys, logs): use `client.call('what', (arm, rg, ws) =>
 * arm.onlineEndpoints.get(rg, ws, name))`, `client.poll('what', (arm, rg, ws, o) =>
 * arm.onlineDeployments.beginCreateOrUpdate(rg, ws, ep, dep, body, o))`, and `client.rest()`
 * for fields 2.1.1 cannot carry (mirrorTraffic, job inputs).
 */
export class WorkspaceClient implements WorkspaceRef {
  readonly arm: Arm;
  readonly credential: TokenCredential;
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly workspace: string;
  readonly armEndpoint: string;
  readonly connection: AzureConnectionOptions;
  readonly log: Log;
  private readonly pollIntervalMs: number;
  private readonly maxWaitMs: number;
  private readonly retryAttempts: number;
  private readonly retryBaseDelayMs: number;

  constructor(options: WorkspaceClientOptions) {
    this.credential = options.credential;
    this.subscriptionId = options.subscriptionId;
    this.resourceGroup = options.resourceGroup;
    this.workspace = options.workspace;
    this.connection = options.connection ?? {};
    this.armEndpoint = (this.connection.armEndpoint ?? DEFAULT_ARM_ENDPOINT).replace(/\/+$/, '');
    this.log = options.log ?? silentLog;
    this.pollIntervalMs = options.pollIntervalMs ?? 5000;
    this.maxWaitMs = options.maxWaitMs ?? 45 * 60_000;
    this.retryAttempts = options.retry?.attempts ?? 4;
    this.retryBaseDelayMs = options.retry?.baseDelayMs ?? 5000;
    // 2.1.1 builds URLs from `$host` and scopes tokens from `endpoint`: set both.
    this.arm = new AzureMachineLearningWorkspaces(this.credential, this.subscriptionId, {
      endpoint: this.armEndpoint,
      $host: this.armEndpoint,
      credentialScopes: [armScope(this.armEndpoint)],
      ...(this.connection.tlsOptions ? { tlsOptions: this.connection.tlsOptions } : {})
    });
  }

  /** A client for the workspace named by the `resource-group` and `workspace` inputs. */
  static fromCredential(resolved: ResolvedAzureCredential, target: { resourceGroup?: string; workspace?: string }, options: Omit<WorkspaceClientOptions, keyof WorkspaceRef | 'credential' | 'connection'> = {}): WorkspaceClient {
    const resourceGroup = target.resourceGroup?.trim();
    const workspace = target.workspace?.trim();
    if (!resourceGroup) throw new UserError('The `resource-group` input is required to reach the Azure ML workspace', { field: 'resource-group', code: 'MissingAzureInput' });
    if (!workspace) throw new UserError('The `workspace` input is required (the Azure ML workspace name)', { field: 'workspace', code: 'MissingAzureInput' });
    return new WorkspaceClient({ ...options, credential: resolved.credential, subscriptionId: resolved.subscriptionId, resourceGroup, workspace, connection: resolved.connection });
  }

  /** `/subscriptions/…/resourceGroups/…/providers/Microsoft.MachineLearningServices/workspaces/…` */
  get workspaceArmId(): string {
    return `/subscriptions/${this.subscriptionId}/resourceGroups/${this.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${this.workspace}`;
  }

  /** "workspace 'w' in resource group 'g' (subscription 's')", for messages. */
  describe(): string {
    return `workspace '${this.workspace}' in resource group '${this.resourceGroup}' (subscription '${this.subscriptionId}')`;
  }

  /** Run one SDK call with the retry and error mapping. */
  async call<T>(what: string, fn: (arm: Arm, resourceGroup: string, workspace: string) => Promise<T>): Promise<T> {
    return this.withRetry(what, () => fn(this.arm, this.resourceGroup, this.workspace));
  }

  /** Like `call()`, but a 404 means "absent" and yields undefined. */
  async find<T>(what: string, fn: (arm: Arm, resourceGroup: string, workspace: string) => Promise<T>): Promise<T | undefined> {
    try {
      return await this.withRetry(what, () => fn(this.arm, this.resourceGroup, this.workspace), { rawNotFound: true });
    } catch (error) {
      if (isRestError(error) && error.statusCode === 404 && !isContainerMissing(error)) return undefined;
      throw error instanceof RestError ? this.explain(what, error) : error;
    }
  }

  /**
   * Run a long-running operation to its end, polling at our interval and giving up after
   * `maxWaitMs`. A terminal `Failed`/`Canceled` rejects with the service's error.
   */
  async poll<T>(what: string, begin: (arm: Arm, resourceGroup: string, workspace: string, options: { updateIntervalInMs: number }) => Promise<LroPoller<T>>): Promise<T> {
    try {
      return await this.pollOnce(what, begin);
    } catch (error) {
      // core-lro reports a Failed/Canceled operation as a plain Error: say which one failed.
      if (error instanceof UserError || isRestError(error) || !(error instanceof Error) || error.message.startsWith(what)) throw error;
      throw new Error(`${what} failed in ${this.describe()}: ${error.message}`, { cause: error });
    }
  }

  private async pollOnce<T>(what: string, begin: (arm: Arm, resourceGroup: string, workspace: string, options: { updateIntervalInMs: number }) => Promise<LroPoller<T>>): Promise<T> {
    return this.withRetry(what, async () => {
      const poller = await begin(this.arm, this.resourceGroup, this.workspace, { updateIntervalInMs: this.pollIntervalMs });
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          poller.stopPolling();
          reject(new UserError(`${what}: still not finished after ${Math.round(this.maxWaitMs / 60_000)} min in ${this.describe()}; it may still complete in Azure`, { code: 'AzureOperationTimeout' }));
        }, this.maxWaitMs);
      });
      try {
        return await Promise.race([poller.pollUntilDone(), timeout]);
      } finally {
        clearTimeout(timer);
      }
    });
  }

  /**
   * A raw ARM request through the client's pipeline (bearer token, retries, TLS), for what
   * 2.1.1 drops. `path` is relative to the workspace (`/onlineEndpoints/x`) or absolute
   * (`/subscriptions/…`). Non-2xx answers throw like SDK calls do.
   */
  async rest<T = unknown>(what: string, request: { method: HttpMethods; path: string; apiVersion?: string; body?: unknown; query?: Record<string, string> }): Promise<RawResponse<T>> {
    return this.withRetry(what, async () => {
      const path = request.path.startsWith('/subscriptions/') ? request.path : `${this.workspaceArmId}${request.path}`;
      const url = new URL(`${this.armEndpoint}${path}`);
      url.searchParams.set('api-version', request.apiVersion ?? ARM_API_VERSION);
      for (const [k, v] of Object.entries(request.query ?? {})) url.searchParams.set(k, v);
      const pipelineRequest = createPipelineRequest({
        url: url.toString(),
        method: request.method,
        headers: createHttpHeaders({ 'content-type': 'application/json', accept: 'application/json' }),
        body: request.body === undefined ? undefined : JSON.stringify(request.body)
      });
      const response = await this.arm.sendRequest(pipelineRequest);
      const text = response.bodyAsText ?? '';
      let body: unknown = undefined;
      try { body = text ? JSON.parse(text) : undefined; } catch { body = text; }
      if (response.status >= 400) {
        const err = (body as { error?: { code?: string; message?: string } } | undefined)?.error;
        throw new RestError(err?.message ?? `HTTP ${response.status}`, { code: err?.code, statusCode: response.status, request: pipelineRequest, response });
      }
      return { status: response.status, headers: response.headers.toJSON(), body: body as T };
    });
  }

  /** The workspace itself (also the cheapest check that the coordinates and role are right). */
  async getWorkspace(): Promise<Workspace> {
    return this.call('Reading the workspace', (arm, rg, ws) => arm.workspaces.get(rg, ws));
  }

  private async withRetry<T>(what: string, attempt: () => Promise<T>, options: { rawNotFound?: boolean } = {}): Promise<T> {
    for (let i = 1; ; i += 1) {
      try {
        return await attempt();
      } catch (error) {
        if (isBusy(error) && i < this.retryAttempts) {
          const delay = this.retryBaseDelayMs * 2 ** (i - 1);
          this.log.info(`${what}: the workspace is busy (${describeRestError(error)}); retrying in ${Math.round(delay / 1000)} s (attempt ${i + 1} of ${this.retryAttempts}).`);
          await new Promise((r) => setTimeout(r, delay));
          continue;
        }
        if (options.rawNotFound && isRestError(error) && error.statusCode === 404) throw error;
        throw isRestError(error) ? this.explain(what, error) : error;
      }
    }
  }

  /** Turn ARM's 401/403/404 into one actionable line; other failures keep their details. */
  explain(what: string, error: RestError): Error {
    const detail = describeRestError(error);
    const where = this.describe();
    switch (error.statusCode) {
      case 401:
        return new UserError(`${what}: Azure rejected the credential for ${where} (${detail}); check the Azure sign-in inputs and that the subscription belongs to the credential's tenant`, { field: 'azure-credentials', code: 'AzureUnauthorized', cause: error });
      case 403:
        return new UserError(`${what}: permission denied in ${where} (${detail}); give the signed-in principal the 'AzureML Data Scientist' or Contributor role on the workspace`, { code: 'AzureForbidden', cause: error });
      case 404: {
        const code = error.code ?? '';
        const field = /Subscription/i.test(code) ? 'subscription' : /ResourceGroup/i.test(code) ? 'resource-group' : isContainerMissing(error) ? 'workspace' : undefined;
        const hint = field ? `; check the \`${field}\` input` : '';
        return new UserError(`${what}: not found in ${where} (${detail})${hint}`, { field, code: 'AzureNotFound', cause: error });
      }
      default:
        return new Error(`${what} failed in ${where}: ${detail}`, { cause: error });
    }
  }
}

/** 404s that mean the subscription, resource group or workspace is wrong, not the asset missing. */
function isContainerMissing(error: RestError): boolean {
  const code = error.code ?? '';
  return /SubscriptionNotFound|ResourceGroupNotFound/i.test(code) || (code === 'ResourceNotFound' && /workspaces\//i.test(error.message));
}

function isBusy(error: unknown): boolean {
  if (isRestError(error)) return error.statusCode === 409 || error.code === 'OperationCanceled' || /OperationCanceled/.test(error.message);
  return error instanceof Error && /OperationCanceled/.test(error.message);
}

/** `403 AuthorizationFailed: <service message>` (the service never returns secrets here). */
export function describeRestError(error: unknown): string {
  if (!isRestError(error)) return error instanceof Error ? error.message : String(error);
  const message = error.message.split(/\r?\n/)[0]!.slice(0, 500);
  return [error.statusCode, error.code].filter((x) => x !== undefined && x !== '').join(' ') + `: ${message}`;
}
