/**
 * Load connections for local runs from:
 * - our connections file: a YAML mapping of name → Prompt flow connection;
 * - Prompt flow's own single-connection YAML (`name:` and `type:` at top level);
 * - Prompt flow's `PROMPTFLOW_CONNECTIONS` execution JSON (`{name: {type: "AzureOpenAIConnection", value, secret_keys}}`).
 * Any string value may be `${env:VAR}`. Secrets are registered with the Log as soon as they are read.
 */
import { existsSync, readFileSync } from 'node:fs';
import { UserError, type Log } from '@llmops/common';
import { parse as parseYaml } from 'yaml';
import { isPlainObject } from '../py/pyvalue.js';
import { CONNECTION_CLASS_NAMES, type Connection } from './model.js';
import { COMMON_KEYS, CONNECTION_SPECS, MEID_TOKEN, normalizeConnectionType } from './specs.js';

export interface LoadConnectionsOptions {
  env?: NodeJS.ProcessEnv;
  log: Log;
  /**
   * Load a connection whose `${env:VAR}` is unset instead of failing, and report the
   * error only when the connection is used (`connectionProblem`). A run then needs the
   * secrets of the connections its flow uses, as in Prompt flow; and an LLM node that
   * replays recorded answers needs none (a fork PR's check has no secrets).
   */
  deferMissingEnv?: boolean;
}

/** Why a connection loaded with `deferMissingEnv` cannot be used for a live call, if it cannot. */
const problems = new WeakMap<Connection, UserError>();

export function connectionProblem(connection: Connection): UserError | undefined {
  return problems.get(connection);
}

type Doc = Record<string, unknown>;

interface Context {
  file: string;
  name: string;
  env: NodeJS.ProcessEnv;
  log: Log;
  /** Set when missing variables are deferred: the first one found. */
  deferred?: { problem?: UserError };
}

/** Read one or more connection files; a later file's connection replaces an earlier one of the same name. */
export function loadConnections(files: string | string[], options: LoadConnectionsOptions): Map<string, Connection> {
  const env = options.env ?? process.env;
  const result = new Map<string, Connection>();
  for (const file of Array.isArray(files) ? files : [files]) {
    for (const connection of loadConnectionFile(file, env, options.log, options.deferMissingEnv === true)) result.set(connection.name, connection);
  }
  return result;
}

function loadConnectionFile(file: string, env: NodeJS.ProcessEnv, log: Log, deferMissingEnv: boolean): Connection[] {
  if (!existsSync(file)) {
    throw new UserError(`Connections file not found: ${file}.`, { file, field: 'connections-file', code: 'ConnectionNotFoundError' });
  }
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new UserError(`Invalid YAML in connections file ${file}: ${(error as Error).message.split('\n')[0]}.`, { file, code: 'ValidationError' });
  }
  if (doc === null || doc === undefined) return [];
  if (!isPlainObject(doc)) {
    throw new UserError(`Connections file ${file} must be a mapping of connection name to {type, api_base, api_key, …}.`, { file, code: 'ValidationError' });
  }
  // Prompt flow's own connection YAML: one connection, named inside.
  const load = (name: string, value: Doc): Connection => {
    const context: Context = { file, name, env, log, deferred: deferMissingEnv ? {} : undefined };
    const connection = isExecutionFormat(value) ? fromExecutionDict(name, value, context) : fromYaml(name, value, context);
    if (context.deferred?.problem) problems.set(connection, context.deferred.problem);
    return connection;
  };
  if (typeof doc.type === 'string' && typeof doc.name === 'string') return [load(doc.name, doc)];
  return Object.entries(doc).map(([name, value]) => {
    if (!isPlainObject(value)) {
      throw new UserError(`Connection '${name}' in ${file} must be a mapping with a 'type' (azure_open_ai, open_ai, custom, …).`, { file, field: name, code: 'ValidationError' });
    }
    return load(name, value);
  });
}

