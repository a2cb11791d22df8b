/**
 * JSON the way Python writes and reads it. Prompt flow's run files are
 * produced by `json.dumps(v, ensure_ascii=False)` and pandas' `to_json`, and
 * inputs are read with `json.loads`, which keeps the int/float distinction
 * that JavaScript's JSON.parse loses.
 */
import { PyFloat, formatFloat, isPlainObject, isPyFloat, pyFloat } from './pyvalue.js';

/** Python's json.JSONDecodeError: message ends with `line L column C (char P)`. */
export class PyJsonDecodeError extends Error {
  constructor(
    readonly msg: string,
    readonly lineno: number,
    readonly colno: number,
    readonly pos: number,
  ) {
    super(`${msg}: line ${lineno} column ${colno} (char ${pos})`);
    this.name = 'JSONDecodeError';
  }
}

const NUMBER_RE = /(-?(?:0|[1-9]\d*))(\.\d+)?([eE][-+]?\d+)?/y;
const WS_RE = /[ \t\n\r]*/y;

/** `json.loads`: floats stay floats (PyFloat when integral), big ints become bigint. */
export function parsePyJson(text: string): unknown {
  return new PyJsonParser(text).parseDocument();
}

class PyJsonParser {
  private pos = 0;
  constructor(private readonly s: string) {}

  parseDocument(): unknown {
    this.skipWs();
    const value = this.parseValue();
    this.skipWs();
    if (this.pos !== this.s.length) this.fail('Extra data', this.pos);
    return value;
  }

  private fail(msg: string, at: number): never {
    // Python counts code points, JavaScript counts UTF-16 units.
    const before = this.s.slice(0, at);
    const pos = [...before].length;
    const lineno = before.split('\n').length;
    const lastNl = before.lastIndexOf('\n');
    const colno = lastNl < 0 ? pos + 1 : [...before.slice(lastNl + 1)].length + 1;
    throw new PyJsonDecodeError(msg, lineno, colno, pos);
  }

  private skipWs(): void {
    WS_RE.lastIndex = this.pos;
    WS_RE.exec(this.s);
    this.pos = WS_RE.lastIndex;
  }

  private parseValue(): unknown {
    const s = this.s;
    const ch = s[this.pos];
    switch (ch) {
      case '"': return this.parseString();
      case '{': return this.parseObject();
      case '[': return this.parseArray();
      case 'n': if (s.startsWith('null', this.pos)) { this.pos += 4; return null; } break;
      case 't': if (s.startsWith('true', this.pos)) { this.pos += 4; return true; } break;
      case 'f': if (s.startsWith('false', this.pos)) { this.pos += 5; return false; } break;
      case 'N': if (s.startsWith('NaN', this.pos)) { this.pos += 3; return new PyFloat(NaN); } break;
      case 'I': if (s.startsWith('Infinity', this.pos)) { this.pos += 8; return new PyFloat(Infinity); } break;
      case '-': if (s.startsWith('-Infinity', this.pos)) { this.pos += 9; return new PyFloat(-Infinity); } break;
      default: break;
    }
    NUMBER_RE.lastIndex = this.pos;
    const m = NUMBER_RE.exec(s);
    if (m) {
      this.pos = NUMBER_RE.lastIndex;
      if (m[2] === undefined && m[3] === undefined) {
        const n = Number(m[1]);
        return Number.isSafeInteger(n) ? n : BigInt(m[1]!);
      }
      return pyFloat(Number(m[0]));
    }
    return this.fail('Expecting value', this.pos);
  }

  private parseString(): string {
    const s = this.s;
    const start = this.pos;
    let i = start + 1;
    let out = '';
    for (;;) {
      let j = i;
      while (j < s.length) {
        const c = s.charCodeAt(j);
        if (c === 0x22 || c === 0x5c || c < 0x20) break;
        j++;
      }
      out += s.slice(i, j);
      if (j >= s.length) this.fail('Unterminated string starting at', start);
      const c = s.charCodeAt(j);
      if (c === 0x22) { this.pos = j + 1; return out; }
      if (c < 0x20) this.fail('Invalid control character at', j);
      // backslash escape
      const e = s[j + 1];
      if (e === undefined) this.fail('Unterminated string starting at', start);
      const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
      if (e in simple) { out += simple[e]; i = j + 2; continue; }
      if (e !== 'u') this.fail('Invalid \\escape', j);
      const hex = s.slice(j + 2, j + 6);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('Invalid \\uXXXX escape', j + 1);
      out += String.fromCharCode(parseInt(hex, 16));
      i = j + 6;
    }
  }

