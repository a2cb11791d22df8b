/**
 * jinja2.meta.find_undeclared_variables: the names a template resolves from
 * its context. A port of Jinja's symbol tracking (jinja2/idtracking.py) and
 * of where its compiler opens frames, so the answer matches Jinja's even in
 * its quirks (a name set in only one `if` branch counts as undeclared).
 */
import { GLOBALS } from './globals.js';
import type { CallArgs, Expr, Stmt } from './nodes.js';

type Load = ['param' | 'resolve' | 'alias' | 'undefined', string | null];

class Symbols {
  readonly level: number;
  refs = new Map<string, string>();
  loads = new Map<string, Load>();
  stores = new Set<string>();

  constructor(readonly parent: Symbols | null = null) {
    this.level = parent ? parent.level + 1 : 0;
  }

  private defineRef(name: string, load: Load | null): string {
    const ident = `l_${this.level}_${name}`;
    this.refs.set(name, ident);
    if (load) this.loads.set(ident, load);
    return ident;
  }

  findRef(name: string): string | undefined {
    return this.refs.get(name) ?? this.parent?.findRef(name);
  }

  copy(): Symbols {
    const rv = new Symbols(this.parent);
    (rv as { level: number }).level = this.level;
    rv.refs = new Map(this.refs);
    rv.loads = new Map(this.loads);
    rv.stores = new Set(this.stores);
    return rv;
  }

  store(name: string): void {
    this.stores.add(name);
    if (this.refs.has(name)) return;
    const outer = this.parent?.findRef(name);
    if (outer !== undefined) this.defineRef(name, ['alias', outer]);
    else this.defineRef(name, ['undefined', null]);
  }

  declareParameter(name: string): void {
    this.stores.add(name);
    this.defineRef(name, ['param', null]);
  }

  load(name: string): void {
    if (this.findRef(name) === undefined) this.defineRef(name, ['resolve', name]);
  }

  branchUpdate(branches: Symbols[]): void {
    const stores = new Set<string>();
    for (const b of branches) for (const s of b.stores) if (!this.stores.has(s)) stores.add(s);
    for (const b of branches) {
      for (const [k, v] of b.refs) this.refs.set(k, v);
      for (const [k, v] of b.loads) this.loads.set(k, v);
      for (const s of b.stores) this.stores.add(s);
    }
    for (const name of stores) {
      const target = this.findRef(name)!;
      const outer = this.parent?.findRef(name);
      this.loads.set(target, outer !== undefined ? ['alias', outer] : ['resolve', name]);
    }
  }
}

// ---- FrameSymbolVisitor ----

function visitArgs(sym: Symbols, node: CallArgs): void {
  for (const a of node.args) visitExpr(sym, a);
  for (const [, e] of node.kwargs) visitExpr(sym, e);
  if (node.dynArgs) visitExpr(sym, node.dynArgs);
  if (node.dynKwargs) visitExpr(sym, node.dynKwargs);
}

function visitExpr(sym: Symbols, e: Expr): void {
  switch (e.kind) {
    case 'Const': return;
    case 'Name': sym.load(e.name); return;
    case 'NSRef': sym.load(e.name); return;
    case 'Tuple': case 'List': e.items.forEach((x) => visitExpr(sym, x)); return;
    case 'Dict': e.items.forEach(([k, v]) => { visitExpr(sym, k); visitExpr(sym, v); }); return;
    case 'Getattr': visitExpr(sym, e.node); return;
    case 'Getitem': visitExpr(sym, e.node); visitExpr(sym, e.arg); return;
    case 'Slice': for (const x of [e.start, e.stop, e.step]) if (x) visitExpr(sym, x); return;
    case 'Call': visitExpr(sym, e.node); visitArgs(sym, e); return;
    case 'Filter': if (e.node) visitExpr(sym, e.node); visitArgs(sym, e); return;
    case 'Test': visitExpr(sym, e.node); visitArgs(sym, e); return;
    case 'CondExpr': visitExpr(sym, e.test); visitExpr(sym, e.expr1); if (e.expr2) visitExpr(sym, e.expr2); return;
    case 'And': case 'Or': visitExpr(sym, e.left); visitExpr(sym, e.right); return;
    case 'Not': case 'Neg': case 'Pos': visitExpr(sym, e.node); return;
    case 'BinOp': visitExpr(sym, e.left); visitExpr(sym, e.right); return;
    case 'Concat': e.nodes.forEach((x) => visitExpr(sym, x)); return;
    case 'Compare': visitExpr(sym, e.expr); e.ops.forEach(([, x]) => visitExpr(sym, x)); return;
  }
}

function visitTarget(sym: Symbols, e: Expr, asParam: boolean): void {
  if (e.kind === 'Name') {
    if (asParam) sym.declareParameter(e.name);
    else sym.store(e.name);
  } else if (e.kind === 'Tuple') e.items.forEach((x) => visitTarget(sym, x, asParam));
  else if (e.kind === 'NSRef') sym.load(e.name);
}

/** Visits a statement in the frame that holds it (nested frames are not entered). */
class FrameVisitor {
  constructor(public symbols: Symbols) {}