/** `PROMPTFLOW_CONNECTIONS` form: `{type: "<Class>Connection", value: {...}, secret_keys: [...]}`. */
function isExecutionFormat(value: Doc): boolean {
  return isPlainObject(value.value) && typeof value.type === 'string' && value.type.endsWith('Connection');
}

/** Resolve `${env:VAR}` (whole value or embedded); a missing variable is a UserError naming everything. */
function resolveValue(raw: unknown, field: string, ctx: Context): string | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw === 'object') {
    throw new UserError(`Connection '${ctx.name}' field '${field}' must be a string.`, { file: ctx.file, field: `${ctx.name}.${field}`, code: 'ValidationError' });
  }
  return String(raw).replace(/\$\{env:([^}]+)\}/g, (_, variable: string) => {
    const value = ctx.env[variable.trim()];
    if (value === undefined) {
      const problem = new UserError(
        `Connection '${ctx.name}' field '${field}' references environment variable ${variable.trim()}, which is not set. Set it (for example from a repository secret) or edit ${ctx.file}.`,
        { file: ctx.file, field: `${ctx.name}.${field}`, code: 'ConnectionEnvironmentVariableMissing' }
      );
      if (!ctx.deferred) throw problem;
      ctx.deferred.problem ??= problem;
      return '';
    }
    return value;
  });
}

/** Read a secret: mask it at once, and refuse template placeholders. */
function readSecret(raw: unknown, field: string, ctx: Context): string | undefined {
  if (typeof raw === 'string' && raw !== '' && !raw.includes('${env:')) ctx.log.setSecret(raw);
  const value = resolveValue(raw, field, ctx);
  if (value === undefined) return undefined;
  ctx.log.setSecret(value);
  if (/^<[^>]*>$/.test(value.trim()) || /^\*+$/.test(value.trim())) {
    throw new UserError(
      `Connection '${ctx.name}' field '${field}' is a placeholder (${value.trim()}); put the real value in an environment variable and write '\${env:VAR}'.`,
      { file: ctx.file, field: `${ctx.name}.${field}`, code: 'ValidationError' }
    );
  }
  return value;
}

function stringMap(raw: unknown, field: string, ctx: Context, secret: boolean): Record<string, string> {
  if (raw === undefined || raw === null) return {};
  if (!isPlainObject(raw)) {
    throw new UserError(`Connection '${ctx.name}' field '${field}' must be a mapping of strings.`, { file: ctx.file, field: `${ctx.name}.${field}`, code: 'ValidationError' });
  }
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) {
    const resolved = secret ? readSecret(value, `${field}.${key}`, ctx) : resolveValue(value, `${field}.${key}`, ctx);
    if (resolved !== undefined) out[key] = resolved;
  }
  return out;
}

function unsupportedType(type: string, ctx: Context): UserError {
  return new UserError(
    `Connection '${ctx.name}' has unsupported type '${type}'. Supported types: ${['custom', ...Object.keys(CONNECTION_SPECS)].join(', ')}.`,
    { file: ctx.file, field: `${ctx.name}.type`, code: 'ValidationError' }
  );
}

