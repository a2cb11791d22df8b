/** Python operator semantics for template expressions (numbers, str, list, dict, None). */
import { compareCodePoints } from '../py/pyjson.js';
import { PyFloat, isPlainObject, pyEquals, pyFloat, pyStr, pyTruthy } from '../py/pyvalue.js';
import { JinjaRenderError, typeError } from './errors.js';
import { DictView, Markup, PyIter, PyTuple, Undefined, pyTypeName, tuple } from './runtime.js';

export function isUndefined(v: unknown): v is Undefined {
  return v instanceof Undefined;
}

/** str(v) */
export function toStr(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v instanceof Undefined) return '';
  return pyStr(v);
}

/** bool(v) */
export function truthy(v: unknown): boolean {
  if (v instanceof Undefined) return false;
  if (v instanceof Markup) return v.text.length > 0;
  if (v instanceof DictView) return v.items.length > 0;
  if (v instanceof Map || v instanceof Set) return v.size > 0;
  return pyTruthy(v);
}

/** a == b */
export function eq(a: unknown, b: unknown): boolean {
  if (a instanceof Undefined || b instanceof Undefined) return a instanceof Undefined && b instanceof Undefined;
  if (a instanceof Markup) a = a.text;
  if (b instanceof Markup) b = b.text;
  if (Array.isArray(a) && Array.isArray(b) && a instanceof PyTuple !== b instanceof PyTuple) return false;
  if (a instanceof DictView || b instanceof DictView) return a === b;
  return pyEquals(a, b);
}

const SURROGATE_RE = /[\uD800-\uDFFF]/;

/** A string's code points, so that indexing and len() count like Python. */
export function codePoints(s: string): string[] | string {
  return SURROGATE_RE.test(s) ? Array.from(s) : s;
}

export function strLen(s: string): number {
  return SURROGATE_RE.test(s) ? Array.from(s).length : s.length;
}

/** len(v) */
export function pyLen(v: unknown): number {
  if (typeof v === 'string') return strLen(v);
  if (v instanceof Markup) return strLen(v.text);
  if (Array.isArray(v)) return v.length;
  if (v instanceof Undefined) return 0;
  if (v instanceof DictView) return v.items.length;
  if (v instanceof Map || v instanceof Set) return v.size;
  if (isPlainObject(v)) return Object.keys(v).length;
  throw typeError(`object of type ${q(pyTypeName(v))} has no len()`);
}

function q(s: string): string {
  return `'${s}'`;
}

/** iter(v) drained into an array (a generator is consumed). */
export function toList(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (typeof v === 'string') {
    const cp = codePoints(v);
    return typeof cp === 'string' ? cp.split('') : cp;
  }
  if (v instanceof Markup) return toList(v.text);
  if (v instanceof Undefined) return [];
  if (v instanceof PyIter) return Array.from(v);
  if (v instanceof DictView) return v.items;
  if (v instanceof Map || v instanceof Set) return Array.from(v.keys());
  if (isPlainObject(v)) return Object.keys(v);
  if (v !== null && typeof v === 'object' && Symbol.iterator in v) return Array.from(v as Iterable<unknown>);
  throw typeError(`${q(pyTypeName(v))} object is not iterable`);
}

export function isIterable(v: unknown): boolean {
  if (typeof v === 'string' || Array.isArray(v) || isPlainObject(v)) return true;
  return v instanceof Undefined || v instanceof PyIter || v instanceof DictView || v instanceof Markup ||
    (v !== null && typeof v === 'object' && Symbol.iterator in v);
}

// ---- numbers ----

type NumKind = 'int' | 'float';

function numOf(v: unknown): { kind: NumKind; n: number; big?: bigint } | undefined {
  if (typeof v === 'number') return { kind: Number.isInteger(v) ? 'int' : 'float', n: v };
  if (typeof v === 'boolean') return { kind: 'int', n: v ? 1 : 0 };
  if (v instanceof PyFloat) return { kind: 'float', n: v.value };
  if (typeof v === 'bigint') return { kind: 'int', n: Number(v), big: v };
  return undefined;
}

export function isNumber(v: unknown): boolean {
  return typeof v === 'number' || typeof v === 'bigint' || v instanceof PyFloat;
}

function toBig(x: { n: number; big?: bigint }): bigint {
  return x.big ?? BigInt(x.n);
}

