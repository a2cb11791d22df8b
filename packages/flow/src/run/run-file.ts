/**
 * Prompt flow's run.yml (`_sdk/schemas/_run.py`): paths are relative to the YAML
 * file; unknown keys only warn; cloud-only keys are accepted and noted.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UserError } from '@llmops/common';
import { parse as parseYaml } from 'yaml';
import { isPlainObject } from '../py/pyvalue.js';

export interface RunSpec {
  /** Absolute path of the run.yml. */
  file: string;
  /** Flow directory or YAML, absolute; a remote `azureml:` flow stays as written. */
  flow?: string;
  /** Data file or directory, absolute; a remote URI stays as written. */
  data?: string;
  /** Base run name. */
  run?: string;
  columnMapping?: Record<string, unknown>;
  /** `${node.variant_id}`. */
  variant?: string;
  /** Per-node overrides: `{node: {connection?, deployment_name?, model?, …}}`. */
  connections?: Record<string, Record<string, unknown>>;
  /** Resolved from a dict or a `.env` file; `${conn.key}` references are left for the executor. */
  environmentVariables?: Record<string, string>;
  name?: string;
  displayName?: string;
  description?: string;
  tags?: Record<string, string>;
  properties?: Record<string, string>;
  /** Flex-flow init kwargs (accepted, unused by DAG flows). */
  init?: Record<string, unknown>;
  /** Cloud-only settings, kept for the azureml backend. */
  cloud: { runtime?: string; resources?: Record<string, unknown>; identity?: Record<string, unknown> };
  /** Unknown keys and ignored settings, one sentence each. */
  warnings: string[];
}

const KNOWN_KEYS = new Set([
  '$schema', 'name', 'display_name', 'tags', 'status', 'description', 'properties', 'flow', 'data', 'column_mapping',
  'runtime', 'resources', 'identity', 'run', 'variant', 'environment_variables', 'connections', 'command', 'outputs', 'init'
]);

const isRemote = (value: string) => value.startsWith('azureml:') || /^[a-z][a-z0-9+.-]*:\/\//i.test(value);

export function loadRunFile(path: string): RunSpec {
  const file = resolve(path);
  if (!existsSync(file)) throw new UserError(`Run file not found: ${path}.`, { file: path, field: 'run-file', code: 'RunFileNotFound' });
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new UserError(`Invalid YAML in ${path}: ${(error as Error).message.split('\n')[0]}.`, { file: path, code: 'ValidationError' });
  }
  if (doc === null || doc === undefined) doc = {};
  if (!isPlainObject(doc)) throw new UserError(`${path} must be a YAML mapping of run settings (flow, data, column_mapping, …).`, { file: path, code: 'ValidationError' });
  const base = dirname(file);
  const spec: RunSpec = { file, cloud: {}, warnings: [] };
  const fail = (field: string, message: string): never => {
    throw new UserError(`${field}: ${message}`, { file: path, field, code: 'ValidationError' });
  };
  const str = (key: string): string | undefined => {
    const value = doc[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'object') fail(key, 'must be a string.');
    return String(value);
  };
  const strDict = (key: string): Record<string, string> | undefined => {
    const value = doc[key];
    if (value === undefined || value === null) return undefined;
    if (!isPlainObject(value)) fail(key, 'must be a mapping of strings.');
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, v === null || v === undefined ? '' : String(v)]));
  };
  const localPath = (key: string): string | undefined => {
    const value = str(key);
    if (value === undefined) return undefined;
    if (isRemote(value)) {
      spec.warnings.push(`${key} '${value}' is a remote (cloud) reference; it can only be used with the azureml backend.`);
      return value;
    }
    const resolved = resolve(base, value);
    if (!existsSync(resolved)) fail(key, `path '${value}' does not exist (resolved relative to the run file: ${resolved}).`);
    return resolved;
  };

  const unknown = Object.keys(doc).filter((k) => !KNOWN_KEYS.has(k));
  if (unknown.length > 0) spec.warnings.push(`Run schema validation warnings. Unknown fields found: ${unknown.join(', ')}.`);

  const set = <K extends keyof RunSpec>(key: K, value: RunSpec[K] | undefined) => {
    if (value !== undefined) spec[key] = value;
  };
  set('flow', localPath('flow'));
  set('data', localPath('data'));
  set('run', str('run'));
  set('variant', str('variant'));
  set('name', str('name'));
  set('displayName', str('display_name'));
  set('description', str('description'));
  set('tags', strDict('tags'));
  set('properties', strDict('properties'));

  const mapping = doc.column_mapping;
  if (mapping !== undefined && mapping !== null) {
    if (!isPlainObject(mapping)) fail('column_mapping', 'must be a mapping of flow input to ${data.x}, ${run.outputs.x} or a literal.');
    spec.columnMapping = mapping as Record<string, unknown>;
  }

  const connections = doc.connections;
  if (connections !== undefined && connections !== null) {
    if (!isPlainObject(connections)) fail('connections', 'must map node names to {connection, deployment_name, …}.');
    spec.connections = {};
    for (const [node, value] of Object.entries(connections as Record<string, unknown>)) {
      if (!isPlainObject(value)) fail(`connections.${node}`, 'must be a mapping such as {connection: my_aoai, deployment_name: gpt-4o}.');
      spec.connections[node] = value as Record<string, unknown>;
    }
  }

  const env = doc.environment_variables;
  if (typeof env === 'string') {
    const envFile = resolve(base, env);
    if (!existsSync(envFile) || !statSync(envFile).isFile()) fail('environment_variables', `.env file '${env}' does not exist (resolved relative to the run file: ${envFile}).`);
    spec.environmentVariables = parseDotEnv(readFileSync(envFile, 'utf8'));
  } else {
    set('environmentVariables', strDict('environment_variables'));
  }

  if (doc.init !== undefined && doc.init !== null) {
    if (!isPlainObject(doc.init)) fail('init', 'must be a mapping of init arguments.');
    spec.init = doc.init as Record<string, unknown>;
    spec.warnings.push('init applies to flex flows only; it is ignored for DAG flows.');
  }
  const runtime = str('runtime');
  if (runtime !== undefined) spec.cloud.runtime = runtime;
  for (const key of ['resources', 'identity'] as const) {
    const value = doc[key];
    if (value === undefined || value === null) continue;
    if (!isPlainObject(value)) fail(key, 'must be a mapping.');
    spec.cloud[key] = value as Record<string, unknown>;
  }
  const cloudKeys = ['runtime', 'resources', 'identity'].filter((k) => doc[k] !== undefined && doc[k] !== null);
  if (cloudKeys.length > 0) spec.warnings.push(`${cloudKeys.join(', ')} only apply to cloud runs (backend azureml); ignored for local runs.`);
  return spec;
}

/** A `.env` file as python-dotenv reads it: `KEY=value`, `export KEY=value`, quotes, `#` comments. */
export function parseDotEnv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/.exec(lines[i]!);
    if (!match) continue;
    let value = match[2]!;
    const quote = value[0];
    if (quote === '"' || quote === "'") {
      // A quoted value may span lines until its closing quote.
      let body = value.slice(1);
      while (!new RegExp(`(^|[^\\\\])${quote}`).test(body) && i + 1 < lines.length) body += `\n${lines[++i]}`;
      const end = quote === '"' ? body.search(/(?<!\\)"/) : body.indexOf("'");
      value = end >= 0 ? body.slice(0, end) : body;
      if (quote === '"') value = value.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
    } else {
      value = value.replace(/\s+#.*$/, '').trim();
    }
    out[match[1]!] = value;
  }
  return out;
}
