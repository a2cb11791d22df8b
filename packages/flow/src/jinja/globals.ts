/** The default globals of a Jinja environment: range (sandbox-limited), dict, namespace, cycler, joiner. */
import { isPlainObject, pyRepr, pyStrSymbol } from '../py/pyvalue.js';
import { JinjaRenderError, typeError } from './errors.js';
import { toList, toStr } from './ops.js';
import { Namespace, PyCallable, type PyKwargs } from './runtime.js';

/** SandboxedEnvironment's MAX_RANGE */
const MAX_RANGE = 100000;

/** Python's range object: a sequence that prints as `range(0, 3)`. */
export class PyRange extends Array<number> {
  static override get [Symbol.species](): ArrayConstructor { return Array; }
  readonly pyTypeName = 'range';
  label = '';
  [pyStrSymbol](): string { return this.label; }
}

function intArg(v: unknown): number {
  if (typeof v === 'boolean') return Number(v);
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  throw typeError(`'${v === null ? 'NoneType' : typeof v === 'string' ? 'str' : 'float'}' object cannot be interpreted as an integer`);
}

function range(args: unknown[]): PyRange {
  if (args.length === 0) throw typeError('range expected at least 1 argument, got 0');
  if (args.length > 3) throw typeError(`range expected at most 3 arguments, got ${args.length}`);
  const [start, stop, step] = args.length === 1 ? [0, intArg(args[0]), 1] : [intArg(args[0]), intArg(args[1]), args.length === 3 ? intArg(args[2]) : 1];
  if (step === 0) throw new JinjaRenderError('range() arg 3 must not be zero', 'ValueError');
  const count = step > 0 ? Math.max(0, Math.ceil((stop - start) / step)) : Math.max(0, Math.ceil((start - stop) / -step));
  if (count > MAX_RANGE) {
    throw new JinjaRenderError(`Range too big. The sandbox blocks ranges larger than MAX_RANGE (${MAX_RANGE}).`, 'OverflowError');
  }
  const r = new PyRange();
  for (let i = 0; i < count; i++) r.push(start + i * step);
  r.label = step === 1 ? `range(${start}, ${stop})` : `range(${start}, ${stop}, ${step})`;
  return r;
}

function dict(args: unknown[], kwargs: PyKwargs): Record<string, unknown> {
  const d: Record<string, unknown> = {};
  if (args.length > 1) throw typeError(`dict expected at most 1 argument, got ${args.length}`);
  if (args.length === 1) {
    if (isPlainObject(args[0])) Object.assign(d, args[0]);
    else for (const pair of toList(args[0])) { const [k, v] = toList(pair); d[toStr(k)] = v; }
  }
  return Object.assign(d, kwargs);
}

function namespace(args: unknown[], kwargs: PyKwargs): Namespace {
  const ns = new Namespace();
  Object.assign(ns.attrs, dict(args, kwargs));
  return ns;
}

/** jinja2.utils.Cycler */
class Cycler {
  readonly pyTypeName = 'Cycler';
  private pos = 0;
  constructor(private readonly items: unknown[]) {}
  pyAttr(name: string): unknown {
    switch (name) {
      case 'current': return this.items[this.pos];
      case 'next': return new PyCallable('next', () => {
        const v = this.items[this.pos];
        this.pos = (this.pos + 1) % this.items.length;
        return v;
      });
      case 'reset': return new PyCallable('reset', () => { this.pos = 0; return null; });
      case 'items': return this.items;
      default: return undefined;
    }
  }
  [pyStrSymbol](): string { return `<Cycler ${pyRepr(this.items)}>`; }
}

function joiner(args: unknown[], kwargs: PyKwargs): PyCallable {
  const sep = args.length ? args[0] : 'sep' in kwargs ? kwargs.sep : ', ';
  let used = false;
  return new PyCallable('joiner', () => {
    if (!used) { used = true; return ''; }
    return sep;
  }, '<jinja2.utils.Joiner object>');
}

export const GLOBALS: Record<string, unknown> = Object.assign(Object.create(null) as Record<string, unknown>, {
  range: new PyCallable('range', (args) => range(args), "<class 'range'>"),
  dict: new PyCallable('dict', dict, "<class 'dict'>"),
  namespace: new PyCallable('namespace', namespace, "<class 'jinja2.utils.Namespace'>"),
  cycler: new PyCallable('cycler', (args) => {
    if (!args.length) throw typeError('at least one item has to be provided');
    return new Cycler(args);
  }, "<class 'jinja2.utils.Cycler'>"),
  joiner: new PyCallable('joiner', joiner, "<class 'jinja2.utils.Joiner'>"),
});
