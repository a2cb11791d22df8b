/** Jinja2's builtin filters (jinja2/filters.py) with Python value semantics. */
import { dumpsPy } from '../py/pyjson.js';
import { toFixedPy } from '../py/pyformat.js';
import { PyFloat, isPlainObject, pyFloat } from '../py/pyvalue.js';
import { attributeOnly, getitem, percent, pyCapitalize, pyCenter, pySplitlines, pyStrip, getattr as pyGetattr } from './access.js';
import { JinjaRenderError, typeError } from './errors.js';
import { binop, eq, isNumber, pyCompare, pyLen, toList, toStr, truthy } from './ops.js';
import { htmlUnescape, pformat, textwrap, urlQuote } from './pytext.js';
import { DictView, Markup, PyIter, PyTuple, Undefined, bindArgs, escapeHtml, param, pyTypeName, tuple, type Param, type PyKwargs } from './runtime.js';

/** What a filter may call back into: other filters and tests by name (map, select, …). */
export interface FilterEnv {
  callFilter(name: string, value: unknown, args: unknown[], kwargs: PyKwargs): unknown;
  callTest(name: string, value: unknown, args: unknown[], kwargs: PyKwargs): boolean;
}

export type FilterFn = (env: FilterEnv, value: unknown, args: unknown[], kwargs: PyKwargs) => unknown;

function filter(name: string, params: Param[], body: (env: FilterEnv, value: unknown, ...args: never[]) => unknown): FilterFn {
  return (env, value, args, kwargs) => body(env, value, ...(bindArgs(name, params, args, kwargs) as never[]));
}

function filterArgumentError(message: string): JinjaRenderError {
  return new JinjaRenderError(message, 'FilterArgumentError');
}

/** Jinja's ignore_case: lower-case strings for comparisons. */
function ignoreCase(v: unknown): unknown {
  return typeof v === 'string' ? v.toLowerCase() : v instanceof Markup ? v.text.toLowerCase() : v;
}

function attributeParts(attribute: unknown): unknown[] {
  if (attribute === null || attribute === undefined) return [];
  if (typeof attribute === 'string') return attribute.split('.').map((x) => (/^\d+$/.test(x) ? Number(x) : x));
  return [attribute];
}

/** make_attrgetter: follow `a.b.0` through getitem (item first, then attribute). */
function attrGetter(attribute: unknown, postprocess?: (v: unknown) => unknown, def: unknown = null): (item: unknown) => unknown {
  const parts = attributeParts(attribute);
  return (item) => {
    for (const part of parts) {
      item = getitem(item, part);
      if (def !== null && item instanceof Undefined) item = def;
    }
    return postprocess ? postprocess(item) : item;
  };
}

function multiAttrGetter(attribute: unknown, postprocess?: (v: unknown) => unknown): (item: unknown) => unknown[] {
  const split = typeof attribute === 'string' ? attribute.split(',') : [attribute];
  const getters = split.map((a) => attrGetter(a ?? null, postprocess));
  return (item) => getters.map((g) => g(item));
}

function sortBy<T>(items: T[], key: (v: T) => unknown, reverse: boolean): T[] {
  const keyed = items.map((v, i) => ({ v, k: key(v), i }));
  keyed.sort((a, b) => pyCompare(a.k, b.k) * (reverse ? -1 : 1) || a.i - b.i);
  return keyed.map((x) => x.v);
}