  private parseObject(): Record<string, unknown> {
    const s = this.s;
    const obj: Record<string, unknown> = {};
    this.pos++;
    this.skipWs();
    if (s[this.pos] === '}') { this.pos++; return obj; }
    for (;;) {
      if (s[this.pos] !== '"') this.fail('Expecting property name enclosed in double quotes', this.pos);
      const key = this.parseString();
      this.skipWs();
      if (s[this.pos] !== ':') this.fail("Expecting ':' delimiter", this.pos);
      this.pos++;
      this.skipWs();
      setKey(obj, key, this.parseValue());
      this.skipWs();
      if (s[this.pos] === '}') { this.pos++; return obj; }
      if (s[this.pos] !== ',') this.fail("Expecting ',' delimiter", this.pos);
      this.pos++;
      this.skipWs();
    }
  }

  private parseArray(): unknown[] {
    const s = this.s;
    const arr: unknown[] = [];
    this.pos++;
    this.skipWs();
    if (s[this.pos] === ']') { this.pos++; return arr; }
    for (;;) {
      arr.push(this.parseValue());
      this.skipWs();
      if (s[this.pos] === ']') { this.pos++; return arr; }
      if (s[this.pos] !== ',') this.fail("Expecting ',' delimiter", this.pos);
      this.pos++;
      this.skipWs();
    }
  }
}

/** Assign without tripping over the `__proto__` setter. */
function setKey(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
  else obj[key] = value;
}

export interface DumpsOptions {
  /** Pretty-print with this many spaces (Python `indent=`). */
  indent?: number;
  /** Escape non-ASCII as \uXXXX (Python's default; Prompt flow passes False). */
  ensureAscii?: boolean;
  /** Sort dict keys by code point (Python `sort_keys=True`). */
  sortKeys?: boolean;
}

/** Python `json.dumps(value, ensure_ascii=False)` (options mirror Python's keywords). */
export function dumpsPy(value: unknown, options: DumpsOptions = {}): string {
  const indent = options.indent === undefined ? undefined : ' '.repeat(options.indent);
  return encodeValue(value, options.ensureAscii ?? false, options.sortKeys ?? false, indent, '');
}

/** Compare strings by code point, as Python sorts str. */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a.codePointAt(i)!;
    const cb = b.codePointAt(i)!;
    if (ca !== cb) return ca - cb;
    if (ca > 0xffff) i++;
  }
  return a.length - b.length;
}

function encodeValue(value: unknown, ascii: boolean, sortKeys: boolean, indent: string | undefined, level: string): string {
  if (value === null || value === undefined) return 'null';
  if (value === true) return 'true';
  if (value === false) return 'false';
  if (typeof value === 'string') return encodeString(value, ascii);
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : encodeFloat(value);
  if (typeof value === 'bigint') return value.toString();
  if (isPyFloat(value)) return encodeFloat(value.value);
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    const items = value.map((v) => encodeValue(v, ascii, sortKeys, indent, indent === undefined ? level : level + indent));
    return joinContainer('[', ']', items, indent, level);
  }
  const entries = dictEntries(value);
  if (entries) {
    const kept = entries.filter(([, v]) => v !== undefined);
    if (sortKeys) kept.sort(([a], [b]) => compareCodePoints(a, b));
    if (kept.length === 0) return '{}';
    const inner = indent === undefined ? level : level + indent;
    const items = kept.map(([k, v]) => `${encodeString(k, ascii)}: ${encodeValue(v, ascii, sortKeys, indent, inner)}`);
    return joinContainer('{', '}', items, indent, level);
  }
  if (typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return encodeValue((value as { toJSON(): unknown }).toJSON(), ascii, sortKeys, indent, level);
  }
  const typeName = typeof value === 'object' ? (value as object).constructor?.name ?? 'object' : typeof value;
  throw new TypeError(`Object of type ${typeName} is not JSON serializable`);
}

/** Entries of a dict-like value (plain object or Map with string keys), else undefined. */
function dictEntries(value: unknown): [string, unknown][] | undefined {
  if (isPlainObject(value)) return Object.entries(value);
  if (value instanceof Map) return [...value.entries()].map(([k, v]) => [String(k), v]);
  return undefined;
}

function joinContainer(open: string, close: string, items: string[], indent: string | undefined, level: string): string {
  if (indent === undefined) return `${open}${items.join(', ')}${close}`;
  const inner = level + indent;
  return `${open}\n${inner}${items.join(`,\n${inner}`)}\n${level}${close}`;
}

function encodeFloat(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return 'Infinity';
  if (n === -Infinity) return '-Infinity';
  return formatFloat(n);
}

const JSON_ESCAPES: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f' };

function hex4(code: number): string {
  return `\\u${code.toString(16).padStart(4, '0')}`;
}

function encodeString(s: string, ascii: boolean): string {
  const re = ascii ? /["\\\x00-\x1f\u007f-\uffff]/g : /["\\\x00-\x1f]/g;
  return `"${s.replace(re, (ch) => JSON_ESCAPES[ch] ?? hex4(ch.charCodeAt(0)))}"`;
}