/** Normalise an exact integer result: a safe number, else a bigint. */
function intResult(n: number, exact: () => bigint): number | bigint {
  if (Number.isSafeInteger(n)) return n === 0 ? 0 : n;
  const b = exact();
  return b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b;
}

const OP_SYMBOL: Record<string, string> = { add: '+', sub: '-', mul: '*', div: '/', floordiv: '//', mod: '%', pow: '** or pow()' };

function unsupported(op: string, a: unknown, b: unknown): JinjaRenderError {
  return typeError(`unsupported operand type(s) for ${OP_SYMBOL[op]}: ${q(pyTypeName(a))} and ${q(pyTypeName(b))}`);
}

function floorMod(a: number, b: number): number {
  const r = a % b;
  return r !== 0 && (r < 0) !== (b < 0) ? r + b : r;
}

export function binop(op: string, a: unknown, b: unknown, percentFormat: (fmt: string, args: unknown) => string): unknown {
  if (a instanceof Undefined) a.fail();
  if (b instanceof Undefined) b.fail();
  const x = numOf(a);
  const y = numOf(b);
  if (x && y) return numericOp(op, x, y, a, b);
  if (a instanceof Markup) a = a.text;
  if (b instanceof Markup) b = b.text;
  switch (op) {
    case 'add':
      if (typeof a === 'string') {
        if (typeof b === 'string') return a + b;
        throw typeError(`can only concatenate str (not "${pyTypeName(b)}") to str`);
      }
      if (Array.isArray(a) && Array.isArray(b) && a instanceof PyTuple === b instanceof PyTuple) {
        return a instanceof PyTuple ? tuple([...a, ...b]) : [...a, ...b];
      }
      if (Array.isArray(a) && !(a instanceof PyTuple)) throw typeError(`can only concatenate list (not "${pyTypeName(b)}") to list`);
      if (a instanceof PyTuple) throw typeError(`can only concatenate tuple (not "${pyTypeName(b)}") to tuple`);
      break;
    case 'mul': {
      const [seq, count] = y && (typeof a === 'string' || Array.isArray(a)) ? [a, b] : x && (typeof b === 'string' || Array.isArray(b)) ? [b, a] : [undefined, undefined];
      if (seq !== undefined) {
        const c = numOf(count)!;
        if (c.kind !== 'int') throw typeError(`can't multiply sequence by non-int of type 'float'`);
        const times = Math.max(0, c.n);
        if (typeof seq === 'string') return seq.repeat(times);
        const arr = seq as unknown[];
        const out: unknown[] = [];
        for (let i = 0; i < times; i++) out.push(...arr);
        return arr instanceof PyTuple ? tuple(out) : out;
      }
      break;
    }
    case 'mod':
      if (typeof a === 'string') return percentFormat(a, b);
      break;
    default:
      break;
  }
  throw unsupported(op, a, b);
}

function numericOp(op: string, x: { kind: NumKind; n: number; big?: bigint }, y: { kind: NumKind; n: number; big?: bigint }, a: unknown, b: unknown): unknown {
  const isInt = x.kind === 'int' && y.kind === 'int';
  switch (op) {
    case 'add': return isInt ? intResult(x.n + y.n, () => toBig(x) + toBig(y)) : pyFloat(x.n + y.n);
    case 'sub': return isInt ? intResult(x.n - y.n, () => toBig(x) - toBig(y)) : pyFloat(x.n - y.n);
    case 'mul': return isInt ? intResult(x.n * y.n, () => toBig(x) * toBig(y)) : pyFloat(x.n * y.n);
    case 'div':
      if (y.n === 0) throw new JinjaRenderError(isInt ? 'division by zero' : 'float division by zero', 'ZeroDivisionError');
      return pyFloat(isInt && (x.big !== undefined || y.big !== undefined) ? Number(toBig(x)) / Number(toBig(y)) : x.n / y.n);
    case 'floordiv':
      if (y.n === 0) throw new JinjaRenderError(isInt ? 'integer division or modulo by zero' : 'float floor division by zero', 'ZeroDivisionError');
      if (isInt) {
        if (x.big === undefined && y.big === undefined) return Math.floor(x.n / y.n) + 0;
        const q0 = toBig(x) / toBig(y);
        const fix = (toBig(x) % toBig(y) !== 0n) && ((toBig(x) < 0n) !== (toBig(y) < 0n)) ? q0 - 1n : q0;
        return intResult(Number(fix), () => fix);
      }
      return pyFloat(Math.floor(x.n / y.n));
    case 'mod':
      if (y.n === 0) throw new JinjaRenderError(isInt ? 'integer modulo by zero' : 'float modulo', 'ZeroDivisionError');
      if (isInt && x.big === undefined && y.big === undefined) return floorMod(x.n, y.n) + 0;
      if (isInt) {
        const r = toBig(x) % toBig(y);
        const fixed = r !== 0n && (r < 0n) !== (toBig(y) < 0n) ? r + toBig(y) : r;
        return intResult(Number(fixed), () => fixed);
      }
      return pyFloat(floorMod(x.n, y.n));
    case 'pow':
      if (isInt && y.n >= 0) return intResult(x.n ** y.n, () => toBig(x) ** toBig(y));
      if (x.n === 0 && y.n < 0) throw new JinjaRenderError('0.0 cannot be raised to a negative power', 'ZeroDivisionError');
      return pyFloat(x.n ** y.n);
    default:
      throw unsupported(op, a, b);
  }
}

