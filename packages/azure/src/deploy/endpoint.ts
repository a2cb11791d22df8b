import type { OnlineDeployment, OnlineEndpoint } from '@azure/arm-machinelearning';
import { UserError, type Log } from '@llmops/common';
import type { WorkspaceClient } from '../workspace.js';

/** States in which Azure is still changing the resource: never start another change then. */
const BUSY_STATES = new Set(['creating', 'updating', 'deleting', 'scaling']);

export interface EndpointLogs {
  storageInitializer?: string;
  inferenceServer?: string;
}

export interface EndpointOpsOptions {
  /** How often to re-read a busy endpoint, default 10 s. */
  settleIntervalMs?: number;
  /** Upper bound for waiting on a busy endpoint, default 45 min. */
  maxWaitMs?: number;
}

/** The operations one rollout performs on one online endpoint and its deployments. */
export class EndpointOps {
  private readonly settleIntervalMs: number;
  private readonly maxWaitMs: number;

  constructor(readonly workspace: WorkspaceClient, readonly name: string, private readonly log: Log, options: EndpointOpsOptions = {}) {
    this.settleIntervalMs = options.settleIntervalMs ?? 10_000;
    this.maxWaitMs = options.maxWaitMs ?? 45 * 60_000;
  }

  async get(): Promise<OnlineEndpoint | undefined> {
    return this.workspace.find(`Reading endpoint ${this.name}`, (arm, rg, ws) => arm.onlineEndpoints.get(rg, ws, this.name));
  }

  async require(): Promise<OnlineEndpoint> {
    const endpoint = await this.get();
    if (!endpoint) throw new Error(`Endpoint ${this.name} disappeared from ${this.workspace.describe()}`);
    return endpoint;
  }

  /**
   * Key auth, a system-assigned identity, and `enforce_access_to_default_secret_stores`, so
   * the service grants that identity read access to the workspace connections the flow uses.
   */
  async create(location: string): Promise<OnlineEndpoint> {
    const body: OnlineEndpoint = {
      location,
      identity: { type: 'SystemAssigned' },
      properties: {
        authMode: 'Key',
        description: 'Prompt flow endpoint (llmops-actions)',
        properties: { enforce_access_to_default_secret_stores: 'enabled' }
      }
    };
    this.log.info(`Creating endpoint ${this.name} in ${location}.`);
    return this.workspace.poll(`Creating endpoint ${this.name}`, (arm, rg, ws, o) => arm.onlineEndpoints.beginCreateOrUpdate(rg, ws, this.name, body, o));
  }

  async listDeployments(): Promise<OnlineDeployment[]> {
    const out: OnlineDeployment[] = [];
    await this.workspace.call(`Listing deployments of endpoint ${this.name}`, async (arm, rg, ws) => {
      for await (const d of arm.onlineDeployments.list(rg, ws, this.name)) out.push(d);
    });
    return out;
  }

  async getDeployment(name: string): Promise<OnlineDeployment | undefined> {
    return this.workspace.find(`Reading deployment ${name}`, (arm, rg, ws) => arm.onlineDeployments.get(rg, ws, this.name, name));
  }

  /**
   * Wait until neither the endpoint nor any of its deployments is being changed (another
   * run, a portal edit), so that our change does not collide with theirs.
   */
  async waitUntilSettled(): Promise<OnlineEndpoint> {
    const deadline = Date.now() + this.maxWaitMs;
    let announced = false;
    for (;;) {
      const endpoint = await this.require();
      const busy: string[] = [];
      if (BUSY_STATES.has((endpoint.properties.provisioningState ?? '').toLowerCase())) busy.push(`endpoint ${this.name} is ${endpoint.properties.provisioningState}`);
      for (const d of await this.listDeployments()) {
        if (BUSY_STATES.has((d.properties.provisioningState ?? '').toLowerCase())) busy.push(`deployment ${d.name} is ${d.properties.provisioningState}`);
      }
      if (busy.length === 0) return endpoint;
      if (Date.now() + this.settleIntervalMs > deadline) {
        throw new UserError(`Endpoint ${this.name} is still busy after ${Math.round(this.maxWaitMs / 60_000)} min (${busy.join(', ')}); another operation is running on it`, { field: 'endpoint-name', code: 'EndpointBusy' });
      }
      if (!announced) this.log.info(`Waiting for the running operation to finish: ${busy.join(', ')}.`);
      announced = true;
      await new Promise((r) => setTimeout(r, this.settleIntervalMs));
    }
  }

