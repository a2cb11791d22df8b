/**
 * Parse mapping-like text from an action input or CLI flags: a YAML/JSON object,
 * or `key=value` lines (`url=${data.url}`, `classify.connection=my_aoai`).
 */
import { UserError } from '@llmops/common';
import { parse as parseYaml } from 'yaml';
import { isPlainObject } from '../py/pyvalue.js';

const KEY_VALUE_LINE = /^\s*([^\s=:#'"]+)\s*=(.*)$/;

function unquote(value: string): string {
  const v = value.trim();
  if (v.length >= 2 && ((v.startsWith("'") && v.endsWith("'")) || (v.startsWith('"') && v.endsWith('"')))) return v.slice(1, -1);
  return v;
}

/** Lines (or a list of CLI arguments) of `key=value`, else one YAML/JSON mapping. */
function parseKeyValuesOrYaml(text: string | string[], field: string, what: string): Record<string, unknown> {
  const lines = (Array.isArray(text) ? text : text.split(/\r?\n/)).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  if (lines.length === 0) return {};
  if (lines.every((line) => KEY_VALUE_LINE.test(line))) {
    const out: Record<string, unknown> = {};
    for (const line of lines) {
      const [, key, value] = KEY_VALUE_LINE.exec(line)!;
      out[key!] = unquote(value!);
    }
    return out;
  }
  let value: unknown;
  try {
    value = parseYaml(Array.isArray(text) ? text.join('\n') : text);
  } catch (error) {
    throw new UserError(`Invalid ${what}: ${(error as Error).message.split('\n')[0]}. Use YAML (\`key: value\`) or one \`key=value\` a line.`, { field, code: 'ValidationError' });
  }
  if (!isPlainObject(value)) {
    throw new UserError(`Invalid ${what}: expected a mapping of \`key: value\` or \`key=value\` lines.`, { field, code: 'ValidationError' });
  }
  return value;
}

/**
 * A column mapping: `{input: "${data.col}"}`. Values are strings for `key=value`
 * lines; YAML may also give literals (numbers, lists, dicts), as Prompt flow allows.
 */
export function parseColumnMapping(text: string | string[], field = 'column-mapping'): Record<string, unknown> {
  return parseKeyValuesOrYaml(text, field, 'column mapping');
}

/**
 * Per-node connection overrides: `node.connection=x` / `node.deployment_name=y`
 * lines, or YAML `{node: {connection: x}}`.
 */
export function parseConnectionOverrides(text: string | string[], field = 'connections'): Record<string, Record<string, string>> {
  const raw = parseKeyValuesOrYaml(text, field, 'connections');
  const out: Record<string, Record<string, string>> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (isPlainObject(value)) {
      const node = (out[key] ??= {});
      for (const [k, v] of Object.entries(value)) node[k] = String(v);
      continue;
    }
    const dot = key.indexOf('.');
    if (dot <= 0 || dot === key.length - 1) {
      throw new UserError(`Invalid connection override '${key}': use <node>.connection=<name> or <node>.deployment_name=<deployment>.`, {
        field: `${field}.${key}`,
        code: 'ValidationError'
      });
    }
    const node = (out[key.slice(0, dot)] ??= {});
    node[key.slice(dot + 1)] = String(value);
  }
  return out;
}

/** `K=V` lines or a YAML mapping of environment variables (values become strings). */
export function parseEnvironmentVariables(text: string | string[], field = 'environment-variables'): Record<string, string> {
  const raw = parseKeyValuesOrYaml(text, field, 'environment variables');
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, v === null || v === undefined ? '' : String(v)]));
}