/**
 * One line of pandas `DataFrame.to_json(orient="records", lines=True, force_ascii=False)`:
 * compact, `/` escaped, floats with pandas' default double_precision=10, NaN/inf as null.
 * Values are taken as they are; use dumpsPandasRecords to apply pandas' column dtypes.
 */
export function dumpsPandasRecord(record: Record<string, unknown>): string {
  return encodePandas(record);
}

/**
 * The whole `to_json(orient="records", lines=True)` output of
 * `pd.DataFrame(records)`: columns are the union of keys in first-seen order,
 * a missing key is null, and a numeric column holding any float or missing
 * value is float64, so its ints print as `1.0`. Ends with a newline like pandas.
 */
export function dumpsPandasRecords(records: Record<string, unknown>[]): string {
  const columns: string[] = [];
  const seen = new Set<string>();
  for (const r of records) for (const k of Object.keys(r)) if (!seen.has(k)) { seen.add(k); columns.push(k); }
  const floatColumns = new Set(columns.filter((c) => isFloat64Column(records.map((r) => (c in r ? r[c] : undefined)))));
  const lines = records.map((r) => {
    const row: Record<string, unknown> = {};
    for (const c of columns) {
      const v = c in r ? r[c] : undefined;
      setKey(row, c, floatColumns.has(c) && typeof v === 'number' ? new PyFloat(v) : v ?? null);
    }
    return encodePandas(row);
  });
  return lines.length ? `${lines.join('\n')}\n` : '';
}

/** pandas infers float64 for a column of numbers that holds a float or a missing value. */
function isFloat64Column(values: unknown[]): boolean {
  let sawFloat = false;
  for (const v of values) {
    if (v === null || v === undefined) { sawFloat = true; continue; }
    if (isPyFloat(v)) { sawFloat = true; continue; }
    if (typeof v === 'number') { if (!Number.isInteger(v)) sawFloat = true; continue; }
    return false;
  }
  return sawFloat && values.some((v) => v !== null && v !== undefined);
}

function encodePandas(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (value === true) return 'true';
  if (value === false) return 'false';
  if (typeof value === 'string') return encodePandasString(value);
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : pandasDouble(value);
  if (typeof value === 'bigint') return value.toString();
  if (isPyFloat(value)) return pandasDouble(value.value);
  if (Array.isArray(value)) return `[${value.map(encodePandas).join(',')}]`;
  const entries = dictEntries(value);
  if (entries) return `{${entries.map(([k, v]) => `${encodePandasString(k)}:${encodePandas(v)}`).join(',')}}`;
  if (typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return encodePandas((value as { toJSON(): unknown }).toJSON());
  }
  return encodePandasString(String(value));
}

const PANDAS_ESCAPES: Record<string, string> = { ...JSON_ESCAPES, '/': '\\/' };

function encodePandasString(s: string): string {
  return `"${s.replace(/["\\/\x00-\x1f]/g, (ch) => PANDAS_ESCAPES[ch] ?? hex4(ch.charCodeAt(0)))}"`;
}

const PANDAS_PRECISION = 10;

/** ujson's Buffer_AppendDoubleUnchecked as vendored by pandas, at double_precision=10. */
export function pandasDouble(value: number): string {
  if (!Number.isFinite(value)) return 'null';
  const neg = value < 0;
  const v = Math.abs(value);
  if (v > 1e16 - 1 || (v !== 0 && v < 1e-15)) return cPrintfG(neg ? -v : v, PANDAS_PRECISION);
  const pow10 = 10 ** PANDAS_PRECISION;
  let whole = Math.trunc(v);
  const tmp = (v - whole) * pow10;
  let frac = Math.trunc(tmp);
  const diff = tmp - frac;
  if (diff > 0.5) frac++;
  else if (diff === 0.5 && (frac === 0 || frac % 2 === 1)) frac++;
  if (frac >= pow10) { frac = 0; whole++; }
  let fracText = '0';
  if (frac) fracText = String(frac).padStart(PANDAS_PRECISION, '0').replace(/0+$/, '');
  const wholeText = BigInt(whole).toString();
  return `${neg ? '-' : ''}${wholeText}.${fracText}`;
}

/** C's `%.{p}g`. */
function cPrintfG(n: number, precision: number): string {
  const [mant, expText] = n.toExponential(precision - 1).split('e');
  const exp = Number(expText);
  if (exp < -4 || exp >= precision) {
    const m = mant!.includes('.') ? mant!.replace(/0+$/, '').replace(/\.$/, '') : mant!;
    return `${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  const fixed = n.toFixed(Math.max(0, precision - 1 - exp));
  return fixed.includes('.') ? fixed.replace(/0+$/, '').replace(/\.$/, '') : fixed;
}