function pyInt(value: unknown, base = 10): number | bigint | undefined {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number' || value instanceof PyFloat) {
    const n = Number(value);
    if (!Number.isFinite(n)) return undefined;
    return Math.trunc(n) + 0;
  }
  if (typeof value === 'bigint') return value;
  if (typeof value === 'string' || value instanceof Markup) {
    let s = pyStrip(toStr(value)).replace(/_/g, (m, i: number, all: string) => (/[0-9a-zA-Z]/.test(all[i - 1] ?? '') && /[0-9a-zA-Z]/.test(all[i + 1] ?? '') ? '' : '\u0000'));
    const negative = s.startsWith('-');
    if (s.startsWith('-') || s.startsWith('+')) s = s.slice(1);
    let b = base;
    const prefixed = /^0([bBoOxX])/.exec(s);
    if (prefixed && (base === 0 || base === { b: 2, o: 8, x: 16 }[prefixed[1]!.toLowerCase()])) {
      b = { b: 2, o: 8, x: 16 }[prefixed[1]!.toLowerCase() as 'b' | 'o' | 'x'];
      s = s.slice(2);
    } else if (base === 0) b = 10;
    const digits = '0123456789abcdefghijklmnopqrstuvwxyz'.slice(0, b);
    if (!s || [...s.toLowerCase()].some((c) => !digits.includes(c))) return undefined;
    let big = 0n;
    for (const c of s.toLowerCase()) big = big * BigInt(b) + BigInt(digits.indexOf(c));
    if (negative) big = -big;
    return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
  }
  return undefined;
}