export function neg(v: unknown): unknown {
  if (v instanceof Undefined) v.fail();
  const x = numOf(v);
  if (!x) throw typeError(`bad operand type for unary -: ${q(pyTypeName(v))}`);
  if (x.kind === 'float') return pyFloat(-x.n);
  return x.big !== undefined ? intResult(-x.n, () => -x.big!) : 0 - x.n;
}

export function pos(v: unknown): unknown {
  if (v instanceof Undefined) v.fail();
  const x = numOf(v);
  if (!x) throw typeError(`bad operand type for unary +: ${q(pyTypeName(v))}`);
  return typeof v === 'boolean' ? x.n : v;
}

// ---- comparisons ----

const CMP_SYMBOL: Record<string, string> = { lt: '<', lteq: '<=', gt: '>', gteq: '>=' };

/** Python's ordering; undefined when the types do not order. */
function order(a: unknown, b: unknown): number | undefined {
  const x = numOf(a);
  const y = numOf(b);
  if (x && y) {
    if (x.big !== undefined || y.big !== undefined) {
      if (x.kind === 'int' && y.kind === 'int') return toBig(x) < toBig(y) ? -1 : toBig(x) > toBig(y) ? 1 : 0;
    }
    return x.n < y.n ? -1 : x.n > y.n ? 1 : x.n === y.n ? 0 : NaN;
  }
  if (a instanceof Markup) a = a.text;
  if (b instanceof Markup) b = b.text;
  if (typeof a === 'string' && typeof b === 'string') return compareCodePoints(a, b);
  if (Array.isArray(a) && Array.isArray(b) && a instanceof PyTuple === b instanceof PyTuple) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      if (!eq(a[i], b[i])) {
        const o = order(a[i], b[i]);
        if (o === undefined) throw typeError(`'<' not supported between instances of ${q(pyTypeName(a[i]))} and ${q(pyTypeName(b[i]))}`);
        return o;
      }
    }
    return a.length - b.length;
  }
  return undefined;
}

export function compare(op: string, a: unknown, b: unknown): boolean {
  switch (op) {
    case 'eq': return eq(a, b);
    case 'ne': return !eq(a, b);
    case 'in': return contains(b, a);
    case 'notin': return !contains(b, a);
    default: break;
  }
  if (a instanceof Undefined) a.fail();
  if (b instanceof Undefined) b.fail();
  const o = order(a, b);
  if (o === undefined) throw typeError(`${q(CMP_SYMBOL[op]!)} not supported between instances of ${q(pyTypeName(a))} and ${q(pyTypeName(b))}`);
  if (Number.isNaN(o)) return false;
  switch (op) {
    case 'lt': return o < 0;
    case 'lteq': return o <= 0;
    case 'gt': return o > 0;
    default: return o >= 0;
  }
}

/** Sort key comparison used by sort/dictsort/min/max. */
export function pyCompare(a: unknown, b: unknown): number {
  const o = order(a, b);
  if (o === undefined) throw typeError(`'<' not supported between instances of ${q(pyTypeName(b))} and ${q(pyTypeName(a))}`);
  return Number.isNaN(o) ? 0 : o;
}

