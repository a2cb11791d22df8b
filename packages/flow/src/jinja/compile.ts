/**
 * Turns the template AST into JavaScript closures once, so that rendering
 * only runs the closures (no tree walking, no re-parsing).
 */
import { callValue, getattr, getitem, percent } from './access.js';
import { JinjaRenderError, JinjaSyntaxError, typeError } from './errors.js';
import { FILTERS, type FilterEnv } from './filters.js';
import { GLOBALS } from './globals.js';
import type { CallArgs, Expr, FilterExpr, OutputItem, Stmt } from './nodes.js';
import { binop, compare, neg, pos, sliceValue, toList, toStr, truthy } from './ops.js';
import { Namespace, PyCallable, Undefined, tuple, undefinedName, type PyKwargs } from './runtime.js';
import { TESTS } from './tests.js';
import { isPlainObject, pyStrSymbol } from '../py/pyvalue.js';

/** Variables visible while rendering: a chain of scopes over the caller's variables. */
export class Frame {
  readonly vars: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  constructor(readonly parent: Frame | null, readonly context: Record<string, unknown>) {}

  lookup(name: string): unknown {
    for (let f: Frame | null = this; f; f = f.parent) {
      if (name in f.vars) return f.vars[name];
    }
    if (Object.prototype.hasOwnProperty.call(this.context, name)) {
      const v = this.context[name];
      return v === undefined ? null : v;
    }
    if (name in GLOBALS) return GLOBALS[name];
    return undefinedName(name);
  }

  child(): Frame {
    return new Frame(this, this.context);
  }
}

type ExprFn = (f: Frame) => unknown;
/** A compiled statement appends its output to `out.s`. */
export type StmtFn = (f: Frame, out: { s: string }) => void;

const KNOWN = { filters: new Set(Object.keys(FILTERS)), tests: new Set(Object.keys(TESTS)) };

const FILTER_ENV: FilterEnv = {
  callFilter(name, value, args, kwargs) {
    const fn = FILTERS[name];
    if (!fn) throw new JinjaRenderError(`No filter named '${name}' found.`, 'TemplateRuntimeError');
    return fn(FILTER_ENV, value, args, kwargs);
  },
  callTest(name, value, args, kwargs) {
    const fn = TESTS[name];
    if (!fn) throw new JinjaRenderError(`No test named '${name}' found.`, 'TemplateRuntimeError');
    return fn(value, args, kwargs, KNOWN);
  },
};

function withLine<T>(lineno: number, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof JinjaRenderError && e.lineno === undefined) e.lineno = lineno;
    throw e;
  }
}

// ---- expressions ----

function compileArgs(node: CallArgs): (f: Frame) => [unknown[], PyKwargs] {
  const args = node.args.map(compileExpr);
  const kwargs = node.kwargs.map(([k, e]) => [k, compileExpr(e)] as const);
  const dynArgs = node.dynArgs ? compileExpr(node.dynArgs) : null;
  const dynKwargs = node.dynKwargs ? compileExpr(node.dynKwargs) : null;
  return (f) => {
    const a = args.map((fn) => fn(f));
    if (dynArgs) a.push(...toList(dynArgs(f)));
    const kw: PyKwargs = {};
    for (const [k, fn] of kwargs) kw[k] = fn(f);
    if (dynKwargs) {
      const extra = dynKwargs(f);
      if (!isPlainObject(extra)) throw typeError('argument after ** must be a mapping');
      Object.assign(kw, extra);
    }
    return [a, kw];
  };
}

function compileFilter(node: FilterExpr, input: ExprFn | null): ExprFn {
  const fn = FILTERS[node.name];
  if (!fn) throw new JinjaSyntaxError(`No filter named '${node.name}'.`, node.lineno, 'TemplateAssertionError');
  const value = input ?? (node.node ? compileExpr(node.node) : () => null);
  const args = compileArgs(node);
  return (f) => {
    const v = value(f);
    const [a, kw] = args(f);
    return fn(FILTER_ENV, v, a, kw);
  };
}

