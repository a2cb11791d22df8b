import { execFile } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { UserError, type Log } from '@llmops/common';
import type { AzureConnectionOptions } from './connection.js';
import { resolveAzureCredential, type AzureCredentialInputs } from './credentials.js';
import { registerFlowModel, type RegisteredModel } from './register.js';
import { WorkspaceClient, type WorkspaceClientOptions } from './workspace.js';

/** Plain options shared by action-register and `llmops register`. */
export interface RegisterCommandOptions {
  flow: string;
  modelName: string;
  description?: string;
  tags?: Record<string, string>;
  metrics?: Record<string, number>;
  /** The run this model came from: a run directory (its run.json names it) or a run name. */
  run?: string;
  /** Defaults to GITHUB_SHA, else `git rev-parse HEAD` in the flow folder. */
  gitSha?: string;
  target?: 'azureml' | 'local';
  registryDir?: string;
  /** Azure sign-in and workspace (target azureml). */
  azure?: AzureCredentialInputs & { resourceGroup?: string; workspace?: string };
}

/** What the caller's environment supplies: GitHub's OIDC tokens, endpoints, env, tuning. */
export interface RegisterCommandContext {
  getIdToken?: (audience: string) => Promise<string>;
  env?: Record<string, string | undefined>;
  connection?: AzureConnectionOptions;
  workspaceOptions?: Pick<WorkspaceClientOptions, 'pollIntervalMs' | 'maxWaitMs' | 'retry'>;
}

export async function registerCommand(options: RegisterCommandOptions, log: Log, context: RegisterCommandContext = {}): Promise<RegisteredModel> {
  const env = context.env ?? process.env;
  const target = options.target ?? 'azureml';
  if (target !== 'azureml' && target !== 'local') throw new UserError(`\`target\` must be azureml or local, not '${String(target)}'`, { field: 'target', code: 'InvalidInput' });
  const runName = options.run?.trim() ? await resolveRunName(options.run.trim()) : undefined;
  const gitSha = options.gitSha?.trim() || env.GITHUB_SHA?.trim() || (await gitHead(options.flow));
  const common = { flowDir: options.flow, modelName: options.modelName, description: options.description, tags: options.tags, metrics: options.metrics, runName, gitSha, log };
  if (target === 'local') return registerFlowModel({ ...common, target, registryDir: options.registryDir });
  const azure = options.azure ?? {};
  const resolved = await resolveAzureCredential(azure, { log, getIdToken: context.getIdToken, env, connection: context.connection });
  const workspace = WorkspaceClient.fromCredential(resolved, azure, { ...context.workspaceOptions, log });
  return registerFlowModel({ ...common, target, workspace });
}

/** A run directory's name from its run.json (falls back to the folder name), or the name given. */
async function resolveRunName(run: string): Promise<string> {
  const info = await stat(run).catch(() => undefined);
  if (!info?.isDirectory()) return run;
  const record = await readFile(join(run, 'run.json'), 'utf8').then((t) => JSON.parse(t) as { name?: unknown }).catch(() => undefined);
  return typeof record?.name === 'string' && record.name ? record.name : basename(run);
}

function gitHead(cwd: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile('git', ['rev-parse', 'HEAD'], { cwd, timeout: 10_000 }, (error, stdout) => resolve(error ? undefined : stdout.trim() || undefined));
  });
}

/** `tags` input: a JSON object, or one `key=value` per line (blank lines and `#` comments skipped). */
export function parseTagsInput(text: string | undefined): Record<string, string> {
  const trimmed = text?.trim();
  if (!trimmed) return {};
  if (trimmed.startsWith('{')) {
    let parsed: unknown;
    try { parsed = JSON.parse(trimmed); } catch { throw new UserError('`tags` starts with { but is not valid JSON', { field: 'tags', code: 'InvalidInput' }); }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new UserError('`tags` must be a JSON object of strings', { field: 'tags', code: 'InvalidInput' });
    return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
  }
  const tags: Record<string, string> = {};
  for (const [index, raw] of trimmed.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) throw new UserError(`\`tags\` line ${index + 1} is not key=value: '${line}'`, { field: 'tags', code: 'InvalidInput' });
    tags[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return tags;
}

/**
 * `metrics` input: a flat JSON object of numbers, or the path to one (a metrics.json, or a
 * run directory holding metrics.json), as `pf run show-metrics` prints.
 */
export async function parseMetricsInput(text: string | undefined): Promise<Record<string, number>> {
  const trimmed = text?.trim();
  if (!trimmed) return {};
  let source = 'metrics';
  let json = trimmed;
  if (!trimmed.startsWith('{')) {
    const info = await stat(trimmed).catch(() => undefined);
    if (!info) throw new UserError(`\`metrics\` is neither a JSON object nor an existing file: '${trimmed}'`, { field: 'metrics', code: 'InvalidInput' });
    source = info.isDirectory() ? join(trimmed, 'metrics.json') : trimmed;
    json = await readFile(source, 'utf8').catch(() => { throw new UserError(`Cannot read metrics file ${source}`, { file: source, field: 'metrics', code: 'InvalidInput' }); });
  }
  let parsed: unknown;
  try { parsed = JSON.parse(json); } catch { throw new UserError('metrics is not valid JSON', { file: source === 'metrics' ? undefined : source, field: 'metrics', code: 'InvalidInput' }); }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new UserError('metrics must be a flat JSON object such as {"accuracy": 0.9}', { field: 'metrics', code: 'InvalidInput' });
  const metrics: Record<string, number> = {};
  for (const [name, value] of Object.entries(parsed)) {
    const number = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
    if (!Number.isFinite(number)) throw new UserError(`metric '${name}' is not a number`, { file: source === 'metrics' ? undefined : source, field: 'metrics', code: 'InvalidInput' });
    metrics[name] = number;
  }
  return metrics;
}