function fromYaml(name: string, doc: Doc, ctx: Context): Connection {
  if (typeof doc.type !== 'string' || doc.type.trim() === '') {
    throw new UserError(`Connection '${name}' needs a 'type' (azure_open_ai, open_ai, serverless, custom, …).`, { file: ctx.file, field: `${name}.type`, code: 'ValidationError' });
  }
  const type = normalizeConnectionType(doc.type);
  if (type === 'custom') {
    if (doc.secrets === undefined || doc.secrets === null) {
      throw new UserError(`Custom connection '${name}' needs 'secrets' (a mapping, possibly empty).`, { file: ctx.file, field: `${name}.secrets`, code: 'ValidationError' });
    }
    const secrets = stringMap(doc.secrets, 'secrets', ctx, true);
    return { name, type, className: 'CustomConnection', configs: stringMap(doc.configs, 'configs', ctx, false), secrets };
  }
  const spec = CONNECTION_SPECS[type];
  if (!spec) throw unsupportedType(doc.type, ctx);
  const known = new Set([...Object.keys(spec.configs), ...spec.secrets]);
  const unknown = Object.keys(doc).filter((k) => !known.has(k) && !COMMON_KEYS.has(k));
  if (unknown.length > 0) ctx.log.warning(`Connection '${name}' in ${ctx.file}: unknown fields ignored: ${unknown.join(', ')}.`, { file: ctx.file, field: name });
  const secrets: Record<string, string> = {};
  for (const field of spec.secrets) {
    const value = readSecret(doc[field], field, ctx);
    if (value !== undefined && value !== '') secrets[field] = value;
  }
  const configs: Record<string, string> = {};
  for (const [field, fallback] of Object.entries(spec.configs)) {
    const value = resolveValue(doc[field], field, ctx) ?? fallback;
    if (value !== undefined) configs[field] = value;
  }
  return finish({ name, type, className: CONNECTION_CLASS_NAMES[type] ?? 'CustomConnection', configs, secrets }, ctx);
}

/** Normalize and validate a typed connection: required fields, OpenAI's empty base_url, Entra ID auth. */
function finish(connection: Connection, ctx: Context): Connection {
  const spec = CONNECTION_SPECS[connection.type];
  if (!spec) return connection;
  if (connection.type === 'open_ai' && (connection.configs.base_url === '' || connection.configs.base_url === '_')) delete connection.configs.base_url;
  const meid = spec.keyOptionalWithMeid && connection.configs.auth_mode === MEID_TOKEN;
  if (meid) delete connection.secrets.api_key;
  // A connection with an unset variable is already unusable for live calls, and says why when used.
  if (ctx.deferred?.problem) return connection;
  for (const field of spec.required) {
    if (field === 'api_key' && meid) continue;
    const present = spec.secrets.includes(field) ? connection.secrets[field] : connection.configs[field];
    if (present === undefined || present === '') {
      const hint = field === 'api_key' && spec.keyOptionalWithMeid ? " (or set auth_mode: meid_token to use Entra ID)" : '';
      throw new UserError(`Connection '${ctx.name}' (${connection.type}) is missing required field '${field}'${hint}.`, {
        file: ctx.file,
        field: `${ctx.name}.${field}`,
        code: 'ValidationError'
      });
    }
  }
  return connection;
}

function fromExecutionDict(name: string, doc: Doc, ctx: Context): Connection {
  const className = String(doc.type);
  const type = Object.entries(CONNECTION_CLASS_NAMES).find(([, cls]) => cls === className)?.[0] ?? normalizeConnectionType(className);
  const spec = CONNECTION_SPECS[type];
  if (type !== 'custom' && !spec) throw unsupportedType(className, ctx);
  const secretKeys = new Set([...(Array.isArray(doc.secret_keys) ? doc.secret_keys.map(String) : []), ...(spec?.secrets ?? [])]);
  const configs: Record<string, string> = {};
  const secrets: Record<string, string> = {};
  for (const [key, raw] of Object.entries(doc.value as Doc)) {
    const value = secretKeys.has(key) ? readSecret(raw, key, ctx) : resolveValue(raw, key, ctx);
    if (value === undefined) continue;
    (secretKeys.has(key) ? secrets : configs)[key] = value;
  }
  if (spec) for (const [field, fallback] of Object.entries(spec.configs)) if (configs[field] === undefined && fallback !== undefined) configs[field] = fallback;
  return finish({ name, type, className, configs, secrets }, ctx);
}

/** Prompt flow's execution dict for one connection (what `PROMPTFLOW_CONNECTIONS` holds). */
export function toExecutionConnectionDict(connection: Connection): Record<string, unknown> {
  return {
    type: connection.className,
    module: 'promptflow.connections',
    value: { ...connection.configs, ...connection.secrets },
    secret_keys: Object.keys(connection.secrets)
  };
}
