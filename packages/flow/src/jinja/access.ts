/**
 * Attribute and item access as jinja2.sandbox.SandboxedEnvironment does it:
 * `x.name` tries the Python attribute, then the item; `x[k]` the reverse.
 * Attributes starting with `_` are refused (SecurityError). Python methods of
 * str, list and dict are provided so `s.upper()` and `d.items()` work.
 */
import { percentFormat, strFormat, PyFormatError } from '../py/pyformat.js';
import { isPlainObject, pyRepr, reprString } from '../py/pyvalue.js';
import { JinjaRenderError, typeError, valueError } from './errors.js';
import { NOT_FOUND, codePoints, eq, itemOf, pyCompare, strLen, toList, toStr, truthy } from './ops.js';
import { DictView, Markup, Namespace, PyCallable, PyTuple, Undefined, bindArgs, param, pyTypeName, tuple, type Param, type PyKwargs } from './runtime.js';

/** Objects that expose Python attributes to templates (loop, cycler, …). */
export interface HasPyAttrs {
  pyAttr(name: string): unknown;
}

function hasPyAttrs(v: unknown): v is HasPyAttrs {
  return typeof v === 'object' && v !== null && typeof (v as HasPyAttrs).pyAttr === 'function';
}

type Method = (self: never, args: unknown[], kwargs: PyKwargs) => unknown;

function method(params: Param[], body: (self: never, ...args: never[]) => unknown): Method {
  return (self, args, kwargs) => body(self, ...(bindArgs('method', params, args, kwargs) as never[]));
}

