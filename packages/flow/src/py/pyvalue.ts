/**
 * Python value semantics for values that cross the executor. Prompt flow is
 * Python: `str(1.0)` is "1.0", `str(None)` is "None", dicts print as
 * `{'a': 1}`. JavaScript numbers lose the int/float distinction, so a Python
 * float whose value is integral (or not finite) is boxed as a PyFloat.
 *
 * Representation:  None→null  bool→boolean  int→number (integral) or bigint
 * float→number (non-integral) or PyFloat  str→string  list→array  dict→plain object
 */

export class PyFloat {
  constructor(readonly value: number) {}
  /** JSON.stringify and arithmetic see the plain number. */
  toJSON(): number { return this.value; }
  valueOf(): number { return this.value; }
  toString(): string { return formatFloat(this.value); }
}

/** Objects that define their own Python `str()` (e.g. AzureOpenAI's ChatInputList). */
export const pyStrSymbol = Symbol.for('llmops.pyStr');
export interface PyStrable { [pyStrSymbol](): string }

/** Objects whose Python repr() differs from their str() (e.g. Markup('x'), Undefined). */
export const pyReprSymbol = Symbol.for('llmops.pyRepr');

export function isPyStrable(value: unknown): value is PyStrable {
  return typeof value === 'object' && value !== null && typeof (value as Record<symbol, unknown>)[pyStrSymbol] === 'function';
}

/** Make a Python float: box it when JavaScript would print it as an int. */
export function pyFloat(n: number): number | PyFloat {
  return Number.isInteger(n) || !Number.isFinite(n) ? new PyFloat(n) : n;
}

export function isPyFloat(value: unknown): value is PyFloat {
  return value instanceof PyFloat;
}

/** The number behind an int or float, or undefined for anything else (bool excluded). */
export function numericValue(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (value instanceof PyFloat) return value.value;
  if (typeof value === 'bigint') return Number(value);
  return undefined;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Python's float repr: shortest round-trip digits, exponent when exp < -4 or >= 16. */
export function formatFloat(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (n === Infinity) return 'inf';
  if (n === -Infinity) return '-inf';
  if (n === 0) return Object.is(n, -0) ? '-0.0' : '0.0';
  const [mantissa, expText] = n.toExponential().split('e');
  const exp = Number(expText);
  if (exp < -4 || exp >= 16) {
    const digits = mantissa!.includes('.') ? mantissa! : mantissa!;
    const sign = exp < 0 ? '-' : '+';
    return `${digits}e${sign}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  const s = n.toFixed(Math.max(0, (mantissa!.split('.')[1]?.length ?? 0) - exp));
  return s.includes('.') ? s : `${s}.0`;
}

/** What Python's str.isprintable() rejects: controls, format, surrogates, private, unassigned, separators but space. */
const NON_PRINTABLE = /^(?:[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}]|(?! )\p{Zs})$/u;

function escapeNonPrintable(code: number): string {
  if (code < 0x100) return `\\x${code.toString(16).padStart(2, '0')}`;
  if (code < 0x10000) return `\\u${code.toString(16).padStart(4, '0')}`;
  return `\\U${code.toString(16).padStart(8, '0')}`;
}

/** Python repr() of a str: single quotes unless the text has ' and no ". */
export function reprString(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (NON_PRINTABLE.test(ch)) out += escapeNonPrintable(code);
    else out += ch;
  }
  return out + quote;
}

/** Python repr(). */
export function pyRepr(value: unknown): string {
  if (typeof value === 'string') return reprString(value);
  return pyFormat(value, true);
}

/** Python str(). */
export function pyStr(value: unknown): string {
  if (typeof value === 'string') return value;
  return pyFormat(value, false);
}

function pyFormat(value: unknown, repr: boolean): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : formatFloat(value);
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof PyFloat) return formatFloat(value.value);
  if (typeof value === 'string') return reprString(value);
  if (repr && typeof value === 'object' && typeof (value as Record<symbol, unknown>)[pyReprSymbol] === 'function') {
    return (value as { [pyReprSymbol](): string })[pyReprSymbol]();
  }
  if (isPyStrable(value)) return value[pyStrSymbol]();
  if (Array.isArray(value)) return `[${value.map((v) => pyRepr(v)).join(', ')}]`;
  if (isPlainObject(value)) {
    return `{${Object.entries(value).map(([k, v]) => `${reprString(k)}: ${pyRepr(v)}`).join(', ')}}`;
  }
  return String(value);
}

/** Python truthiness. */
export function pyTruthy(value: unknown): boolean {
  if (value === null || value === undefined || value === false) return false;
  if (value === true) return true;
  if (typeof value === 'number') return value !== 0;
  if (typeof value === 'bigint') return value !== 0n;
  if (value instanceof PyFloat) return value.value !== 0;
  if (typeof value === 'string') return value.length > 0;
  if (Array.isArray(value)) return value.length > 0;
  if (isPlainObject(value)) return Object.keys(value).length > 0;
  return true;
}

/** Python `==` across the types above (`1 == 1.0`, `True == 1`, deep for list/dict). */
export function pyEquals(a: unknown, b: unknown): boolean {
  const na = typeof a === 'boolean' ? Number(a) : numericValue(a);
  const nb = typeof b === 'boolean' ? Number(b) : numericValue(b);
  if (na !== undefined && nb !== undefined) return na === nb;
  if (a === null || a === undefined) return b === null || b === undefined;
  if (typeof a === 'string' || typeof b === 'string') return a === b;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => pyEquals(v, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && pyEquals(a[k], b[k]));
  }
  return a === b;
}