export function compileExpr(node: Expr): ExprFn {
  switch (node.kind) {
    case 'Const': {
      const v = node.value;
      return () => v;
    }
    case 'Name': {
      const name = node.name;
      return (f) => f.lookup(name);
    }
    case 'NSRef':
      throw new JinjaSyntaxError('namespace references are only valid as assignment targets', node.lineno);
    case 'Tuple': {
      const items = node.items.map(compileExpr);
      return (f) => tuple(items.map((fn) => fn(f)));
    }
    case 'List': {
      const items = node.items.map(compileExpr);
      return (f) => items.map((fn) => fn(f));
    }
    case 'Dict': {
      const items = node.items.map(([k, v]) => [compileExpr(k), compileExpr(v)] as const);
      return (f) => {
        const d: Record<string, unknown> = {};
        for (const [k, v] of items) {
          const key = toStr(k(f));
          if (key === '__proto__') Object.defineProperty(d, key, { value: v(f), writable: true, enumerable: true, configurable: true });
          else d[key] = v(f);
        }
        return d;
      };
    }
    case 'Getattr': {
      const obj = compileExpr(node.node);
      const attr = node.attr;
      return (f) => getattr(obj(f), attr);
    }
    case 'Getitem': {
      const obj = compileExpr(node.node);
      if (node.arg.kind === 'Slice') {
        const s = node.arg;
        const start = s.start ? compileExpr(s.start) : () => null;
        const stop = s.stop ? compileExpr(s.stop) : () => null;
        const step = s.step ? compileExpr(s.step) : () => null;
        return (f) => {
          const o = obj(f);
          if (o instanceof Undefined) o.fail();
          const r = sliceValue(o, start(f), stop(f), step(f));
          return r === undefined ? new Undefined(null, o, 'slice') : r;
        };
      }
      const arg = compileExpr(node.arg);
      return (f) => getitem(obj(f), arg(f));
    }
    case 'Slice':
      throw new JinjaSyntaxError('slice outside a subscript', node.lineno);
    case 'Call': {
      const callee = compileExpr(node.node);
      const args = compileArgs(node);
      return (f) => {
        const fn = callee(f);
        const [a, kw] = args(f);
        return callValue(fn, a, kw);
      };
    }
    case 'Filter':
      return compileFilter(node, null);
    case 'Test': {
      const fn = TESTS[node.name];
      if (!fn) throw new JinjaSyntaxError(`No test named '${node.name}'.`, node.lineno, 'TemplateAssertionError');
      const value = compileExpr(node.node);
      const args = compileArgs(node);
      return (f) => {
        const v = value(f);
        const [a, kw] = args(f);
        return fn(v, a, kw, KNOWN);
      };
    }
    case 'CondExpr': {
      const test = compileExpr(node.test);
      const a = compileExpr(node.expr1);
      const lineno = node.lineno;
      const b = node.expr2 ? compileExpr(node.expr2) : () => new Undefined(`the inline if-expression on line ${lineno} evaluated to false and no else section was defined.`);
      return (f) => (truthy(test(f)) ? a(f) : b(f));
    }
    case 'And': {
      const l = compileExpr(node.left);
      const r = compileExpr(node.right);
      return (f) => {
        const v = l(f);
        return truthy(v) ? r(f) : v;
      };
    }
    case 'Or': {
      const l = compileExpr(node.left);
      const r = compileExpr(node.right);
      return (f) => {
        const v = l(f);
        return truthy(v) ? v : r(f);
      };
    }
    case 'Not': {
      const v = compileExpr(node.node);
      return (f) => !truthy(v(f));
    }
    case 'Neg': {
      const v = compileExpr(node.node);
      return (f) => neg(v(f));
    }
    case 'Pos': {
      const v = compileExpr(node.node);
      return (f) => pos(v(f));
    }
    case 'BinOp': {
      const l = compileExpr(node.left);
      const r = compileExpr(node.right);
      const op = node.op;
      return (f) => binop(op, l(f), r(f), percent);
    }
    case 'Concat': {
      const parts = node.nodes.map(compileExpr);
      return (f) => {
        let s = '';
        for (const p of parts) s += toStr(p(f));
        return s;
      };
    }
    case 'Compare': {
      const first = compileExpr(node.expr);
      const ops = node.ops.map(([op, e]) => [op, compileExpr(e)] as const);
      return (f) => {
        let left = first(f);
        for (const [op, e] of ops) {
          const right = e(f);
          if (!compare(op, left, right)) return false;
          left = right;
        }
        return true;
      };
    }
    default: {
      const never: never = node;
      throw new Error(`unknown expression ${(never as { kind: string }).kind}`);
    }
  }
}

// ---- assignment ----

type Assigner = (f: Frame, value: unknown) => void;