/** `item in container` */
export function contains(container: unknown, item: unknown): boolean {
  if (container instanceof Markup) container = container.text;
  if (item instanceof Markup) item = item.text;
  if (typeof container === 'string') {
    if (typeof item !== 'string') throw typeError(`'in <string>' requires string as left operand, not ${pyTypeName(item)}`);
    return container.includes(item);
  }
  if (container instanceof Undefined) return false;
  if (Array.isArray(container)) return container.some((v) => eq(v, item));
  if (container instanceof DictView) return container.items.some((v) => eq(v, item));
  if (isPlainObject(container)) return typeof item === 'string' && Object.prototype.hasOwnProperty.call(container, item);
  if (container instanceof Map || container instanceof Set) return container.has(item);
  if (container instanceof PyIter) return Array.from(container).some((v) => eq(v, item));
  throw typeError(`argument of type ${q(pyTypeName(container))} is not iterable`);
}

// ---- indexing ----

/** Python's slice.indices(len) */
export function sliceIndices(len: number, start: unknown, stop: unknown, step: unknown): number[] {
  const asInt = (v: unknown, what: string): number | null => {
    if (v === null || v === undefined) return null;
    const x = numOf(v);
    if (!x || x.kind !== 'int') throw typeError('slice indices must be integers or None or have an __index__ method');
    void what;
    return x.n;
  };
  const st = asInt(step, 'step') ?? 1;
  if (st === 0) throw new JinjaRenderError('slice step cannot be zero', 'ValueError');
  let lo = asInt(start, 'start');
  let hi = asInt(stop, 'stop');
  const out: number[] = [];
  if (st > 0) {
    lo = lo === null ? 0 : lo < 0 ? Math.max(0, lo + len) : Math.min(lo, len);
    hi = hi === null ? len : hi < 0 ? Math.max(0, hi + len) : Math.min(hi, len);
    for (let i = lo; i < hi; i += st) out.push(i);
  } else {
    lo = lo === null ? len - 1 : lo < 0 ? Math.max(-1, lo + len) : Math.min(lo, len - 1);
    hi = hi === null ? -1 : hi < 0 ? Math.max(-1, hi + len) : Math.min(hi, len - 1);
    for (let i = lo; i > hi; i += st) out.push(i);
  }
  return out;
}

export function sliceValue(obj: unknown, start: unknown, stop: unknown, step: unknown): unknown {
  if (obj instanceof Markup) obj = obj.text;
  if (typeof obj === 'string') {
    const cp = codePoints(obj);
    if (typeof cp === 'string' && (step === null || step === undefined)) {
      const idx = sliceIndices(cp.length, start, stop, 1);
      return idx.length ? cp.slice(idx[0], idx[idx.length - 1]! + 1) : '';
    }
    return sliceIndices(cp.length, start, stop, step).map((i) => cp[i]).join('');
  }
  if (Array.isArray(obj)) {
    const items = sliceIndices(obj.length, start, stop, step).map((i) => obj[i]);
    return obj instanceof PyTuple ? tuple(items) : items;
  }
  return undefined;
}

/** What itemOf returns when Python would raise KeyError/IndexError/TypeError. */
export const NOT_FOUND: unique symbol = Symbol('not found');

/** obj[key] for sequences and dicts, or NOT_FOUND. */
export function itemOf(obj: unknown, key: unknown): unknown {
  if (obj instanceof Markup) obj = obj.text;
  if (Array.isArray(obj) || typeof obj === 'string') {
    const x = numOf(key);
    if (!x || x.kind !== 'int') return NOT_FOUND;
    const seq = typeof obj === 'string' ? codePoints(obj) : obj;
    const i = x.n < 0 ? x.n + seq.length : x.n;
    return i >= 0 && i < seq.length ? seq[i] : NOT_FOUND;
  }
  if (isPlainObject(obj)) {
    if (key instanceof Markup) key = key.text;
    // JSON dicts have str keys; an int key never matches one in Python.
    if (typeof key === 'string' && Object.prototype.hasOwnProperty.call(obj, key)) return obj[key];
    return NOT_FOUND;
  }
  if (obj instanceof Map) return obj.has(key) ? obj.get(key) : NOT_FOUND;
  return NOT_FOUND;
}