  /** Traffic changes need a PUT of the whole endpoint (the PATCH carries only tags and identity). */
  async setTraffic(traffic: Record<string, number>): Promise<OnlineEndpoint> {
    const current = await this.waitUntilSettled();
    const body: OnlineEndpoint = { ...current, properties: { ...current.properties, traffic } };
    return this.workspace.poll(`Setting the traffic of endpoint ${this.name} to ${formatTraffic(traffic)}`, (arm, rg, ws, o) => arm.onlineEndpoints.beginCreateOrUpdate(rg, ws, this.name, body, o));
  }

  async createDeployment(name: string, body: OnlineDeployment): Promise<OnlineDeployment> {
    await this.waitUntilSettled();
    return this.workspace.poll(`Creating deployment ${name} on endpoint ${this.name}`, (arm, rg, ws, o) => arm.onlineDeployments.beginCreateOrUpdate(rg, ws, this.name, name, body, o));
  }

  async deleteDeployment(name: string): Promise<void> {
    await this.workspace.poll(`Deleting deployment ${name} of endpoint ${this.name}`, (arm, rg, ws, o) => arm.onlineDeployments.beginDelete(rg, ws, this.name, name, o));
  }

  /** The tail of both containers' logs: model download (storage initializer) and the flow server. */
  async getLogs(name: string, tail = 200): Promise<EndpointLogs> {
    const read = async (containerType: 'StorageInitializer' | 'InferenceServer') => {
      try {
        const logs = await this.workspace.call(`Reading ${containerType} logs of deployment ${name}`, (arm, rg, ws) => arm.onlineDeployments.getLogs(rg, ws, this.name, name, { containerType, tail }));
        return logs.content ?? '';
      } catch (error) {
        return `(could not read the logs: ${error instanceof Error ? error.message.split('\n')[0] : String(error)})`;
      }
    };
    return { storageInitializer: await read('StorageInitializer'), inferenceServer: await read('InferenceServer') };
  }

  /** The endpoint's keys; both are masked before anything else sees them. */
  async primaryKey(): Promise<string> {
    const keys = await this.workspace.call(`Reading the keys of endpoint ${this.name}`, (arm, rg, ws) => arm.onlineEndpoints.listKeys(rg, ws, this.name));
    if (keys.primaryKey) this.log.setSecret(keys.primaryKey);
    if (keys.secondaryKey) this.log.setSecret(keys.secondaryKey);
    if (!keys.primaryKey) throw new Error(`Endpoint ${this.name} returned no primary key (is it in key auth mode?)`);
    return keys.primaryKey;
  }
}

/** `{blue: 90, green: 10}` as `blue 90%, green 10%` (`no traffic` when empty). */
export function formatTraffic(traffic: Readonly<Record<string, number>>): string {
  const entries = Object.entries(traffic).filter(([, w]) => w > 0);
  return entries.length ? entries.map(([n, w]) => `${n} ${w}%`).join(', ') : 'no traffic';
}

/** Same weights, ignoring zero entries and key order. */
export function sameTraffic(a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>): boolean {
  const norm = (t: Readonly<Record<string, number>>) => JSON.stringify(Object.entries(t).filter(([, w]) => w > 0).sort(([x], [y]) => x.localeCompare(y)));
  return norm(a) === norm(b);
}

/**
 * The traffic map for one stage: the new deployment gets `share`, the deployments that
 * served before split the rest in their old proportions (largest remainder, so it sums to 100).
 */
export function stageTraffic(before: Readonly<Record<string, number>>, next: string, share: number): Record<string, number> {
  const others = Object.entries(before).filter(([name, w]) => w > 0 && name !== next);
  const total = others.reduce((sum, [, w]) => sum + w, 0);
  const rest = 100 - share;
  const traffic: Record<string, number> = {};
  if (total === 0 || rest === 0) {
    for (const [name] of others) traffic[name] = 0;
    traffic[next] = 100;
    return traffic;
  }
  const exact = others.map(([name, w]) => ({ name, exact: (w * rest) / total }));
  const floored = exact.map((e) => ({ ...e, value: Math.floor(e.exact) }));
  let left = rest - floored.reduce((sum, e) => sum + e.value, 0);
  for (const e of [...floored].sort((a, b) => (b.exact - Math.floor(b.exact)) - (a.exact - Math.floor(a.exact)))) {
    if (left <= 0) break;
    e.value += 1;
    left -= 1;
  }
  for (const e of floored) traffic[e.name] = e.value;
  traffic[next] = share;
  return traffic;
}
