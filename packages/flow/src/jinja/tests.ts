/** Jinja2's builtin tests (jinja2/tests.py) with Python value semantics. */
import { PyFloat, isPlainObject } from '../py/pyvalue.js';
import { isCallable, percent } from './access.js';
import { binop, compare, contains, eq, isIterable, toStr } from './ops.js';
import { Markup, Undefined, type PyKwargs } from './runtime.js';
import { JinjaRenderError } from './errors.js';

export type TestFn = (value: unknown, args: unknown[], kwargs: PyKwargs, known: { filters: Set<string>; tests: Set<string> }) => boolean;

function arg(args: unknown[], kwargs: PyKwargs, name: string, test: string): unknown {
  if (args.length) return args[0];
  if (name in kwargs) return kwargs[name];
  throw new JinjaRenderError(`test_${test}() missing 1 required positional argument: '${name}'`, 'TypeError');
}

const mod = (v: unknown, n: unknown) => binop('mod', v, n, percent);

function cmp(op: string): TestFn {
  return (v, args, kwargs) => compare(op, v, arg(args, kwargs, 'b', op));
}

function isCasedLower(s: string, upper: boolean): boolean {
  const cased = Array.from(s).some((c) => c.toUpperCase() !== c.toLowerCase());
  return cased && (upper ? s === s.toUpperCase() : s === s.toLowerCase());
}

export const TESTS: Record<string, TestFn> = {
  odd: (v) => eq(mod(v, 2), 1),
  even: (v) => eq(mod(v, 2), 0),
  divisibleby: (v, args, kwargs) => eq(mod(v, arg(args, kwargs, 'num', 'divisibleby')), 0),
  defined: (v) => !(v instanceof Undefined),
  undefined: (v) => v instanceof Undefined,
  filter: (v, _a, _k, known) => typeof v === 'string' && known.filters.has(v),
  test: (v, _a, _k, known) => typeof v === 'string' && known.tests.has(v),
  none: (v) => v === null,
  boolean: (v) => typeof v === 'boolean',
  false: (v) => v === false,
  true: (v) => v === true,
  integer: (v) => (typeof v === 'number' && Number.isInteger(v)) || typeof v === 'bigint',
  float: (v) => (typeof v === 'number' && !Number.isInteger(v)) || v instanceof PyFloat,
  lower: (v) => isCasedLower(toStr(v), false),
  upper: (v) => isCasedLower(toStr(v), true),
  string: (v) => typeof v === 'string' || v instanceof Markup,
  mapping: (v) => isPlainObject(v) || v instanceof Map,
  number: (v) => typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean' || v instanceof PyFloat,
  sequence: (v) => typeof v === 'string' || Array.isArray(v) || isPlainObject(v) || v instanceof Markup,
  iterable: (v) => isIterable(v),
  callable: (v) => isCallable(v),
  sameas: (v, args, kwargs) => {
    const other = arg(args, kwargs, 'other', 'sameas');
    if (v === null || typeof v === 'boolean') return v === other;
    if (typeof v === 'object' || typeof v === 'function') return v === other;
    // small ints and interned strings are the same object in CPython
    return typeof v === typeof other && v === other && (typeof v !== 'number' || (v >= -5 && v <= 256));
  },
  escaped: (v) => v instanceof Markup,
  in: (v, args, kwargs) => contains(arg(args, kwargs, 'seq', 'in'), v),
  '==': cmp('eq'), eq: cmp('eq'), equalto: cmp('eq'),
  '!=': cmp('ne'), ne: cmp('ne'),
  '>': cmp('gt'), gt: cmp('gt'), greaterthan: cmp('gt'),
  '>=': cmp('gteq'), ge: cmp('gteq'),
  '<': cmp('lt'), lt: cmp('lt'), lessthan: cmp('lt'),
  '<=': cmp('lteq'), le: cmp('lteq'),
};

