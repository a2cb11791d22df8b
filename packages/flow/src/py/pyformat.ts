/**
 * Python string formatting: the `%` operator (printf style), `str.format`
 * and `format(value, spec)`. Templates use them through `"%s"|format(x)`,
 * `"%.2f" % x` and `"{}".format(x)`.
 */
import { PyFloat, formatFloat, isPlainObject, pyRepr, pyStr } from './pyvalue.js';

/** Raised for what Python raises as TypeError/ValueError/KeyError/IndexError while formatting. */
export class PyFormatError extends Error {
  constructor(readonly pythonType: string, message: string) {
    super(message);
    this.name = 'PyFormatError';
  }
}

function typeName(v: unknown): string {
  if (v === null || v === undefined) return 'NoneType';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (typeof v === 'bigint') return 'int';
  if (typeof v === 'string') return 'str';
  if (v instanceof PyFloat) return 'float';
  if (Array.isArray(v)) return (v as { pyTypeName?: string }).pyTypeName ?? (v.constructor.name === 'PyTuple' ? 'tuple' : 'list');
  if (isPlainObject(v)) return 'dict';
  return (v as { pyTypeName?: string }).pyTypeName ?? 'object';
}

/** The number behind an int/float/bool, with whether Python sees it as a float. */
function asNumber(v: unknown): { n: number; float: boolean; big?: bigint } | undefined {
  if (typeof v === 'boolean') return { n: v ? 1 : 0, float: false };
  if (typeof v === 'number') return { n: v, float: !Number.isInteger(v) };
  if (typeof v === 'bigint') return { n: Number(v), float: false, big: v };
  if (v instanceof PyFloat) return { n: v.value, float: true };
  return undefined;
}

/** x.toFixed(p) with Python's round-half-even on exact ties and a kept negative zero. */
export function toFixedPy(x: number, p: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf';
  const negative = x < 0 || Object.is(x, -0);
  const a = Math.abs(x);
  let s: string;
  if (a >= 1e21) {
    s = BigInt(a).toString() + (p > 0 ? `.${'0'.repeat(p)}` : '');
  } else {
    s = a.toFixed(p);
    if (p + 25 <= 100) {
      const long = a.toFixed(p + 25);
      if (long.endsWith(`5${'0'.repeat(24)}`)) {
        const truncated = long.slice(0, long.length - 25).replace(/\.$/, '');
        const lastDigit = Number(truncated[truncated.length - 1]);
        if (lastDigit % 2 === 0) s = truncated;
      }
    }
  }
  return negative ? `-${s}` : s;
}

