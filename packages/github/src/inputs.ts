import * as core from '@actions/core';
import { isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { UserError } from '@llmops/common';

/**
 * Typed readers for action inputs. Every mistake is a UserError whose `field` is the
 * input name, so it surfaces as one annotation saying what was expected.
 */

interface BaseOptions {
  required?: boolean;
}

function raw(name: string): string | undefined {
  // core.getInput reads INPUT_<NAME> (spaces to underscores, hyphens kept) and trims.
  const value = core.getInput(name);
  return value === '' ? undefined : value;
}

function missing(name: string): UserError {
  return new UserError(`Input '${name}' is required but was empty`, { field: name, code: 'MissingInput' });
}

function quote(value: string): string {
  return value.length > 60 ? `'${value.slice(0, 57)}...'` : `'${value}'`;
}

export function getString(name: string, options: BaseOptions & { default: string }): string;
export function getString(name: string, options: BaseOptions & { required: true }): string;
export function getString(name: string, options?: BaseOptions & { default?: string }): string | undefined;
export function getString(name: string, options: BaseOptions & { default?: string } = {}): string | undefined {
  const value = raw(name);
  if (value !== undefined) return value;
  if (options.default !== undefined) return options.default;
  if (options.required) throw missing(name);
  return undefined;
}

const TRUE = new Set(['true', 'yes', 'y', 'on', '1']);
const FALSE = new Set(['false', 'no', 'n', 'off', '0']);

export function getBoolean(name: string, options: BaseOptions & { default?: boolean } = {}): boolean {
  const value = raw(name);
  if (value === undefined) {
    if (options.default !== undefined) return options.default;
    if (options.required) throw missing(name);
    return false;
  }
  const lower = value.toLowerCase();
  if (TRUE.has(lower)) return true;
  if (FALSE.has(lower)) return false;
  throw new UserError(`Input '${name}' must be true or false (also accepted: yes/no, 1/0), got ${quote(value)}`, {
    field: name,
    code: 'InvalidInput'
  });
}

export interface NumberOptions extends BaseOptions {
  default?: number;
  min?: number;
  max?: number;
  integer?: boolean;
}

export function getNumber(name: string, options: NumberOptions & { default: number }): number;
export function getNumber(name: string, options: NumberOptions & { required: true }): number;
export function getNumber(name: string, options?: NumberOptions): number | undefined;
export function getNumber(name: string, options: NumberOptions = {}): number | undefined {
  const value = raw(name);
  if (value === undefined) {
    if (options.default !== undefined) return options.default;
    if (options.required) throw missing(name);
    return undefined;
  }
  const kind = options.integer ? 'an integer' : 'a number';
  const range =
    options.min !== undefined && options.max !== undefined
      ? ` between ${options.min} and ${options.max}`
      : options.min !== undefined
        ? ` >= ${options.min}`
        : options.max !== undefined
          ? ` <= ${options.max}`
          : '';
  const fail = () =>
    new UserError(`Input '${name}' must be ${kind}${range}, got ${quote(value)}`, { field: name, code: 'InvalidInput' });
  // Number('') and Number(' ') are 0, and Number('0x10') is 16: accept plain decimals only.
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(value)) throw fail();
  const n = Number(value);
  if (!Number.isFinite(n)) throw fail();
  if (options.integer && !Number.isInteger(n)) throw fail();
  if (options.min !== undefined && n < options.min) throw fail();
  if (options.max !== undefined && n > options.max) throw fail();
  return n;
}

/** The workspace that relative paths in inputs are resolved against. */
export function workspaceDir(): string {
  return process.env.GITHUB_WORKSPACE || process.cwd();
}

export function getPath(name: string, options: BaseOptions & { default: string }): string;
export function getPath(name: string, options: BaseOptions & { required: true }): string;
export function getPath(name: string, options?: BaseOptions & { default?: string }): string | undefined;
export function getPath(name: string, options: BaseOptions & { default?: string } = {}): string | undefined {
  const value = getString(name, options);
  if (value === undefined) return undefined;
  return isAbsolute(value) ? value : resolve(workspaceDir(), value);
}

/** Non-empty lines of a multi-line input, trimmed. */
export function getMultiline(name: string, options: BaseOptions = {}): string[] {
  const value = raw(name);
  if (value === undefined) {
    if (options.required) throw missing(name);
    return [];
  }
  return value
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

function scalarToString(value: unknown): string | undefined {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return undefined;
}

/**
 * A mapping given as a YAML/JSON object or as `key=value` lines (blank lines and `#`
 * comments ignored). Values must be scalars; they are returned as strings.
 */
export function getKeyValues(name: string, options: BaseOptions = {}): Record<string, string> | undefined {
  const value = raw(name);
  if (value === undefined) {
    if (options.required) throw missing(name);
    return undefined;
  }
  const lines = value.split(/\r?\n/);
  const meaningful = lines.map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  // `KEY=value` lines win even when a value contains `: ` (which YAML would read as a mapping).
  const looksLikeLines = meaningful.every((l) => /^[A-Za-z_][\w.-]*\s*=/.test(l));
  const parsed = looksLikeLines ? undefined : tryParseYaml(value);
  if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
    const out: Record<string, string> = {};
    for (const [key, v] of Object.entries(parsed as Record<string, unknown>)) {
      const s = scalarToString(v);
      if (s === undefined) {
        throw new UserError(`Input '${name}': the value of '${key}' must be a string, number or boolean, not a list or mapping`, {
          field: name,
          code: 'InvalidInput'
        });
      }
      out[key] = s;
    }
    return out;
  }
  // Plain `a=1` lines are a YAML plain scalar, so anything that is not a mapping is read as lines.
  const out: Record<string, string> = {};
  lines.forEach((line, index) => {
    const text = line.trim();
    if (text === '' || text.startsWith('#')) return;
    const eq = text.indexOf('=');
    const key = eq > 0 ? text.slice(0, eq).trim() : '';
    if (!key) {
      throw new UserError(
        `Input '${name}' line ${index + 1}: expected 'key=value' (or a YAML/JSON mapping), got ${quote(text)}`,
        { field: name, line: index + 1, code: 'InvalidInput' }
      );
    }
    out[key] = text.slice(eq + 1).trim();
  });
  return out;
}

/** A YAML/JSON mapping input (nested values allowed), e.g. per-node overrides. */
export function getObject(name: string, options: BaseOptions = {}): Record<string, unknown> | undefined {
  const value = raw(name);
  if (value === undefined) {
    if (options.required) throw missing(name);
    return undefined;
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(value);
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new UserError(`Input '${name}' is not valid YAML/JSON: ${reason}`, { field: name, code: 'InvalidInput' });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new UserError(`Input '${name}' must be a YAML/JSON mapping (key: value)`, { field: name, code: 'InvalidInput' });
  }
  return parsed as Record<string, unknown>;
}

function tryParseYaml(text: string): unknown {
  try {
    return parseYaml(text);
  } catch {
    return undefined;
  }
}

/** One of a fixed set of words, e.g. `comment: auto|always|never`. */
export function getChoice<T extends string>(name: string, choices: readonly T[], options: { default: T }): T {
  const value = raw(name);
  if (value === undefined) return options.default;
  const match = choices.find((c) => c === value.toLowerCase());
  if (!match) {
    throw new UserError(`Input '${name}' must be one of ${choices.join(', ')}, got ${quote(value)}`, {
      field: name,
      code: 'InvalidInput'
    });
  }
  return match;
}