/** Python float(value), or undefined where it raises. */
function pyFloatOf(value: unknown): number | undefined {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number' || value instanceof PyFloat || typeof value === 'bigint') return Number(value);
  if (typeof value === 'string' || value instanceof Markup) {
    const s = pyStrip(toStr(value)).toLowerCase().replace(/(?<=\d)_(?=\d)/g, '');
    if (/^[+-]?(inf|infinity)$/.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
    if (/^[+-]?nan$/.test(s)) return NaN;
    if (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(s)) return Number(s);
  }
  return undefined;
}

/** Python round(x, n). */
function pyRound(value: unknown, precision: number): unknown {
  if (typeof value === 'number' && Number.isInteger(value) || typeof value === 'bigint' || typeof value === 'boolean') {
    const n = Number(value);
    if (precision >= 0) return n;
    const f = 10 ** -precision;
    const q = n / f;
    const r = Math.floor(q);
    const diff = q - r;
    const rounded = diff > 0.5 || (diff === 0.5 && r % 2 !== 0) ? r + 1 : r;
    return rounded * f;
  }
  if (!isNumber(value)) throw typeError(`type ${pyTypeName(value)} doesn't define __round__ method`);
  const x = Number(value);
  if (!Number.isFinite(x)) return pyFloat(x);
  if (precision >= 0) return pyFloat(Number(toFixedPy(x, Math.min(precision, 75))));
  const f = 10 ** -precision;
  return pyFloat(Number(toFixedPy(x / f, 0)) * f);
}

function applyRoundMethod(value: unknown, precision: number, method: 'ceil' | 'floor'): unknown {
  const f = 10 ** precision;
  const x = Number(value) * f;
  return pyFloat((method === 'ceil' ? Math.ceil(x) : Math.floor(x)) / f);
}

function jinjaTitle(s: string): string {
  return s.split(/([-\s({[<]+)/u).filter((x) => x).map((item) => {
    const cps = Array.from(item);
    return cps[0]!.toUpperCase() + cps.slice(1).join('').toLowerCase();
  }).join('');
}

function indent(s: string, width: unknown, first: unknown, blank: unknown): string {
  const indention = typeof width === 'string' ? width : ' '.repeat(Number(width));
  const text = `${s}\n`;
  let rv: string;
  if (truthy(blank)) {
    rv = pySplitlines(text).join(`\n${indention}`);
  } else {
    const lines = pySplitlines(text);
    rv = lines.shift() ?? '';
    if (lines.length) rv += `\n${lines.map((line) => (line ? indention + line : line)).join('\n')}`;
  }
  return truthy(first) ? indention + rv : rv;
}

function truncate(s: string, length: number, killwords: boolean, end: string, leeway: number): string {
  const endLen = [...end].length;
  if (!(length >= endLen)) throw new JinjaRenderError(`expected length >= ${endLen}, got ${length}`, 'AssertionError');
  if (!(leeway >= 0)) throw new JinjaRenderError(`expected leeway >= 0, got ${leeway}`, 'AssertionError');
  const cps = Array.from(s);
  if (cps.length <= length + leeway) return s;
  const head = cps.slice(0, Math.max(0, length - endLen)).join('');
  if (killwords) return head + end;
  const i = head.lastIndexOf(' ');
  return (i >= 0 ? head.slice(0, i) : head) + end;
}

function striptags(value: string): string {
  let v = value;
  for (let start = v.indexOf('<!--'); start !== -1; start = v.indexOf('<!--')) {
    const end = v.indexOf('-->', start);
    if (end === -1) break;
    v = v.slice(0, start) + v.slice(end + 3);
  }
  for (let start = v.indexOf('<'); start !== -1; start = v.indexOf('<')) {
    const end = v.indexOf('>', start);
    if (end === -1) break;
    v = v.slice(0, start) + v.slice(end + 1);
  }
  return htmlUnescape(v.split(/[\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/).filter((x) => x).join(' '));
}

function minMax(value: unknown, caseSensitive: unknown, attribute: unknown, sign: 1 | -1): unknown {
  const items = toList(value);
  if (!items.length) return new Undefined('No aggregated item, sequence was empty.');
  const key = attrGetter(attribute, truthy(caseSensitive) ? undefined : ignoreCase);
  let best = items[0];
  let bestKey = key(best);
  for (const item of items.slice(1)) {
    const k = key(item);
    if (pyCompare(k, bestKey) * sign < 0) { best = item; bestKey = k; }
  }
  return best;
}

/** prepare_select_or_reject + select_or_reject */
function selectOrReject(env: FilterEnv, value: unknown, args: unknown[], kwargs: PyKwargs, keep: boolean, lookupAttr: boolean): unknown {
  if (!truthy(value)) return new PyIter([][Symbol.iterator](), 'generator');
  let trans = (x: unknown) => x;
  let off = 0;
  if (lookupAttr) {
    if (!args.length) throw filterArgumentError('Missing parameter for attribute name');
    trans = attrGetter(args[0]);
    off = 1;
  }
  const name = args[off];
  const testArgs = args.slice(off + 1);
  const pass = name === undefined ? (x: unknown) => truthy(x) : (x: unknown) => env.callTest(toStr(name), x, testArgs, kwargs);
  const items = toList(value);
  return new PyIter(items.filter((item) => pass(trans(item)) === keep)[Symbol.iterator](), 'generator');
}

function mapFilter(env: FilterEnv, value: unknown, args: unknown[], kwargs: PyKwargs): unknown {
  if (!truthy(value)) return new PyIter([][Symbol.iterator](), 'generator');
  let fn: (item: unknown) => unknown;
  if (!args.length && 'attribute' in kwargs) {
    const { attribute, default: def = null, ...rest } = kwargs;
    const extra = Object.keys(rest)[0];
    if (extra !== undefined) throw filterArgumentError(`Unexpected keyword argument '${extra}'`);
    fn = attrGetter(attribute, undefined, def);
  } else {
    if (!args.length) throw filterArgumentError('map requires a filter argument');
    const name = toStr(args[0]);
    fn = (item) => env.callFilter(name, item, args.slice(1), kwargs);
  }
  const items = toList(value);
  return new PyIter(items.map(fn)[Symbol.iterator](), 'generator');
}

/** Jinja's tojson: json.dumps(sort_keys=True) made safe for HTML. */
function tojson(value: unknown, indentArg: unknown): Markup {
  const text = dumpsPy(value instanceof Undefined ? value.fail() : value, {
    ensureAscii: true,
    sortKeys: true,
    indent: indentArg === null || indentArg === undefined ? undefined : Number(indentArg),
  });
  return new Markup(text.replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026').replace(/'/g, '\\u0027'));
}

function sumFilter(iterable: unknown, attribute: unknown, start: unknown): unknown {
  let items = toList(iterable);
  if (attribute !== null && attribute !== undefined) items = items.map(attrGetter(attribute));
  let total = start;
  for (const item of items) total = binop('add', total, item, percent);
  return total;
}

function reverse(value: unknown): unknown {
  if (typeof value === 'string') return Array.from(value).reverse().join('');
  if (value instanceof Markup) return new Markup(Array.from(value.text).reverse().join(''));
  if (Array.isArray(value)) return new PyIter([...value].reverse()[Symbol.iterator](), value instanceof PyTuple ? 'reversed' : 'list_reverseiterator');
  if (isPlainObject(value)) return new PyIter(Object.keys(value).reverse()[Symbol.iterator](), 'dict_reversekeyiterator');
  try {
    return toList(value).slice().reverse();
  } catch {
    throw filterArgumentError('argument must be iterable');
  }
}

function urlencode(value: unknown): string {
  if (typeof value === 'string' || value instanceof Markup) return urlQuote(toStr(value), false);
  const pairs = isPlainObject(value) ? Object.entries(value) : Array.isArray(value) || value instanceof PyIter || value instanceof DictView ? toList(value).map((p) => toList(p)) : null;
  if (!pairs) return urlQuote(toStr(value), false);
  return pairs.map(([k, v]) => `${urlQuote(toStr(k), true)}=${urlQuote(toStr(v), true)}`).join('&');
}

function wordwrap(s: string, width: number, breakLongWords: boolean, wrapstring: unknown, breakOnHyphens: boolean): string {
  const sep = wrapstring === null || wrapstring === undefined ? '\n' : toStr(wrapstring);
  try {
    return pySplitlines(s).map((line) => textwrap(line, width, breakLongWords, breakOnHyphens).join(sep)).join(sep);
  } catch (e) {
    throw new JinjaRenderError((e as Error).message, 'ValueError');
  }
}

const len: FilterFn = (_env, value) => pyLen(value);
const defaultFilter = filter('do_default', [param('default_value', ''), param('boolean', false)], (_e, v, def: unknown, boolean: unknown) =>
  v instanceof Undefined || (truthy(boolean) && !truthy(v)) ? def : v);
const escapeFilter: FilterFn = (_env, value) => escapeHtml(value, toStr);

export const FILTERS: Record<string, FilterFn> = {
  abs: (_env, v) => {
    if (typeof v === 'boolean') return Number(v);
    if (typeof v === 'bigint') return v < 0n ? -v : v;
    if (v instanceof PyFloat) return new PyFloat(Math.abs(v.value));
    if (typeof v === 'number') return Math.abs(v);
    if (v instanceof Undefined) v.fail();
    throw typeError(`bad operand type for abs(): '${pyTypeName(v)}'`);
  },
  attr: filter('do_attr', [param('name')], (_e, v, name: unknown) => attributeOnly(v, toStr(name))),
  batch: filter('do_batch', [param('linecount'), param('fill_with', null)], (_e, v, count: unknown, fill: unknown) => {
    const n = Number(count);
    const out: unknown[][] = [];
    let tmp: unknown[] = [];
    for (const item of toList(v)) {
      if (tmp.length === n) { out.push(tmp); tmp = []; }
      tmp.push(item);
    }
    if (tmp.length) {
      if (fill !== null && tmp.length < n) while (tmp.length < n) tmp.push(fill);
      out.push(tmp);
    }
    return new PyIter(out[Symbol.iterator](), 'generator');
  }),
  capitalize: (_env, v) => pyCapitalize(toStr(v)),
  center: filter('do_center', [param('width', 80)], (_e, v, w: unknown) => pyCenter(toStr(v), Number(w))),
  count: len,
  d: defaultFilter,
  default: defaultFilter,
  dictsort: filter('do_dictsort', [param('case_sensitive', false), param('by', 'key'), param('reverse', false)], (_e, v, cs: unknown, by: unknown, rev: unknown) => {
    const pos = by === 'key' ? 0 : by === 'value' ? 1 : -1;
    if (pos < 0) throw filterArgumentError('You can only sort by either "key" or "value"');
    if (v instanceof Undefined) v.fail();
    if (!isPlainObject(v)) throw new JinjaRenderError(`'${pyTypeName(v)}' object has no attribute 'items'`, 'AttributeError');
    const items = Object.entries(v).map(([k, x]) => tuple([k, x]));
    return sortBy(items, (it) => (truthy(cs) ? it[pos] : ignoreCase(it[pos])), truthy(rev));
  }),
  e: escapeFilter,
  escape: escapeFilter,
  first: (_env, v) => {
    const items = toList(v);
    return items.length ? items[0] : new Undefined('No first item, sequence was empty.');
  },
  float: filter('do_float', [param('default', new PyFloat(0))], (_e, v, def: unknown) => {
    const f = pyFloatOf(v);
    return f === undefined ? def : pyFloat(f);
  }),
  forceescape: (_env, v) => escapeHtml(v instanceof Markup ? v.text : toStr(v), toStr),
  format: (_env, v, args, kwargs) => {
    if (args.length && Object.keys(kwargs).length) throw filterArgumentError("can't handle positional and keyword arguments at the same time");
    return percent(toStr(v), Object.keys(kwargs).length ? kwargs : tuple(args));
  },
  indent: filter('do_indent', [param('width', 4), param('first', false), param('blank', false)], (_e, v, w: unknown, first: unknown, blank: unknown) => {
    const out = indent(toStr(v), w, first, blank);
    return v instanceof Markup ? new Markup(out) : out;
  }),
  int: filter('do_int', [param('default', 0), param('base', 10)], (_e, v, def: unknown, base: unknown) => {
    const asInt = typeof v === 'string' || v instanceof Markup ? pyInt(v, Number(base)) : pyInt(v);
    if (asInt !== undefined) return asInt;
    const f = pyFloatOf(v);
    return f === undefined || !Number.isFinite(f) ? def : Math.trunc(f) + 0;
  }),
  items: (_env, v) => {
    if (v instanceof Undefined) return new PyIter([][Symbol.iterator](), 'generator');
    if (!isPlainObject(v)) throw typeError('Can only get item pairs from a mapping.');
    return new PyIter(Object.entries(v).map(([k, x]) => tuple([k, x]))[Symbol.iterator](), 'generator');
  },
  join: filter('do_join', [param('d', ''), param('attribute', null)], (_e, v, d: unknown, attribute: unknown) => {
    let items = toList(v);
    if (attribute !== null) items = items.map(attrGetter(attribute));
    return items.map(toStr).join(toStr(d));
  }),
  last: (_env, v) => {
    if (v instanceof PyIter) throw typeError("'generator' object is not reversible");
    const items = toList(v);
    return items.length ? items[items.length - 1] : new Undefined('No last item, sequence was empty.');
  },
  length: len,
  list: (_env, v) => [...toList(v)],
  lower: (_env, v) => toStr(v).toLowerCase(),
  map: mapFilter,
  max: filter('do_max', [param('case_sensitive', false), param('attribute', null)], (_e, v, cs: unknown, a: unknown) => minMax(v, cs, a, -1)),
  min: filter('do_min', [param('case_sensitive', false), param('attribute', null)], (_e, v, cs: unknown, a: unknown) => minMax(v, cs, a, 1)),
  pprint: (_env, v) => pformat(v),
  reject: (env, v, args, kwargs) => selectOrReject(env, v, args, kwargs, false, false),
  rejectattr: (env, v, args, kwargs) => selectOrReject(env, v, args, kwargs, false, true),
  replace: filter('do_replace', [param('old'), param('new'), param('count', null)], (_e, v, o: unknown, n: unknown, c: unknown) => {
    const m = pyGetattr(toStr(v), 'replace');
    return (m as { fn(a: unknown[], k: PyKwargs): unknown }).fn([toStr(o), toStr(n), c === null ? -1 : c], {});
  }),
  reverse: (_env, v) => reverse(v),
  round: filter('do_round', [param('precision', 0), param('method', 'common')], (_e, v, p: unknown, method: unknown) => {
    if (method !== 'common' && method !== 'ceil' && method !== 'floor') throw filterArgumentError('method must be common, ceil or floor');
    if (v instanceof Undefined) v.fail();
    return method === 'common' ? pyRound(v, Number(p)) : applyRoundMethod(v, Number(p), method);
  }),
  safe: (_env, v) => (v instanceof Markup ? v : new Markup(toStr(v))),
  select: (env, v, args, kwargs) => selectOrReject(env, v, args, kwargs, true, false),
  selectattr: (env, v, args, kwargs) => selectOrReject(env, v, args, kwargs, true, true),
  slice: filter('do_slice', [param('slices'), param('fill_with', null)], (_e, v, slices: unknown, fill: unknown) => {
    const seq = toList(v);
    const n = Number(slices);
    const per = Math.floor(seq.length / n);
    const extra = seq.length % n;
    let offset = 0;
    const out: unknown[][] = [];
    for (let i = 0; i < n; i++) {
      const start = offset + i * per;
      if (i < extra) offset++;
      const end = offset + (i + 1) * per;
      const tmp = seq.slice(start, end);
      if (fill !== null && i >= extra) tmp.push(fill);
      out.push(tmp);
    }
    return new PyIter(out[Symbol.iterator](), 'generator');
  }),
  sort: filter('do_sort', [param('reverse', false), param('case_sensitive', false), param('attribute', null)], (_e, v, rev: unknown, cs: unknown, a: unknown) => {
    const key = multiAttrGetter(a, truthy(cs) ? undefined : ignoreCase);
    return sortBy([...toList(v)], (x) => (a === null ? (truthy(cs) ? x : ignoreCase(x)) : tuple(key(x))), truthy(rev));
  }),
  string: (_env, v) => (v instanceof Markup ? v : toStr(v)),
  striptags: (_env, v) => striptags(toStr(v)),
  sum: filter('do_sum', [param('attribute', null), param('start', 0)], (_e, v, a: unknown, start: unknown) => sumFilter(v, a, start)),
  title: (_env, v) => jinjaTitle(toStr(v)),
  tojson: filter('do_tojson', [param('indent', null)], (_e, v, ind: unknown) => tojson(v, ind)),
  trim: filter('do_trim', [param('chars', null)], (_e, v, chars: unknown) => pyStrip(toStr(v), chars)),
  truncate: filter('do_truncate', [param('length', 255), param('killwords', false), param('end', '...'), param('leeway', null)],
    (_e, v, length: unknown, kill: unknown, end: unknown, leeway: unknown) =>
      truncate(toStr(v), Number(length), truthy(kill), toStr(end), leeway === null ? 5 : Number(leeway))),
  unique: filter('do_unique', [param('case_sensitive', false), param('attribute', null)], (_e, v, cs: unknown, a: unknown) => {
    const key = attrGetter(a, truthy(cs) ? undefined : ignoreCase);
    const seen: unknown[] = [];
    const out: unknown[] = [];
    for (const item of toList(v)) {
      const k = key(item);
      if (!seen.some((s) => eq(s, k))) { seen.push(k); out.push(item); }
    }
    return new PyIter(out[Symbol.iterator](), 'generator');
  }),
  upper: (_env, v) => toStr(v).toUpperCase(),
  urlencode: (_env, v) => urlencode(v),
  wordcount: (_env, v) => (toStr(v).match(/[\p{L}\p{N}_]+/gu) ?? []).length,
  wordwrap: filter('do_wordwrap', [param('width', 79), param('break_long_words', true), param('wrapstring', null), param('break_on_hyphens', true)],
    (_e, v, w: unknown, blw: unknown, ws: unknown, boh: unknown) => wordwrap(toStr(v), Number(w), truthy(blw), ws, truthy(boh))),
};