/** Python's str.isspace() set. */
const PY_SPACE = /[\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/;
const PY_SPACE_RUN = new RegExp(`${PY_SPACE.source}+`, 'g');

function stripChars(s: string, chars: unknown, left: boolean, right: boolean): string {
  const set = chars === null || chars === undefined ? null : new Set(Array.from(toStr(chars)));
  const isStrip = (c: string) => (set ? set.has(c) : PY_SPACE.test(c));
  const cps = Array.from(s);
  let a = 0;
  let b = cps.length;
  if (left) while (a < b && isStrip(cps[a]!)) a++;
  if (right) while (b > a && isStrip(cps[b - 1]!)) b--;
  return cps.slice(a, b).join('');
}

export function pyStrip(s: string, chars?: unknown): string {
  return stripChars(s, chars, true, true);
}

/** str.split(sep=None, maxsplit=-1) */
export function pySplit(s: string, sep: unknown = null, maxsplit: unknown = -1): string[] {
  const max = Number(maxsplit);
  if (sep === null || sep === undefined) {
    const out: string[] = [];
    let rest = stripChars(s, null, true, false);
    while (rest.length) {
      if (max >= 0 && out.length >= max) { out.push(rest); break; }
      PY_SPACE_RUN.lastIndex = 0;
      const m = PY_SPACE_RUN.exec(rest);
      if (!m) { out.push(rest); break; }
      out.push(rest.slice(0, m.index));
      rest = rest.slice(m.index + m[0].length);
    }
    return out;
  }
  const sepStr = toStr(sep);
  if (sepStr === '') throw valueError('empty separator');
  const parts = s.split(sepStr);
  if (max < 0 || parts.length <= max + 1) return parts;
  return [...parts.slice(0, max), parts.slice(max).join(sepStr)];
}

function pyRsplit(s: string, sep: unknown = null, maxsplit: unknown = -1): string[] {
  const max = Number(maxsplit);
  if (max < 0) return pySplit(s, sep, -1);
  if (sep === null || sep === undefined) {
    const out: string[] = [];
    let rest = stripChars(s, null, false, true);
    while (rest.length) {
      if (out.length >= max) { out.unshift(rest); break; }
      const m = /[\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+(?=[^\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$)/.exec(rest);
      if (!m) { out.unshift(rest); break; }
      out.unshift(rest.slice(m.index + m[0].length));
      rest = rest.slice(0, m.index);
    }
    return out;
  }
  const sepStr = toStr(sep);
  if (sepStr === '') throw valueError('empty separator');
  const parts = s.split(sepStr);
  if (parts.length <= max + 1) return parts;
  return [parts.slice(0, parts.length - max).join(sepStr), ...parts.slice(parts.length - max)];
}

/** str.splitlines(keepends=False) with Python's line boundaries. */
export function pySplitlines(s: string, keepends = false): string[] {
  const out: string[] = [];
  const re = /\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]/g;
  let last = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    out.push(s.slice(last, keepends ? m.index + m[0].length : m.index));
    last = m.index + m[0].length;
  }
  if (last < s.length) out.push(s.slice(last));
  return out;
}

function isCased(ch: string): boolean {
  return ch.toUpperCase() !== ch.toLowerCase() || /\p{Lt}/u.test(ch);
}

/** str.title() */
export function pyTitle(s: string): string {
  let out = '';
  let prevCased = false;
  for (const ch of s) {
    if (isCased(ch)) {
      out += prevCased ? ch.toLowerCase() : ch.toUpperCase();
      prevCased = true;
    } else {
      out += ch;
      prevCased = /\p{Ll}|\p{Lu}|\p{Lt}/u.test(ch);
    }
  }
  return out;
}

/** str.capitalize() */
export function pyCapitalize(s: string): string {
  const cps = Array.from(s);
  if (!cps.length) return s;
  return cps[0]!.toUpperCase() + cps.slice(1).join('').toLowerCase();
}

/** str.center(width, fill) */
export function pyCenter(s: string, width: number, fill = ' '): string {
  const len = strLen(s);
  if (width <= len) return s;
  const marg = width - len;
  const left = Math.floor(marg / 2) + (marg & width & 1);
  return fill.repeat(left) + s + fill.repeat(marg - left);
}

function affixMatch(s: string, affix: unknown, start: unknown, end: unknown, fn: (s: string, a: string) => boolean, name: string): boolean {
  const cps = codePoints(s);
  const sliced = start === null && end === null ? s : Array.from(cps).slice(start === null ? 0 : Number(start), end === null ? undefined : Number(end)).join('');
  const options = Array.isArray(affix) && affix instanceof PyTuple ? affix : [affix];
  for (const a of options) {
    if (typeof a !== 'string' && !(a instanceof Markup)) {
      throw typeError(`${name} first arg must be str or a tuple of str, not ${pyTypeName(a)}`);
    }
    if (fn(sliced, toStr(a))) return true;
  }
  return false;
}

function findIndex(s: string, sub: unknown, fromEnd: boolean): number {
  const cps = Array.from(s);
  const needle = toStr(sub);
  const i = fromEnd ? s.lastIndexOf(needle) : s.indexOf(needle);
  if (i < 0) return -1;
  return cps.length === s.length ? i : Array.from(s.slice(0, i)).length;
}

function countSub(s: string, sub: unknown): number {
  const needle = toStr(sub);
  if (needle === '') return strLen(s) + 1;
  return s.split(needle).length - 1;
}

function replaceStr(s: string, old: unknown, rep: unknown, count: unknown = -1): string {
  const o = toStr(old);
  const r = toStr(rep);
  let n = Number(count);
  if (n < 0) n = Infinity;
  if (o === '') {
    const cps = Array.from(s);
    let out = '';
    let done = 0;
    for (let i = 0; i <= cps.length; i++) {
      if (done < n) { out += r; done++; }
      if (i < cps.length) out += cps[i];
    }
    return out;
  }
  if (n === Infinity) return s.split(o).join(r);
  const parts = s.split(o);
  let out = parts[0]!;
  for (let i = 1; i < parts.length; i++) out += (i <= n ? r : o) + parts[i];
  return out;
}

function formatWith(fmt: string, args: unknown[], kwargs: PyKwargs): string {
  try {
    return strFormat(fmt, args, kwargs, { getattr: (o, n) => getattr(o, n), getitem: (o, k) => getitem(o, k), toStr });
  } catch (e) {
    throw wrapFormatError(e);
  }
}

export function wrapFormatError(e: unknown): unknown {
  return e instanceof PyFormatError ? new JinjaRenderError(e.message, e.pythonType) : e;
}

export function percent(fmt: string, args: unknown): string {
  try {
    return percentFormat(fmt, args);
  } catch (e) {
    throw wrapFormatError(e);
  }
}

const isDigits = (re: RegExp) => (s: string) => s.length > 0 && Array.from(s).every((c) => re.test(c));

const STR_METHODS: Record<string, Method> = {
  upper: method([], (s: string) => s.toUpperCase()),
  lower: method([], (s: string) => s.toLowerCase()),
  casefold: method([], (s: string) => s.toLowerCase()),
  swapcase: method([], (s: string) => Array.from(s).map((c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join('')),
  title: method([], (s: string) => pyTitle(s)),
  capitalize: method([], (s: string) => pyCapitalize(s)),
  strip: method([param('chars', null)], (s: string, c: unknown) => stripChars(s, c, true, true)),
  lstrip: method([param('chars', null)], (s: string, c: unknown) => stripChars(s, c, true, false)),
  rstrip: method([param('chars', null)], (s: string, c: unknown) => stripChars(s, c, false, true)),
  split: method([param('sep', null), param('maxsplit', -1)], (s: string, sep: unknown, max: unknown) => pySplit(s, sep, max)),
  rsplit: method([param('sep', null), param('maxsplit', -1)], (s: string, sep: unknown, max: unknown) => pyRsplit(s, sep, max)),
  splitlines: method([param('keepends', false)], (s: string, k: unknown) => pySplitlines(s, truthy(k))),
  startswith: method([param('prefix'), param('start', null), param('end', null)], (s: string, p: unknown, a: unknown, b: unknown) =>
    affixMatch(s, p, a, b, (x, y) => x.startsWith(y), 'startswith')),
  endswith: method([param('suffix'), param('start', null), param('end', null)], (s: string, p: unknown, a: unknown, b: unknown) =>
    affixMatch(s, p, a, b, (x, y) => x.endsWith(y), 'endswith')),
  replace: method([param('old'), param('new'), param('count', -1)], (s: string, o: unknown, n: unknown, c: unknown) => replaceStr(s, o, n, c)),
  join: method([param('iterable')], (s: string, it: unknown) => toList(it).map((v, i) => {
    if (typeof v !== 'string' && !(v instanceof Markup)) throw typeError(`sequence item ${i}: expected str instance, ${pyTypeName(v)} found`);
    return toStr(v);
  }).join(s)),
  find: method([param('sub')], (s: string, sub: unknown) => findIndex(s, sub, false)),
  rfind: method([param('sub')], (s: string, sub: unknown) => findIndex(s, sub, true)),
  index: method([param('sub')], (s: string, sub: unknown) => {
    const i = findIndex(s, sub, false);
    if (i < 0) throw valueError('substring not found');
    return i;
  }),
  count: method([param('sub')], (s: string, sub: unknown) => countSub(s, sub)),
  center: method([param('width'), param('fillchar', ' ')], (s: string, w: unknown, f: unknown) => pyCenter(s, Number(w), toStr(f))),
  ljust: method([param('width'), param('fillchar', ' ')], (s: string, w: unknown, f: unknown) => s + toStr(f).repeat(Math.max(0, Number(w) - strLen(s)))),
  rjust: method([param('width'), param('fillchar', ' ')], (s: string, w: unknown, f: unknown) => toStr(f).repeat(Math.max(0, Number(w) - strLen(s))) + s),
  zfill: method([param('width')], (s: string, w: unknown) => {
    const n = Math.max(0, Number(w) - strLen(s));
    const sign = s[0] === '-' || s[0] === '+' ? s[0] : '';
    return sign + '0'.repeat(n) + s.slice(sign.length);
  }),
  partition: method([param('sep')], (s: string, sep: unknown) => {
    const p = toStr(sep);
    const i = s.indexOf(p);
    return i < 0 ? tuple([s, '', '']) : tuple([s.slice(0, i), p, s.slice(i + p.length)]);
  }),
  rpartition: method([param('sep')], (s: string, sep: unknown) => {
    const p = toStr(sep);
    const i = s.lastIndexOf(p);
    return i < 0 ? tuple(['', '', s]) : tuple([s.slice(0, i), p, s.slice(i + p.length)]);
  }),
  removeprefix: method([param('prefix')], (s: string, p: unknown) => (s.startsWith(toStr(p)) ? s.slice(toStr(p).length) : s)),
  removesuffix: method([param('suffix')], (s: string, p: unknown) => (toStr(p) && s.endsWith(toStr(p)) ? s.slice(0, s.length - toStr(p).length) : s)),
  isdigit: method([], (s: string) => isDigits(/\p{Nd}|\p{No}/u)(s)),
  isdecimal: method([], (s: string) => isDigits(/\p{Nd}/u)(s)),
  isnumeric: method([], (s: string) => isDigits(/\p{N}/u)(s)),
  isalpha: method([], (s: string) => isDigits(/\p{L}/u)(s)),
  isalnum: method([], (s: string) => isDigits(/\p{L}|\p{N}/u)(s)),
  isspace: method([], (s: string) => isDigits(PY_SPACE)(s)),
  islower: method([], (s: string) => Array.from(s).some(isCased) && s === s.toLowerCase()),
  isupper: method([], (s: string) => Array.from(s).some(isCased) && s === s.toUpperCase()),
  istitle: method([], (s: string) => Array.from(s).some(isCased) && pyTitle(s) === s),
  format: ((s: string, args: unknown[], kwargs: PyKwargs) => formatWith(s, args, kwargs)) as Method,
  format_map: method([param('mapping')], (s: string, m: unknown) => formatWith(s, [], isPlainObject(m) ? m : {})),
};

function listIndex(list: unknown[], i: unknown): number {
  const n = Number(i);
  return n < 0 ? n + list.length : n;
}

const LIST_METHODS: Record<string, Method> = {
  index: method([param('value')], (l: unknown[], v: unknown) => {
    const i = l.findIndex((x) => eq(x, v));
    if (i < 0) throw valueError(`${pyRepr(v)} is not in list`);
    return i;
  }),
  count: method([param('value')], (l: unknown[], v: unknown) => l.filter((x) => eq(x, v)).length),
  copy: method([], (l: unknown[]) => [...l]),
  append: method([param('object')], (l: unknown[], v: unknown) => { l.push(v); return null; }),
  extend: method([param('iterable')], (l: unknown[], v: unknown) => { l.push(...toList(v)); return null; }),
  insert: method([param('index'), param('object')], (l: unknown[], i: unknown, v: unknown) => {
    l.splice(Math.max(0, Math.min(l.length, listIndex(l, i))), 0, v);
    return null;
  }),
  pop: method([param('index', -1)], (l: unknown[], i: unknown) => {
    if (!l.length) throw new JinjaRenderError('pop from empty list', 'IndexError');
    const k = listIndex(l, i);
    if (k < 0 || k >= l.length) throw new JinjaRenderError('pop index out of range', 'IndexError');
    return l.splice(k, 1)[0];
  }),
  remove: method([param('value')], (l: unknown[], v: unknown) => {
    const i = l.findIndex((x) => eq(x, v));
    if (i < 0) throw valueError('list.remove(x): x not in list');
    l.splice(i, 1);
    return null;
  }),
  clear: method([], (l: unknown[]) => { l.length = 0; return null; }),
  reverse: method([], (l: unknown[]) => { l.reverse(); return null; }),
  sort: method([param('key', null), param('reverse', false)], (l: unknown[], _k: unknown, r: unknown) => {
    l.sort(pyCompare);
    if (truthy(r)) l.reverse();
    return null;
  }),
};

const TUPLE_METHODS: Record<string, Method> = { index: LIST_METHODS.index!, count: LIST_METHODS.count! };

const DICT_METHODS: Record<string, Method> = {
  items: method([], (d: Record<string, unknown>) => new DictView(Object.entries(d).map(([k, v]) => tuple([k, v])), 'dict_items')),
  keys: method([], (d: Record<string, unknown>) => new DictView(Object.keys(d), 'dict_keys')),
  values: method([], (d: Record<string, unknown>) => new DictView(Object.values(d), 'dict_values')),
  get: method([param('key'), param('default', null)], (d: Record<string, unknown>, k: unknown, def: unknown) => {
    const v = itemOf(d, k);
    return v === NOT_FOUND ? def : v;
  }),
  pop: ((d: Record<string, unknown>, args: unknown[]) => {
    const v = itemOf(d, args[0]);
    if (v === NOT_FOUND) {
      if (args.length > 1) return args[1];
      throw new JinjaRenderError(pyRepr(args[0]), 'KeyError');
    }
    delete d[toStr(args[0])];
    return v;
  }) as Method,
  setdefault: method([param('key'), param('default', null)], (d: Record<string, unknown>, k: unknown, def: unknown) => {
    const v = itemOf(d, k);
    if (v !== NOT_FOUND) return v;
    d[toStr(k)] = def;
    return def;
  }),
  update: ((d: Record<string, unknown>, args: unknown[], kwargs: PyKwargs) => {
    for (const src of args) {
      if (isPlainObject(src)) Object.assign(d, src);
      else for (const pair of toList(src)) { const [k, v] = toList(pair); d[toStr(k)] = v; }
    }
    Object.assign(d, kwargs);
    return null;
  }) as Method,
  copy: method([], (d: Record<string, unknown>) => ({ ...d })),
  clear: method([], (d: Record<string, unknown>) => { for (const k of Object.keys(d)) delete d[k]; return null; }),
};

const FOUND_NOTHING = Symbol('no attribute');

function bindMethod(self: unknown, name: string, m: Method, typeName: string): PyCallable {
  return new PyCallable(name, (args, kwargs) => m(self as never, args, kwargs), `<built-in method ${name} of ${typeName} object>`);
}

/** The Python attribute `name` of `obj`, or FOUND_NOTHING. */
function pythonAttribute(obj: unknown, name: string): unknown {
  if (/^__\w+__$/.test(name)) return obj; // every Python object has dunder attributes; all are unsafe
  if (obj instanceof Markup) obj = obj.text;
  if (typeof obj === 'string') {
    const m = STR_METHODS[name];
    return m ? bindMethod(obj, name, m, 'str') : FOUND_NOTHING;
  }
  if (obj instanceof PyTuple) {
    const m = TUPLE_METHODS[name];
    return m ? bindMethod(obj, name, m, 'tuple') : FOUND_NOTHING;
  }
  if (Array.isArray(obj)) {
    const m = LIST_METHODS[name];
    return m ? bindMethod(obj, name, m, 'list') : FOUND_NOTHING;
  }
  if (isPlainObject(obj)) {
    const m = DICT_METHODS[name];
    return m ? bindMethod(obj, name, m, 'dict') : FOUND_NOTHING;
  }
  if (obj instanceof Namespace) return name in obj.attrs ? obj.attrs[name] : FOUND_NOTHING;
  if (hasPyAttrs(obj)) {
    const v = obj.pyAttr(name);
    return v === undefined ? FOUND_NOTHING : v;
  }
  if (typeof obj === 'object' && obj !== null && !(obj instanceof Undefined) && name in obj) {
    const v = (obj as Record<string, unknown>)[name];
    if (typeof v === 'function') return new PyCallable(name, (args) => (v as (...a: unknown[]) => unknown).apply(obj, args));
    return v;
  }
  return FOUND_NOTHING;
}

function unsafe(obj: unknown, name: string): Undefined {
  return new Undefined(`access to attribute ${reprString(name)} of ${reprString(pyTypeName(obj))} object is unsafe.`, obj, name, 'SecurityError');
}

/** SandboxedEnvironment.getattr: `obj.name` */
export function getattr(obj: unknown, name: string): unknown {
  if (obj instanceof Undefined) obj.fail();
  const attr = pythonAttribute(obj, name);
  if (attr !== FOUND_NOTHING) return name.startsWith('_') ? unsafe(obj, name) : attr;
  const item = itemOf(obj, name);
  if (item !== NOT_FOUND) return item;
  return new Undefined(null, obj, name);
}

/** SandboxedEnvironment.getitem: `obj[key]` */
export function getitem(obj: unknown, key: unknown): unknown {
  if (obj instanceof Undefined) obj.fail();
  const item = itemOf(obj, key);
  if (item !== NOT_FOUND) return item;
  if (typeof key === 'string') {
    const attr = pythonAttribute(obj, key);
    if (attr !== FOUND_NOTHING) return key.startsWith('_') ? unsafe(obj, key) : attr;
  }
  return new Undefined(null, obj, key);
}

/** Jinja's `attr` filter: the attribute only, never the item. */
export function attributeOnly(obj: unknown, name: string): unknown {
  if (obj instanceof Undefined) obj.fail();
  const attr = pythonAttribute(obj, name);
  if (attr === FOUND_NOTHING) return new Undefined(null, obj, name);
  return name.startsWith('_') ? unsafe(obj, name) : attr;
}

/** Calling a value from a template. */
export function callValue(fn: unknown, args: unknown[], kwargs: PyKwargs): unknown {
  if (fn instanceof Undefined) fn.fail();
  if (fn instanceof PyCallable) return fn.fn(args, kwargs);
  if (isPyCallableObject(fn)) return fn.pyCall(args, kwargs);
  if (typeof fn === 'function') return (fn as (...a: unknown[]) => unknown)(...args);
  throw typeError(`${reprString(pyTypeName(fn))} object is not callable`);
}

export function isCallable(v: unknown): boolean {
  return v instanceof PyCallable || typeof v === 'function' || isPyCallableObject(v);
}

/** Objects that are callable from templates besides builtins (the recursive loop). */
export interface PyCallableObject {
  pyCall(args: unknown[], kwargs: PyKwargs): unknown;
}

function isPyCallableObject(v: unknown): v is PyCallableObject {
  return typeof v === 'object' && v !== null && typeof (v as PyCallableObject).pyCall === 'function';
}