function compileTarget(target: Expr): Assigner {
  switch (target.kind) {
    case 'Name': {
      const name = target.name;
      return (f, v) => { f.vars[name] = v; };
    }
    case 'NSRef': {
      const { name, attr, lineno } = target;
      return (f, v) => {
        const ns = f.lookup(name);
        if (!(ns instanceof Namespace)) throw new JinjaRenderError('cannot assign attribute on non-namespace object', 'TemplateRuntimeError', lineno);
        ns.attrs[attr] = v;
      };
    }
    case 'Tuple': {
      const parts = target.items.map(compileTarget);
      return (f, v) => {
        const items = toList(v);
        if (items.length < parts.length) throw new JinjaRenderError(`not enough values to unpack (expected ${parts.length}, got ${items.length})`, 'ValueError');
        if (items.length > parts.length) throw new JinjaRenderError(`too many values to unpack (expected ${parts.length})`, 'ValueError');
        parts.forEach((assign, i) => assign(f, items[i]));
      };
    }
    default:
      throw new JinjaSyntaxError(`can't assign to '${target.kind.toLowerCase()}'`, target.lineno);
  }
}

// ---- statements ----

function compileBody(body: Stmt[]): StmtFn {
  const fns = body.map(compileStmt);
  if (fns.length === 1) return fns[0]!;
  return (f, out) => {
    for (const fn of fns) fn(f, out);
  };
}

function renderToString(body: StmtFn, f: Frame): string {
  const out = { s: '' };
  body(f, out);
  return out.s;
}

/** jinja2.runtime.LoopContext */
class LoopContext {
  readonly pyTypeName = 'LoopContext';
  index0 = -1;
  private lastChanged: unknown = LoopContext;
  constructor(private readonly items: unknown[], readonly depth0: number, private readonly recurse: ((items: unknown, depth0: number) => string) | null) {}

  pyAttr(name: string): unknown {
    const n = this.items.length;
    const i = this.index0;
    switch (name) {
      case 'index': return i + 1;
      case 'index0': return i;
      case 'revindex': return n - i;
      case 'revindex0': return n - i - 1;
      case 'first': return i === 0;
      case 'last': return i === n - 1;
      case 'length': return n;
      case 'depth': return this.depth0 + 1;
      case 'depth0': return this.depth0;
      case 'previtem': return i > 0 ? this.items[i - 1] : new Undefined('there is no previous item');
      case 'nextitem': return i < n - 1 ? this.items[i + 1] : new Undefined('there is no next item');
      case 'cycle': return new PyCallable('cycle', (args) => {
        if (!args.length) throw typeError('no items for cycling given');
        return args[i % args.length];
      });
      case 'changed': return new PyCallable('changed', (args) => {
        const value = tuple(args);
        if (this.lastChanged === LoopContext || !compare('eq', this.lastChanged, value)) {
          this.lastChanged = value;
          return true;
        }
        return false;
      });
      default: return undefined;
    }
  }

  pyCall(args: unknown[]): unknown {
    if (!this.recurse) throw typeError("The loop must be marked as 'recursive' to call it.");
    return this.recurse(args[0], this.depth0 + 1);
  }

  [pyStrSymbol](): string {
    return `<LoopContext ${this.index0 + 1}/${this.items.length}>`;
  }
}

function compileFor(node: Extract<Stmt, { kind: 'For' }>): StmtFn {
  const iter = compileExpr(node.iter);
  const assign = compileTarget(node.target);
  const test = node.test ? compileExpr(node.test) : null;
  const body = compileBody(node.body);
  const elseBody = node.else_.length ? compileBody(node.else_) : null;

  const run = (f: Frame, out: { s: string }, source: unknown, depth0: number): void => {
    let items = toList(source);
    if (test) {
      items = items.filter((item) => {
        const tf = f.child();
        assign(tf, item);
        return truthy(test(tf));
      });
    }
    const recurse = node.recursive ? (inner: unknown, d: number) => {
      const o = { s: '' };
      run(f, o, inner, d);
      return o.s;
    } : null;
    const loop = new LoopContext(items, depth0, recurse);
    for (let i = 0; i < items.length; i++) {
      const iterFrame = f.child();
      loop.index0 = i;
      iterFrame.vars.loop = loop;
      assign(iterFrame, items[i]);
      body(iterFrame, out);
    }
    if (!items.length && elseBody) elseBody(f.child(), out);
  };
  return (f, out) => run(f, out, iter(f), 0);
}