  visit(s: Stmt): void {
    const sym = this.symbols;
    switch (s.kind) {
      case 'Output':
        for (const n of s.nodes) if (n.kind !== 'TemplateData') visitExpr(sym, n);
        return;
      case 'If': {
        visitExpr(sym, s.test);
        const original = sym;
        const inner = (nodes: Stmt[]): Symbols => {
          this.symbols = original.copy();
          nodes.forEach((n) => this.visit(n));
          const rv = this.symbols;
          this.symbols = original;
          return rv;
        };
        const body = inner(s.body);
        // Jinja keeps each elif as an If node (without else) in one branch
        const elifs = inner(s.elifs.map(([test, b]): Stmt => ({ kind: 'If', lineno: s.lineno, test, body: b, elifs: [], else_: [] })));
        const elseSyms = inner(s.else_);
        original.branchUpdate([body, elifs, elseSyms]);
        return;
      }
      case 'Macro': sym.store(s.name); return;
      case 'Assign': visitExpr(sym, s.expr); visitTarget(sym, s.target, false); return;
      case 'For': visitExpr(sym, s.iter); return;
      case 'CallBlock': visitExpr(sym, s.call.node); visitArgs(sym, s.call); return;
      case 'FilterBlock': visitArgs(sym, s.filter); return;
      case 'With': s.values.forEach((v) => visitExpr(sym, v)); return;
      case 'AssignBlock': visitTarget(sym, s.target, false); return;
      case 'Scope': return;
    }
  }
}

// ---- the compiler's frames ----

const SPECIAL = ['caller', 'kwargs', 'varargs'];

function referencedNames(stmts: Stmt[]): Set<string> {
  const sym = new Symbols();
  const walk = (list: Stmt[]) => {
    for (const s of list) {
      new FrameVisitor(sym).visit(s);
      for (const child of childBodies(s)) walk(child);
    }
  };
  walk(stmts);
  return new Set([...sym.loads.values()].filter(([a]) => a === 'resolve').map(([, n]) => n!));
}

function childBodies(s: Stmt): Stmt[][] {
  switch (s.kind) {
    case 'If': return [s.body, ...s.elifs.map(([, b]) => b), s.else_];
    case 'For': return [s.body, s.else_];
    case 'Macro': case 'CallBlock': case 'FilterBlock': case 'With': case 'AssignBlock': case 'Scope': return [s.body];
    default: return [];
  }
}

class Collector {
  readonly undeclared = new Set<string>();

  enter(sym: Symbols): void {
    for (const [action, param] of sym.loads.values()) {
      if (action === 'resolve' && !(param! in GLOBALS)) this.undeclared.add(param!);
    }
  }

  /** Analyse a frame's statements, enter it, then compile its statements. */
  frame(sym: Symbols, stmts: Stmt[], prepare?: (v: FrameVisitor) => void): void {
    const v = new FrameVisitor(sym);
    prepare?.(v);
    stmts.forEach((s) => v.visit(s));
    this.enter(sym);
    this.compile(sym, stmts);
  }

  compile(sym: Symbols, stmts: Stmt[]): void {
    for (const s of stmts) this.compileStmt(sym, s);
  }

  macroLike(sym: Symbols, args: string[], defaults: Expr[], body: Stmt[]): void {
    const inner = new Symbols(sym);
    const v = new FrameVisitor(inner);
    args.forEach((a) => inner.declareParameter(a));
    defaults.forEach((d) => visitExpr(inner, d));
    body.forEach((s) => v.visit(s));
    const used = referencedNames(body);
    for (const name of SPECIAL) if (used.has(name) && !args.includes(name)) inner.declareParameter(name);
    this.enter(inner);
    this.compile(inner, body);
  }

  compileStmt(sym: Symbols, s: Stmt): void {
    switch (s.kind) {
      case 'If':
        this.compile(sym, s.body);
        s.elifs.forEach(([, b]) => this.compile(sym, b));
        this.compile(sym, s.else_);
        return;
      case 'For': {
        if (s.test) {
          const testSym = new Symbols(sym);
          visitTarget(testSym, s.target, true);
          visitExpr(testSym, s.test);
          this.enter(testSym);
        }
        const loopSym = new Symbols(sym);
        loopSym.declareParameter('loop');
        this.frame(loopSym, s.body, () => visitTarget(loopSym, s.target, true));
        if (s.else_.length) this.frame(new Symbols(sym), s.else_);
        return;
      }
      case 'Macro':
        this.macroLike(sym, s.args, s.defaults, s.body);
        return;
      case 'CallBlock':
        this.macroLike(sym, s.args, s.defaults, s.body);
        return;
      case 'FilterBlock': {
        const inner = new Symbols(sym);
        visitArgs(inner, s.filter);
        this.frame(inner, s.body);
        return;
      }
      case 'With': {
        const inner = new Symbols(sym);
        this.frame(inner, s.body, () => s.targets.forEach((t) => visitTarget(inner, t, true)));
        return;
      }
      case 'AssignBlock':
        this.frame(new Symbols(sym), s.body);
        return;
      case 'Scope':
        this.frame(new Symbols(sym), s.body);
        return;
      default:
        return;
    }
  }
}

export function undeclaredVariables(body: Stmt[]): string[] {
  const c = new Collector();
  c.frame(new Symbols(), body);
  return [...c.undeclared].sort();
}
