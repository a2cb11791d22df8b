/**
 * Runtime values that Jinja templates see besides plain Python data:
 * Undefined, Markup, tuples, one-shot iterators, dict views, callables,
 * the loop object, namespaces.
 */
import { PyFloat, pyRepr, pyReprSymbol, pyStrSymbol, reprString } from '../py/pyvalue.js';
import { JinjaRenderError } from './errors.js';

const MISSING = Symbol('missing');

/** jinja2.runtime.Undefined: prints as '', is falsy and empty, fails on any other use. */
export class Undefined {
  constructor(
    readonly hint: string | null = null,
    readonly obj: unknown = MISSING,
    readonly name: unknown = null,
    readonly excType: string = 'UndefinedError',
  ) {}

  get message(): string {
    if (this.hint !== null) return this.hint;
    if (this.obj === MISSING) return `${pyRepr(this.name)} is undefined`;
    if (typeof this.name !== 'string') return `${objectTypeRepr(this.obj)} has no element ${pyRepr(this.name)}`;
    return `${reprString(objectTypeRepr(this.obj))} has no attribute ${reprString(this.name)}`;
  }

  fail(): never {
    throw new JinjaRenderError(this.message, this.excType);
  }

  [pyStrSymbol](): string { return ''; }
  [pyReprSymbol](): string { return 'Undefined'; }
}

export function undefinedName(name: string): Undefined {
  return new Undefined(null, MISSING, name);
}

/** jinja2.utils.object_type_repr */
export function objectTypeRepr(obj: unknown): string {
  if (obj === null || obj === undefined) return 'None';
  return `${pyTypeName(obj)} object`;
}

/** Python's type(x).__name__ for the values templates handle. */
export function pyTypeName(v: unknown): string {
  if (v === null || v === undefined) return 'NoneType';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (typeof v === 'bigint') return 'int';
  if (typeof v === 'string') return 'str';
  if (v instanceof PyTuple) return 'tuple';
  if (Array.isArray(v)) return 'list';
  if (typeof v === 'object' && 'pyTypeName' in v && typeof (v as { pyTypeName: unknown }).pyTypeName === 'string') {
    return (v as { pyTypeName: string }).pyTypeName;
  }
  if (v instanceof PyFloat) return 'float';
  if (typeof v === 'function') return 'function';
  const proto = Object.getPrototypeOf(v);
  if (proto === Object.prototype || proto === null) return 'dict';
  return (v as object).constructor?.name ?? 'object';
}

/** markupsafe.Markup: a str marked safe. Autoescape is off, so it prints as-is. */
export class Markup {
  readonly pyTypeName = 'Markup';
  constructor(readonly text: string) {}
  [pyStrSymbol](): string { return this.text; }
  [pyReprSymbol](): string { return `Markup(${reprString(this.text)})`; }
  toString(): string { return this.text; }
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;' };

/** markupsafe.escape */
export function escapeHtml(value: unknown, toStr: (v: unknown) => string): Markup {
  if (value instanceof Markup) return value;
  return new Markup(toStr(value).replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!));
}

/** A Python tuple: an array that prints with parentheses. */
export class PyTuple<T = unknown> extends Array<T> {
  static override get [Symbol.species](): ArrayConstructor { return Array; }
  static of_<T>(items: T[]): PyTuple<T> {
    const t = new PyTuple<T>();
    t.push(...items);
    return t;
  }
  [pyStrSymbol](): string {
    const parts = Array.from(this, (v) => pyRepr(v));
    return parts.length === 1 ? `(${parts[0]},)` : `(${parts.join(', ')})`;
  }
}

export function tuple<T>(items: T[]): PyTuple<T> {
  return PyTuple.of_(items);
}

/** A Python generator/iterator: consumed by the first loop over it. */
export class PyIter {
  constructor(private readonly source: Iterator<unknown>, readonly label: string) {}
  get pyTypeName(): string { return this.label; }
  next(): IteratorResult<unknown> { return this.source.next(); }
  [Symbol.iterator](): Iterator<unknown> { return this.source; }
  [pyStrSymbol](): string { return `<${this.label} object>`; }
}

/** dict_items / dict_keys / dict_values. */
export class DictView {
  constructor(readonly items: unknown[], readonly pyTypeName: 'dict_items' | 'dict_keys' | 'dict_values') {}
  [pyStrSymbol](): string { return `${this.pyTypeName}(${pyRepr(this.items)})`; }
}

export type PyKwargs = Record<string, unknown>;

/** Anything callable from a template: builtins, bound methods, macros. */
export class PyCallable {
  constructor(
    readonly name: string,
    readonly fn: (args: unknown[], kwargs: PyKwargs) => unknown,
    private readonly display?: string,
  ) {}
  get pyTypeName(): string { return 'builtin_function_or_method'; }
  [pyStrSymbol](): string { return this.display ?? `<built-in function ${this.name}>`; }
}

/** jinja2.utils.Namespace, the only object `{% set ns.attr = … %}` may assign to. */
export class Namespace {
  readonly pyTypeName = 'Namespace';
  readonly attrs: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  [pyStrSymbol](): string {
    return `<Namespace ${Object.entries(this.attrs).map(([k, v]) => `${k}=${pyRepr(v)}`).join(', ')}>`;
  }
}

/** Python-style keyword binding for builtin filters, tests and methods. */
export interface Param { name: string; default?: unknown }

const REQUIRED = Symbol('required');

export function param(name: string, def: unknown = REQUIRED): Param {
  return def === REQUIRED ? { name } : { name, default: def };
}

export function bindArgs(fname: string, params: Param[], args: unknown[], kwargs: PyKwargs): unknown[] {
  if (args.length > params.length) {
    throw new JinjaRenderError(`${fname}() takes ${params.length} positional argument${params.length === 1 ? '' : 's'} but ${args.length} were given`, 'TypeError');
  }
  const out = params.map((p, i) => (i < args.length ? args[i] : 'default' in p ? p.default : REQUIRED));
  for (const [k, v] of Object.entries(kwargs)) {
    const i = params.findIndex((p) => p.name === k);
    if (i < 0) throw new JinjaRenderError(`${fname}() got an unexpected keyword argument ${reprString(k)}`, 'TypeError');
    if (i < args.length) throw new JinjaRenderError(`${fname}() got multiple values for argument ${reprString(k)}`, 'TypeError');
    out[i] = v;
  }
  const missing = params.filter((_, i) => out[i] === REQUIRED).map((p) => reprString(p.name));
  if (missing.length) {
    throw new JinjaRenderError(`${fname}() missing ${missing.length} required positional argument${missing.length === 1 ? '' : 's'}: ${missing.join(' and ')}`, 'TypeError');
  }
  return out;
}