function compileMacroCallable(name: string, argNames: string[], defaults: Expr[], bodyNodes: Stmt[]): (f: Frame, caller?: PyCallable) => PyCallable {
  const body = compileBody(bodyNodes);
  const defaultFns = defaults.map(compileExpr);
  const firstDefault = argNames.length - defaultFns.length;
  return (defFrame, caller) => new PyCallable(name, (args, kwargs) => {
    const f = defFrame.child();
    const extraKw: PyKwargs = { ...kwargs };
    argNames.forEach((arg, i) => {
      if (i < args.length) f.vars[arg] = args[i];
      else if (arg in extraKw) { f.vars[arg] = extraKw[arg]; delete extraKw[arg]; }
      else if (i >= firstDefault) f.vars[arg] = defaultFns[i - firstDefault]!(f);
      else f.vars[arg] = new Undefined(`parameter ${JSON.stringify(arg).replace(/"/g, "'")} was not provided`);
    });
    if ('caller' in extraKw && !argNames.includes('caller')) {
      f.vars.caller = extraKw.caller;
      delete extraKw.caller;
    }
    f.vars.varargs = tuple(args.slice(argNames.length));
    f.vars.kwargs = extraKw;
    if (caller) f.vars.caller = caller;
    return renderToString(body, f);
  }, `<Macro '${name}'>`);
}

function compileOutput(nodes: OutputItem[]): StmtFn {
  const parts = nodes.map((n): ExprFn | string => (n.kind === 'TemplateData' ? n.data : compileExpr(n)));
  if (parts.length === 1 && typeof parts[0] === 'string') {
    const data = parts[0];
    return (_f, out) => { out.s += data; };
  }
  return (f, out) => {
    for (const p of parts) out.s += typeof p === 'string' ? p : toStr(p(f));
  };
}

function compileStmt(node: Stmt): StmtFn {
  const fn = compileStmtInner(node);
  const lineno = node.lineno;
  return (f, out) => withLine(lineno, () => fn(f, out));
}

function compileStmtInner(node: Stmt): StmtFn {
  switch (node.kind) {
    case 'Output':
      return compileOutput(node.nodes);
    case 'If': {
      const branches = [[compileExpr(node.test), compileBody(node.body)] as const, ...node.elifs.map(([t, b]) => [compileExpr(t), compileBody(b)] as const)];
      const elseBody = compileBody(node.else_);
      return (f, out) => {
        for (const [test, body] of branches) {
          if (truthy(test(f))) { body(f, out); return; }
        }
        elseBody(f, out);
      };
    }
    case 'For':
      return compileFor(node);
    case 'Assign': {
      const assign = compileTarget(node.target);
      const value = compileExpr(node.expr);
      return (f) => assign(f, value(f));
    }
    case 'AssignBlock': {
      const assign = compileTarget(node.target);
      const body = compileBody(node.body);
      const filter = node.filter ? compileFilter(node.filter, (f) => (f as Frame & { blockValue: string }).blockValue) : null;
      return (f) => {
        const inner = f.child();
        const text = renderToString(body, inner);
        if (!filter) return assign(f, text);
        (inner as Frame & { blockValue: string }).blockValue = text;
        assign(f, filter(inner));
      };
    }
    case 'Macro': {
      const make = compileMacroCallable(node.name, node.args, node.defaults, node.body);
      const name = node.name;
      return (f) => { f.vars[name] = make(f); };
    }
    case 'CallBlock': {
      const makeCaller = compileMacroCallable('caller', node.args, node.defaults, node.body);
      const call = node.call;
      const callee = compileExpr(call.node);
      const args = compileArgs(call);
      return (f, out) => {
        const fn = callee(f);
        const [a, kw] = args(f);
        kw.caller = makeCaller(f);
        if (fn instanceof PyCallable) {
          out.s += toStr(fn.fn(a, kw));
          return;
        }
        out.s += toStr(callValue(fn, a, kw));
      };
    }
    case 'FilterBlock': {
      const body = compileBody(node.body);
      const filter = compileFilter(node.filter, (f) => (f as Frame & { blockValue: string }).blockValue);
      return (f, out) => {
        const inner = f.child();
        (inner as Frame & { blockValue: string }).blockValue = renderToString(body, inner);
        out.s += toStr(filter(inner));
      };
    }
    case 'With': {
      const values = node.values.map(compileExpr);
      const targets = node.targets.map(compileTarget);
      const body = compileBody(node.body);
      return (f, out) => {
        const inner = f.child();
        targets.forEach((assign, i) => assign(inner, values[i]!(f)));
        body(inner, out);
      };
    }
    case 'Scope': {
      const body = compileBody(node.body);
      return (f, out) => body(f, out);
    }
    default: {
      const never: never = node;
      throw new Error(`unknown statement ${(never as { kind: string }).kind}`);
    }
  }
}

/** A compiled template: call it with the variables to render. */
export type CompiledTemplate = (variables: Record<string, unknown>) => string;

export function compileTemplate(body: Stmt[]): CompiledTemplate {
  const fn = compileBody(body);
  return (variables) => {
    const root = new Frame(null, variables);
    const out = { s: '' };
    fn(root, out);
    return out.s;
  };
}

