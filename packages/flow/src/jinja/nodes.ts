/** The template AST, named after jinja2.nodes. */

export type BinOpKind = 'add' | 'sub' | 'mul' | 'div' | 'floordiv' | 'mod' | 'pow';
export type CompareOp = 'eq' | 'ne' | 'lt' | 'lteq' | 'gt' | 'gteq' | 'in' | 'notin';

export interface CallArgs {
  args: Expr[];
  kwargs: [string, Expr][];
  dynArgs: Expr | null;
  dynKwargs: Expr | null;
}

export type Expr =
  | { kind: 'Const'; lineno: number; value: unknown }
  | { kind: 'Name'; lineno: number; name: string }
  | { kind: 'NSRef'; lineno: number; name: string; attr: string }
  | { kind: 'Tuple'; lineno: number; items: Expr[] }
  | { kind: 'List'; lineno: number; items: Expr[] }
  | { kind: 'Dict'; lineno: number; items: [Expr, Expr][] }
  | { kind: 'Getattr'; lineno: number; node: Expr; attr: string }
  | { kind: 'Getitem'; lineno: number; node: Expr; arg: Expr }
  | { kind: 'Slice'; lineno: number; start: Expr | null; stop: Expr | null; step: Expr | null }
  | ({ kind: 'Call'; lineno: number; node: Expr } & CallArgs)
  | ({ kind: 'Filter'; lineno: number; node: Expr | null; name: string } & CallArgs)
  | ({ kind: 'Test'; lineno: number; node: Expr; name: string } & CallArgs)
  | { kind: 'CondExpr'; lineno: number; test: Expr; expr1: Expr; expr2: Expr | null }
  | { kind: 'And' | 'Or'; lineno: number; left: Expr; right: Expr }
  | { kind: 'Not' | 'Neg' | 'Pos'; lineno: number; node: Expr }
  | { kind: 'BinOp'; lineno: number; op: BinOpKind; left: Expr; right: Expr }
  | { kind: 'Concat'; lineno: number; nodes: Expr[] }
  | { kind: 'Compare'; lineno: number; expr: Expr; ops: [CompareOp, Expr][] };

export type FilterExpr = Extract<Expr, { kind: 'Filter' }>;
export type CallExpr = Extract<Expr, { kind: 'Call' }>;

export type OutputItem = { kind: 'TemplateData'; lineno: number; data: string } | Expr;

export type Stmt =
  | { kind: 'Output'; lineno: number; nodes: OutputItem[] }
  | { kind: 'If'; lineno: number; test: Expr; body: Stmt[]; elifs: [Expr, Stmt[]][]; else_: Stmt[] }
  | { kind: 'For'; lineno: number; target: Expr; iter: Expr; body: Stmt[]; else_: Stmt[]; test: Expr | null; recursive: boolean }
  | { kind: 'Assign'; lineno: number; target: Expr; expr: Expr }
  | { kind: 'AssignBlock'; lineno: number; target: Expr; filter: FilterExpr | null; body: Stmt[] }
  | { kind: 'Macro'; lineno: number; name: string; args: string[]; defaults: Expr[]; body: Stmt[] }
  | { kind: 'CallBlock'; lineno: number; call: CallExpr; args: string[]; defaults: Expr[]; body: Stmt[] }
  | { kind: 'FilterBlock'; lineno: number; filter: FilterExpr; body: Stmt[] }
  | { kind: 'With'; lineno: number; targets: Expr[]; values: Expr[]; body: Stmt[] }
  | { kind: 'Scope'; lineno: number; body: Stmt[] };
