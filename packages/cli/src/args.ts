/**
 * A small argv parser with the feel of `pf`: `--flag value`, `--flag=value`,
 * boolean switches, and list flags that take every value up to the next flag
 * (`--column-mapping a='${data.a}' b='${data.b}'`).
 */
import { UserError } from '@llmops/common';

export interface FlagSpec {
  /** `string` takes one value, `list` one or more, `boolean` none. */
  kind: 'string' | 'list' | 'boolean';
  description: string;
  alias?: string;
}

export type ParsedFlags = Record<string, string | string[] | boolean | undefined>;

export function parseFlags(argv: string[], specs: Record<string, FlagSpec>, command: string): { flags: ParsedFlags; positionals: string[] } {
  const flags: ParsedFlags = {};
  const positionals: string[] = [];
  const byAlias = new Map(Object.entries(specs).flatMap(([name, s]) => (s.alias ? [[s.alias, name] as const] : [])));
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (!token.startsWith('-') || token === '-') {
      positionals.push(token);
      continue;
    }
    const [rawName, inlineValue] = token.includes('=') && token.startsWith('--') ? splitOnce(token, '=') : [token, undefined];
    const name = rawName.startsWith('--') ? rawName.slice(2) : byAlias.get(rawName.slice(1)) ?? rawName;
    const spec = specs[name];
    if (!spec) {
      throw new UserError(`Unknown option '${rawName}' for 'llmops ${command}'. Run 'llmops ${command} --help' for the options.`, { field: rawName });
    }
    if (spec.kind === 'boolean') {
      flags[name] = inlineValue === undefined ? true : !/^(false|0|no)$/i.test(inlineValue);
      continue;
    }
    const values: string[] = inlineValue !== undefined ? [inlineValue] : [];
    if (spec.kind === 'string') {
      if (values.length === 0) {
        const next = argv[i + 1];
        if (next === undefined || (next.startsWith('--') && next.length > 2)) {
          throw new UserError(`Option '--${name}' of 'llmops ${command}' needs a value.`, { field: `--${name}` });
        }
        values.push(next);
        i++;
      }
      flags[name] = values[0];
      continue;
    }
    while (argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('--')) values.push(argv[++i]!);
    if (values.length === 0) throw new UserError(`Option '--${name}' of 'llmops ${command}' needs at least one value.`, { field: `--${name}` });
    flags[name] = [...((flags[name] as string[] | undefined) ?? []), ...values];
  }
  return { flags, positionals };
}

function splitOnce(text: string, sep: string): [string, string] {
  const i = text.indexOf(sep);
  return [text.slice(0, i), text.slice(i + 1)];
}

export function helpText(command: string, summary: string, specs: Record<string, FlagSpec>, usage?: string): string {
  const lines = [`usage: llmops ${command} ${usage ?? '[options]'}`, '', summary, '', 'options:'];
  for (const [name, spec] of Object.entries(specs)) {
    const arg = spec.kind === 'boolean' ? '' : spec.kind === 'list' ? ' VALUE [VALUE ...]' : ' VALUE';
    lines.push(`  --${name}${arg}${spec.alias ? `, -${spec.alias}` : ''}`);
    lines.push(`      ${spec.description}`);
  }
  return lines.join('\n');
}

export function str(flags: ParsedFlags, name: string): string | undefined {
  const v = flags[name];
  return typeof v === 'string' ? v : undefined;
}

export function list(flags: ParsedFlags, name: string): string[] | undefined {
  const v = flags[name];
  return Array.isArray(v) ? v : undefined;
}

export function num(flags: ParsedFlags, name: string): number | undefined {
  const v = str(flags, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new UserError(`Option '--${name}' must be a number, got '${v}'.`, { field: `--${name}` });
  return n;
}
