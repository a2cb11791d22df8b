/**
 * TEMPORARY stand-in for `../py/pyjson.js` (written by another part of the
 * project). Same signatures; swap the imports once that module lands.
 */
import { PyFloat, formatFloat, isPlainObject } from '../py/pyvalue.js';

/** JSON text → values, keeping Python floats (`1.0`, `NaN`) as PyFloat and big ints as bigint. */
export function parsePyJson(text: string): unknown {
  const parser = new Parser(text);
  parser.ws();
  const value = parser.value();
  parser.ws();
  if (parser.pos < text.length) parser.fail('unexpected trailing text');
  return value;
}

class Parser {
  pos = 0;
  constructor(private readonly text: string) {}

  fail(what: string): never {
    throw new SyntaxError(`${what} at position ${this.pos}`);
  }

  ws(): void {
    while (this.pos < this.text.length && ' \t\n\r'.includes(this.text[this.pos]!)) this.pos++;
  }

  value(): unknown {
    const ch = this.text[this.pos];
    if (ch === '{') return this.object();
    if (ch === '[') return this.array();
    if (ch === '"') return this.string();
    if (this.text.startsWith('true', this.pos)) { this.pos += 4; return true; }
    if (this.text.startsWith('false', this.pos)) { this.pos += 5; return false; }
    if (this.text.startsWith('null', this.pos)) { this.pos += 4; return null; }
    if (this.text.startsWith('NaN', this.pos)) { this.pos += 3; return new PyFloat(NaN); }
    if (this.text.startsWith('Infinity', this.pos)) { this.pos += 8; return new PyFloat(Infinity); }
    if (this.text.startsWith('-Infinity', this.pos)) { this.pos += 9; return new PyFloat(-Infinity); }
    return this.number();
  }

  object(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    this.pos++;
    this.ws();
    if (this.text[this.pos] === '}') { this.pos++; return out; }
    for (;;) {
      this.ws();
      if (this.text[this.pos] !== '"') this.fail('expected a string key');
      const key = this.string();
      this.ws();
      if (this.text[this.pos] !== ':') this.fail("expected ':'");
      this.pos++;
      this.ws();
      Object.defineProperty(out, key, { value: this.value(), enumerable: true, writable: true, configurable: true });
      this.ws();
      const sep = this.text[this.pos++];
      if (sep === '}') return out;
      if (sep !== ',') this.fail("expected ',' or '}'");
    }
  }

  array(): unknown[] {
    const out: unknown[] = [];
    this.pos++;
    this.ws();
    if (this.text[this.pos] === ']') { this.pos++; return out; }
    for (;;) {
      this.ws();
      out.push(this.value());
      this.ws();
      const sep = this.text[this.pos++];
      if (sep === ']') return out;
      if (sep !== ',') this.fail("expected ',' or ']'");
    }
  }

  string(): string {
    const start = this.pos;
    this.pos++;
    let out = '';
    for (;;) {
      const ch = this.text[this.pos];
      if (ch === undefined) { this.pos = start; this.fail('unterminated string'); }
      if (ch === '"') { this.pos++; return out; }
      if (ch === '\\') {
        const esc = this.text[this.pos + 1];
        const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
        if (esc !== undefined && esc in simple) { out += simple[esc]; this.pos += 2; continue; }
        if (esc === 'u') {
          const hex = this.text.slice(this.pos + 2, this.pos + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('bad \\u escape');
          out += String.fromCharCode(parseInt(hex, 16));
          this.pos += 6;
          continue;
        }
        this.fail('bad escape');
      }
      if (ch < ' ') this.fail('control character in string');
      out += ch;
      this.pos++;
    }
  }

  number(): unknown {
    const match = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(this.text.slice(this.pos));
    if (!match) this.fail('unexpected token');
    this.pos += match[0].length;
    const isFloat = match[2] !== undefined || match[3] !== undefined;
    if (!isFloat) {
      const n = Number(match[0]);
      return Number.isSafeInteger(n) ? n : BigInt(match[0]);
    }
    const n = Number(match[0]);
    return Number.isInteger(n) || !Number.isFinite(n) ? new PyFloat(n) : n;
  }
}

function escapePyString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (code < 0x20) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return out + '"';
}

function pyJsonFloat(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return 'Infinity';
  if (n === -Infinity) return '-Infinity';
  return formatFloat(n);
}

/** Python `json.dumps(value, ensure_ascii=False[, indent])`. */
export function dumpsPy(value: unknown, options: { indent?: number } = {}): string {
  return dump(value, options.indent, 0);
}

function dump(value: unknown, indent: number | undefined, depth: number): string {
  if (value === null || value === undefined) return 'null';
  if (value === true) return 'true';
  if (value === false) return 'false';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : pyJsonFloat(value);
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof PyFloat) return pyJsonFloat(value.value);
  if (typeof value === 'string') return escapePyString(value);
  if (value instanceof Date) return escapePyString(value.toISOString());
  const items: string[] = Array.isArray(value)
    ? value.map((v) => dump(v, indent, depth + 1))
    : isPlainObject(value) || typeof value === 'object'
      ? Object.entries(value as Record<string, unknown>).map(([k, v]) => `${escapePyString(k)}: ${dump(v, indent, depth + 1)}`)
      : [escapePyString(String(value))];
  const [open, close] = Array.isArray(value) ? ['[', ']'] : ['{', '}'];
  if (items.length === 0) return open + close;
  if (indent === undefined) return open + items.join(', ') + close;
  const pad = ' '.repeat(indent * (depth + 1));
  return `${open}\n${pad}${items.join(`,\n${pad}`)}\n${' '.repeat(indent * depth)}${close}`;
}

/** One line of pandas `to_json(orient="records", lines=True, force_ascii=False)`: compact, `/` escaped, NaN → null. */
export function dumpsPandasRecord(record: Record<string, unknown>): string {
  return dumpPandas(record);
}

function dumpPandas(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (value === true) return 'true';
  if (value === false) return 'false';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number' || value instanceof PyFloat) {
    const n = Number(value);
    if (!Number.isFinite(n)) return 'null';
    if (value instanceof PyFloat) return formatFloat(n);
    return Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(15)));
  }
  if (typeof value === 'string') return escapePyString(value).replace(/\//g, '\\/');
  if (Array.isArray(value)) return `[${value.map(dumpPandas).join(',')}]`;
  if (typeof value === 'object') {
    return `{${Object.entries(value as Record<string, unknown>).map(([k, v]) => `${escapePyString(k).replace(/\//g, '\\/')}:${dumpPandas(v)}`).join(',')}}`;
  }
  return escapePyString(String(value));
}