/** x.toExponential(p) in Python's shape (`1.5e+00`). */
function toExpPy(x: number, p: number, upper: boolean): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf';
  const negative = x < 0 || Object.is(x, -0);
  const [m, e] = Math.abs(x).toExponential(p).split('e');
  const exp = Number(e);
  const text = `${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return (negative ? '-' : '') + (upper ? text.toUpperCase() : text);
}

/** `%g` / `{:g}`: significant digits, trailing zeros stripped unless `alt`. */
function toGeneralPy(x: number, p: number, alt: boolean, upper: boolean, keepPointZero = false): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf';
  const prec = p === 0 ? 1 : p;
  if (x === 0) {
    const z = alt ? `0.${'0'.repeat(prec - 1)}` : keepPointZero ? '0.0' : '0';
    return (Object.is(x, -0) ? '-' : '') + z.replace(/\.$/, '');
  }
  const exp = Number(Math.abs(x).toExponential(prec - 1).split('e')[1]);
  const strip = (s: string) => (alt ? s : s.replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, ''));
  if (exp >= -4 && exp < prec) {
    let s = strip(toFixedPy(x, prec - 1 - exp));
    if (keepPointZero && !s.includes('.')) s += '.0';
    return s;
  }
  const [m, e] = toExpPy(x, prec - 1, upper).split(upper ? 'E' : 'e');
  return `${strip(m!)}${upper ? 'E' : 'e'}${e}`;
}

// ---- printf style ----

const PERCENT_RE = /%(?:\(([^)]*)\))?([-+ #0]*)(\*|\d+)?(?:\.(\*|\d+))?[hlL]?(.)?/gs;

/** Python's `fmt % args` for str. */
export function percentFormat(fmt: string, args: unknown): string {
  const isTuple = Array.isArray(args) && (args as { constructor: { name: string } }).constructor.name === 'PyTuple';
  const positional = isTuple ? (args as unknown[]) : [args];
  const mapping = !isTuple && isPlainObject(args) ? args : undefined;
  let next = 0;
  let usedMapping = false;
  const take = (): unknown => {
    if (next >= positional.length) throw new PyFormatError('TypeError', 'not enough arguments for format string');
    return positional[next++];
  };
  const out = fmt.replace(PERCENT_RE, (whole, key: string | undefined, flags: string, width: string | undefined, prec: string | undefined, conv: string | undefined, offset: number) => {
    if (conv === undefined) throw new PyFormatError('ValueError', 'incomplete format');
    if (conv === '%' && whole === '%%') return '%';
    let value: unknown;
    const w = width === '*' ? Number(asNumber(take())?.n ?? 0) : width === undefined ? undefined : Number(width);
    const p = prec === '*' ? Number(asNumber(take())?.n ?? 0) : prec === undefined ? undefined : Number(prec);
    if (key !== undefined) {
      if (!mapping) throw new PyFormatError('TypeError', 'format requires a mapping');
      usedMapping = true;
      if (!Object.prototype.hasOwnProperty.call(mapping, key)) throw new PyFormatError('KeyError', pyRepr(key));
      value = mapping[key];
    } else if (conv !== '%') {
      value = take();
    }
    return convertPercent(conv, value, flags, w, p, offset + whole.length - 1);
  });
  if (!usedMapping && next < positional.length && !(mapping && next === 0)) {
    throw new PyFormatError('TypeError', 'not all arguments converted during string formatting');
  }
  return out;
}

function pad(body: string, sign: string, width: number | undefined, left: boolean, zero: boolean): string {
  const len = [...body].length + sign.length;
  if (width === undefined || len >= width) return sign + body;
  if (left) return sign + body + ' '.repeat(width - len);
  if (zero) return sign + '0'.repeat(width - len) + body;
  return ' '.repeat(width - len) + sign + body;
}

function convertPercent(conv: string, value: unknown, flags: string, width: number | undefined, prec: number | undefined, convIndex: number): string {
  const left = flags.includes('-');
  const zero = flags.includes('0') && !left;
  const alt = flags.includes('#');
  const signFor = (negative: boolean) => (negative ? '-' : flags.includes('+') ? '+' : flags.includes(' ') ? ' ' : '');
  switch (conv) {
    case 's': case 'r': case 'a': {
      let s = conv === 's' ? pyStr(value) : pyRepr(value);
      if (prec !== undefined) s = [...s].slice(0, prec).join('');
      return pad(s, '', width, left, false);
    }
    case 'd': case 'i': case 'u': case 'x': case 'X': case 'o': {
      const num = asNumber(value);
      const intOnly = conv === 'x' || conv === 'X' || conv === 'o';
      if (!num || (intOnly && num.float)) {
        const what = intOnly ? 'an integer is required' : 'a real number is required';
        throw new PyFormatError('TypeError', `%${conv} format: ${what}, not ${typeName(value)}`);
      }
      const big = num.big ?? BigInt(Math.trunc(num.n));
      const negative = big < 0n;
      const abs = negative ? -big : big;
      let digits = conv === 'x' || conv === 'X' ? abs.toString(16) : conv === 'o' ? abs.toString(8) : abs.toString();
      if (conv === 'X') digits = digits.toUpperCase();
      if (prec !== undefined) digits = digits.padStart(prec, '0');
      const prefix = alt ? (conv === 'x' ? '0x' : conv === 'X' ? '0X' : conv === 'o' ? '0o' : '') : '';
      return pad(digits, signFor(negative) + prefix, width, left, zero);
    }
    case 'e': case 'E': case 'f': case 'F': case 'g': case 'G': {
      const num = asNumber(value);
      if (!num) throw new PyFormatError('TypeError', `must be real number, not ${typeName(value)}`);
      const x = num.n;
      const p = prec ?? 6;
      const negative = x < 0 || Object.is(x, -0);
      let body: string;
      if (conv === 'f' || conv === 'F') body = toFixedPy(Math.abs(x), p);
      else if (conv === 'e' || conv === 'E') body = toExpPy(Math.abs(x), p, conv === 'E');
      else body = toGeneralPy(Math.abs(x), p, alt, conv === 'G');
      if (conv === 'F' || conv === 'E' || conv === 'G') body = body.toUpperCase();
      if (alt && !body.includes('.') && (conv === 'f' || conv === 'F')) body += '.';
      return pad(body, signFor(negative && !Number.isNaN(x)), width, left, zero && Number.isFinite(x));
    }
    case 'c': {
      const num = asNumber(value);
      const s = typeof value === 'string' ? value : num && !num.float ? String.fromCodePoint(num.n) : '';
      if (typeof value === 'string' && [...value].length !== 1) throw new PyFormatError('TypeError', '%c requires int or char');
      return pad(s, '', width, left, false);
    }
    case '%':
      return pad('%', '', width, left, false);
    default: {
      const code = conv.codePointAt(0)!;
      throw new PyFormatError('ValueError', `unsupported format character '${conv}' (0x${code.toString(16)}) at index ${convIndex}`);
    }
  }
}

// ---- format(value, spec) ----

const SPEC_RE = /^(?:(.)?([<>=^]))?([-+ ])?(z)?(#)?(0)?(\d+)?([,_])?(?:\.(\d+))?([bcdeEfFgGnosxX%])?$/su;

/** Python's format(value, spec) for str, int, float, bool and None. */
export function formatSpec(value: unknown, spec: string): string {
  if (spec === '') return pyStr(value);
  const m = SPEC_RE.exec(spec);
  if (!m) throw new PyFormatError('ValueError', `Invalid format specifier '${spec}' for object of type '${typeName(value)}'`);
  const [, fillChar, alignChar, signChar, , altFlag, zeroFlag, widthText, grouping, precText, typeChar] = m;
  let fill = fillChar ?? ' ';
  let align = alignChar;
  const width = widthText === undefined ? undefined : Number(widthText);
  const prec = precText === undefined ? undefined : Number(precText);
  const num = typeof value === 'string' ? undefined : asNumber(value);
  if (zeroFlag && !alignChar) { fill = '0'; align = '='; }

  let sign = '';
  let body: string;
  if (typeof value === 'string' || (!num && typeChar === undefined)) {
    if (typeChar !== undefined && typeChar !== 's') {
      throw new PyFormatError('ValueError', `Unknown format code '${typeChar}' for object of type '${typeName(value)}'`);
    }
    if (!num && typeof value !== 'string') {
      throw new PyFormatError('TypeError', `unsupported format string passed to ${typeName(value)}.__format__`);
    }
    body = prec === undefined ? (value as string) : [...(value as string)].slice(0, prec).join('');
    align = align ?? '<';
  } else if (num) {
    const isFloatType = typeChar !== undefined && 'eEfFgGn%'.includes(typeChar) && typeChar !== 'n';
    const treatAsFloat = num.float || isFloatType || (typeChar === 'n' && num.float);
    const x = num.n;
    const negative = x < 0 || Object.is(x, -0) && treatAsFloat;
    sign = negative ? '-' : signChar === '+' ? '+' : signChar === ' ' ? ' ' : '';
    const a = Math.abs(x);
    if (!treatAsFloat) {
      const big = num.big ?? BigInt(Math.trunc(x));
      const abs = big < 0n ? -big : big;
      switch (typeChar) {
        case 'b': body = abs.toString(2); if (altFlag) sign += '0b'; break;
        case 'o': body = abs.toString(8); if (altFlag) sign += '0o'; break;
        case 'x': body = abs.toString(16); if (altFlag) sign += '0x'; break;
        case 'X': body = abs.toString(16).toUpperCase(); if (altFlag) sign += '0X'; break;
        case 'c': body = String.fromCodePoint(Number(abs)); break;
        case 's': throw new PyFormatError('ValueError', `Unknown format code 's' for object of type '${typeName(value)}'`);
        default:
          if (prec !== undefined) throw new PyFormatError('ValueError', 'Precision not allowed in integer format specifier');
          body = abs.toString();
      }
    } else {
      const p = prec ?? 6;
      switch (typeChar) {
        case 'f': case 'F': body = toFixedPy(a, p); break;
        case 'e': case 'E': body = toExpPy(a, p, typeChar === 'E'); break;
        case 'g': case 'G': body = toGeneralPy(a, p, Boolean(altFlag), typeChar === 'G'); break;
        case '%': body = `${toFixedPy(a * 100, p)}%`; break;
        case 's': throw new PyFormatError('ValueError', `Unknown format code 's' for object of type 'float'`);
        default:
          body = prec === undefined ? formatFloat(a) : toGeneralPy(a, prec, Boolean(altFlag), false, true);
      }
      if (typeChar === 'F' || typeChar === 'E' || typeChar === 'G') body = body.toUpperCase();
    }
    if (grouping) {
      const [intPart, rest] = splitNumber(body);
      body = intPart.replace(/\B(?=(\d{3})+(?!\d))/g, grouping) + rest;
    }
    align = align ?? '>';
  } else {
    throw new PyFormatError('TypeError', `unsupported format string passed to ${typeName(value)}.__format__`);
  }

  const len = [...body].length + sign.length;
  if (width === undefined || len >= width) return sign + body;
  const padding = width - len;
  switch (align) {
    case '<': return sign + body + fill.repeat(padding);
    case '>': return fill.repeat(padding) + sign + body;
    case '^': return fill.repeat(Math.floor(padding / 2)) + sign + body + fill.repeat(padding - Math.floor(padding / 2));
    default: return sign + fill.repeat(padding) + body;
  }
}

function splitNumber(body: string): [string, string] {
  const m = /^(\d*)(.*)$/s.exec(body)!;
  return [m[1]!, m[2]!];
}

// ---- str.format ----

/** Looks up `.attr` / `[key]` in a replacement field; the caller supplies sandboxed access. */
export interface FieldAccess {
  getattr(obj: unknown, name: string): unknown;
  getitem(obj: unknown, key: unknown): unknown;
  toStr(value: unknown): string;
}

/** Python's str.format(*args, **kwargs) (nested replacement fields in specs are supported one level deep). */
export function strFormat(fmt: string, args: unknown[], kwargs: Record<string, unknown>, access: FieldAccess): string {
  let out = '';
  let auto = 0;
  let mode: 'auto' | 'manual' | undefined;
  let i = 0;
  while (i < fmt.length) {
    const ch = fmt[i]!;
    if (ch === '}') {
      if (fmt[i + 1] === '}') { out += '}'; i += 2; continue; }
      throw new PyFormatError('ValueError', "Single '}' encountered in format string");
    }
    if (ch !== '{') { out += ch; i++; continue; }
    if (fmt[i + 1] === '{') { out += '{'; i += 2; continue; }
    // find the matching close brace, allowing one level of nesting in the spec
    let depth = 1;
    let j = i + 1;
    while (j < fmt.length && depth > 0) {
      if (fmt[j] === '{') depth++;
      else if (fmt[j] === '}') depth--;
      if (depth > 0) j++;
    }
    if (depth > 0) throw new PyFormatError('ValueError', "expected '}' before end of string");
    const field = fmt.slice(i + 1, j);
    i = j + 1;
    const fm = /^([^.[!:]*)((?:\.[^.[!:]+|\[[^\]]*\])*)(?:!([rsa]))?(?::(.*))?$/s.exec(field);
    if (!fm) throw new PyFormatError('ValueError', 'Invalid format string');
    const [, argName, chain, conversion, rawSpec] = fm;
    let value: unknown;
    if (argName === '') {
      if (mode === 'manual') throw new PyFormatError('ValueError', 'cannot switch from manual field specification to automatic field numbering');
      mode = 'auto';
      if (auto >= args.length) throw new PyFormatError('IndexError', 'tuple index out of range');
      value = args[auto++];
    } else if (/^\d+$/.test(argName!)) {
      if (mode === 'auto') throw new PyFormatError('ValueError', 'cannot switch from automatic field numbering to manual field specification');
      mode = 'manual';
      const n = Number(argName);
      if (n >= args.length) throw new PyFormatError('IndexError', 'tuple index out of range');
      value = args[n];
    } else {
      if (!Object.prototype.hasOwnProperty.call(kwargs, argName!)) throw new PyFormatError('KeyError', pyRepr(argName));
      value = kwargs[argName!];
    }
    for (const part of chain!.match(/\.[^.[]+|\[[^\]]*\]/g) ?? []) {
      if (part.startsWith('.')) value = access.getattr(value, part.slice(1));
      else {
        const key = part.slice(1, -1);
        value = access.getitem(value, /^\d+$/.test(key) ? Number(key) : key);
      }
    }
    if (conversion === 'r' || conversion === 'a') value = pyRepr(value);
    else if (conversion === 's') value = access.toStr(value);
    const spec = (rawSpec ?? '').replace(/\{([^{}]*)\}/g, (_m, inner: string) => access.toStr(strFormat(`{${inner}}`, args, kwargs, access)));
    out += spec === '' ? access.toStr(value) : formatSpec(value, spec);
  }
  return out;
}
