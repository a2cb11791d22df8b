/**
 * A flow's `environment_variables`: a mapping (values become strings as in
 * `FlowBase.get_environment_variables_with_overrides`: `json.dumps` for
 * dicts and lists, `str()` otherwise) or the path of a `.env` file relative
 * to the flow directory. `${connection.key}` values are kept as written; they
 * are resolved against connections when the run starts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { dumpsPy } from '../py/pyjson.js';
import { isPlainObject, pyStr } from '../py/pyvalue.js';
import type { LoadContext } from './context.js';

export function environmentVariables(ctx: LoadContext, value: unknown): Record<string, string> {
  const path = ['environment_variables'];
  if (value === undefined || value === null) return {};
  if (typeof value === 'string') {
    const file = resolve(ctx.dir, value);
    if (!existsSync(file)) {
      throw ctx.error('InvalidEnvironmentVariables', `The environment_variables file '${value}' does not exist (looked for ${file}).`, path);
    }
    return parseDotenv(readFileSync(file, 'utf8'));
  }
  if (!isPlainObject(value)) {
    throw ctx.error('InvalidEnvironmentVariables', "'environment_variables' must be a mapping of names to values, or the path of a .env file.", path);
  }
  const out: Record<string, string> = {};
  for (const [key, v] of Object.entries(value)) out[key] = Array.isArray(v) || isPlainObject(v) ? pyJsonDumps(v) : pyStr(v);
  return out;
}

/** Python's `json.dumps(v)` with its defaults (ASCII-only output). */
export function pyJsonDumps(value: unknown): string {
  return dumpsPy(value, { ensureAscii: true });
}

/** The `.env` format: `KEY=VALUE` lines, optional `export`, `#` comments, single (raw) or double (escaped) quotes. */
export function parseDotenv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const match = /^\s*(?:export\s+)?([\w.-]+)\s*=\s*(.*)$/.exec(lines[i]!);
    if (!match) continue;
    const key = match[1]!;
    let rest = match[2]!;
    const quote = rest[0];
    if (quote === '"' || quote === "'") {
      // A quoted value may span lines until its closing quote.
      let body = rest.slice(1);
      while (!closingQuote(body, quote) && i + 1 < lines.length) body += `\n${lines[++i]!}`;
      const end = closingQuote(body, quote) ?? body.length;
      rest = body.slice(0, end);
      out[key] = quote === '"' ? rest.replace(/\\([\\'"abfnrtv])/g, (_, c: string) => DOUBLE_QUOTE_ESCAPES[c] ?? c) : rest;
    } else {
      out[key] = rest.replace(/\s+#.*$/, '').trim();
    }
  }
  return out;
}

const DOUBLE_QUOTE_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', a: '\x07', b: '\b', f: '\f', v: '\v', '\\': '\\', '"': '"', "'": "'" };

function closingQuote(body: string, quote: string): number | undefined {
  for (let i = 0; i < body.length; i++) {
    if (body[i] === '\\' && quote === '"') i++;
    else if (body[i] === quote) return i;
  }
  return undefined;
}
