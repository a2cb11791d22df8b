/** Jinja2's parser (jinja2/parser.py), same grammar, precedence and error messages. */
import { JinjaSyntaxError } from './errors.js';
import { OPERATOR_TEXT, type Token, type TokenType } from './lexer.js';
import type { BinOpKind, CallArgs, CallExpr, CompareOp, Expr, FilterExpr, OutputItem, Stmt } from './nodes.js';

const TOKEN_DESCRIPTIONS: Partial<Record<TokenType, string>> = {
  block_begin: 'begin of statement block',
  block_end: 'end of statement block',
  variable_begin: 'begin of print statement',
  variable_end: 'end of print statement',
  data: 'template data / text',
  eof: 'end of template',
};

function describeType(type: string): string {
  return OPERATOR_TEXT[type] ?? TOKEN_DESCRIPTIONS[type as TokenType] ?? type;
}

function describeToken(token: Token): string {
  return token.type === 'name' ? String(token.value) : describeType(token.type);
}

/** `name:for` → `for`; `block_end` → `end of statement block`. */
function describeExpr(expr: string): string {
  const i = expr.indexOf(':');
  if (i >= 0 && expr.slice(0, i) === 'name') return expr.slice(i + 1);
  return describeType(i >= 0 ? expr.slice(0, i) : expr);
}

function pyQuote(s: string): string {
  return s.includes("'") && !s.includes('"') ? `"${s}"` : `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

const STATEMENT_KEYWORDS = new Set(['for', 'if', 'block', 'extends', 'print', 'macro', 'include', 'from', 'import', 'set', 'with', 'autoescape']);
const COMPARE_OPS = new Set(['eq', 'ne', 'lt', 'lteq', 'gt', 'gteq']);
const MATH1: Partial<Record<TokenType, BinOpKind>> = { add: 'add', sub: 'sub' };
const MATH2: Partial<Record<TokenType, BinOpKind>> = { mul: 'mul', div: 'div', floordiv: 'floordiv', mod: 'mod' };

export function parse(tokens: Token[]): Stmt[] {
  return new Parser(tokens).parseTemplate();
}

class Parser {
  private i = 0;
  private readonly tagStack: string[] = [];
  private readonly endTokenStack: string[][] = [];

  constructor(private readonly tokens: Token[]) {}

  // ---- token stream ----
  private get current(): Token { return this.tokens[this.i]!; }
  /** A call, so TypeScript does not narrow the type across next(). */
  private type(): TokenType { return this.tokens[this.i]!.type; }
  private look(): Token { return this.tokens[Math.min(this.i + 1, this.tokens.length - 1)]!; }
  private next(): Token {
    const t = this.current;
    if (t.type !== 'eof') this.i++;
    return t;
  }
  private test(token: Token, expr: string): boolean {
    const i = expr.indexOf(':');
    if (i < 0) return token.type === expr;
    return token.type === expr.slice(0, i) && token.value === expr.slice(i + 1);
  }
  private skipIf(expr: string): boolean {
    if (this.test(this.current, expr)) { this.next(); return true; }
    return false;
  }
  private expect(expr: string): Token {
    if (!this.test(this.current, expr)) {
      const what = describeExpr(expr);
      if (this.type() === 'eof') this.fail(`unexpected end of template, expected ${pyQuote(what)}.`);
      this.fail(`expected token ${pyQuote(what)}, got ${pyQuote(describeToken(this.current))}`);
    }
    return this.next();
  }
  private fail(msg: string, lineno = this.current.lineno): never {
    throw new JinjaSyntaxError(msg, lineno);
  }

  private failUnknownTag(name: string | null, endStack: string[][], lineno: number): never {
    const expected = new Set<string>();
    for (const exprs of endStack) for (const e of exprs) expected.add(describeExpr(e));
    const last = endStack[endStack.length - 1];
    const looking = last ? last.map((e) => pyQuote(describeExpr(e))).join(' or ') : undefined;
    const message = [name === null ? 'Unexpected end of template.' : `Encountered unknown tag ${pyQuote(name)}.`];
    if (looking) {
      if (name !== null && expected.has(name)) {
        message.push(`You probably made a nesting mistake. Jinja is expecting this tag, but currently looking for ${looking}.`);
      } else {
        message.push(`Jinja was looking for the following tags: ${looking}.`);
      }
    }
    if (this.tagStack.length) message.push(`The innermost block that needs to be closed is ${pyQuote(this.tagStack[this.tagStack.length - 1]!)}.`);
    this.fail(message.join(' '), lineno);
  }

  // ---- statements ----
  parseTemplate(): Stmt[] {
    return this.subparse(null);
  }

  private subparse(endTokens: string[] | null): Stmt[] {
    const body: Stmt[] = [];
    let data: OutputItem[] = [];
    const flush = () => {
      if (data.length) {
        body.push({ kind: 'Output', lineno: data[0]!.lineno, nodes: data });
        data = [];
      }
    };
    if (endTokens) this.endTokenStack.push(endTokens);
    try {
      while (this.type() !== 'eof') {
        const token = this.current;
        if (token.type === 'data') {
          if (token.value) data.push({ kind: 'TemplateData', lineno: token.lineno, data: token.value as string });
          this.next();
        } else if (token.type === 'variable_begin') {
          this.next();
          data.push(this.parseTuple({ withCondexpr: true }));
          this.expect('variable_end');
        } else if (token.type === 'block_begin') {
          flush();
          this.next();
          if (endTokens && endTokens.some((e) => this.test(this.current, e))) return body;
          body.push(...this.parseStatement());
          this.expect('block_end');
        } else {
          throw new Error('internal parsing error');
        }
      }
      flush();
    } finally {
      if (endTokens) this.endTokenStack.pop();
    }
    return body;
  }

  private parseStatement(): Stmt[] {
    const token = this.current;
    if (token.type !== 'name') this.fail('tag name expected', token.lineno);
    const name = token.value as string;
    this.tagStack.push(name);
    let popTag = true;
    try {
      switch (name) {
        case 'for': return [this.parseFor()];
        case 'if': return [this.parseIf()];
        case 'set': return [this.parseSet()];
        case 'macro': return [this.parseMacro()];
        case 'call': return [this.parseCallBlock()];
        case 'filter': return [this.parseFilterBlock()];
        case 'with': return [this.parseWith()];
        case 'print': return [this.parsePrint()];
        case 'autoescape': return [this.parseAutoescape()];
        case 'block': return [this.parseBlock()];
        default:
          if (STATEMENT_KEYWORDS.has(name)) {
            this.fail(`the '${name}' tag needs other templates, which a single prompt template cannot load`, token.lineno);
          }
          this.tagStack.pop();
          popTag = false;
          return this.failUnknownTag(name, this.endTokenStack, token.lineno);
      }
    } finally {
      if (popTag) this.tagStack.pop();
    }
  }

  private parseStatements(endTokens: string[], dropNeedle = false): Stmt[] {
    this.skipIf('colon');
    this.expect('block_end');
    const result = this.subparse(endTokens);
    if (this.type() === 'eof') this.failUnknownTag(null, [...this.endTokenStack, endTokens], this.current.lineno);
    if (dropNeedle) this.next();
    return result;
  }

  private parseSet(): Stmt {
    const lineno = this.next().lineno;
    const target = this.parseAssignTarget({ withNamespace: true });
    if (this.skipIf('assign')) {
      return { kind: 'Assign', lineno, target, expr: this.parseTuple() };
    }
    const filter = this.parseFilter(null) as FilterExpr | null;
    const body = this.parseStatements(['name:endset'], true);
    return { kind: 'AssignBlock', lineno, target, filter, body };
  }

  private parseFor(): Stmt {
    const lineno = this.expect('name:for').lineno;
    const target = this.parseAssignTarget({ extraEndRules: ['name:in'] });
    this.expect('name:in');
    const iter = this.parseTuple({ withCondexpr: false, extraEndRules: ['name:recursive'] });
    let test: Expr | null = null;
    if (this.skipIf('name:if')) test = this.parseExpression();
    const recursive = this.skipIf('name:recursive');
    const body = this.parseStatements(['name:endfor', 'name:else']);
    let else_: Stmt[] = [];
    if (this.next().value !== 'endfor') else_ = this.parseStatements(['name:endfor'], true);
    return { kind: 'For', lineno, target, iter, body, else_, test, recursive };
  }

  private parseIf(): Stmt {
    const lineno = this.expect('name:if').lineno;
    const test = this.parseTuple({ withCondexpr: false });
    const body = this.parseStatements(['name:elif', 'name:else', 'name:endif']);
    const node: Extract<Stmt, { kind: 'If' }> = { kind: 'If', lineno, test, body, elifs: [], else_: [] };
    for (;;) {
      const token = this.next();
      if (this.test(token, 'name:elif')) {
        const t = this.parseTuple({ withCondexpr: false });
        node.elifs.push([t, this.parseStatements(['name:elif', 'name:else', 'name:endif'])]);
        continue;
      }
      if (this.test(token, 'name:else')) node.else_ = this.parseStatements(['name:endif'], true);
      break;
    }
    return node;
  }

  private parseWith(): Stmt {
    const lineno = this.next().lineno;
    const targets: Expr[] = [];
    const values: Expr[] = [];
    while (this.type() !== 'block_end') {
      if (targets.length) this.expect('comma');
      targets.push(this.parseAssignTarget());
      this.expect('assign');
      values.push(this.parseExpression());
    }
    return { kind: 'With', lineno, targets, values, body: this.parseStatements(['name:endwith'], true) };
  }

  private parseAutoescape(): Stmt {
    const lineno = this.next().lineno;
    this.parseExpression();
    return { kind: 'Scope', lineno, body: this.parseStatements(['name:endautoescape'], true) };
  }

  private parseBlock(): Stmt {
    const lineno = this.next().lineno;
    const name = this.expect('name').value as string;
    this.skipIf('name:scoped');
    this.skipIf('name:required');
    if (this.type() === 'sub') this.fail('Block names in Jinja have to be valid Python identifiers and may not contain hyphens, use an underscore instead.');
    const body = this.parseStatements(['name:endblock'], true);
    if (this.type() === 'name' && this.current.value !== name) {
      this.fail(`'${name}' ended with '${String(this.current.value)}'`);
    }
    this.skipIf(`name:${name}`);
    return { kind: 'Scope', lineno, body };
  }

  private parseSignature(): { args: string[]; defaults: Expr[] } {
    const args: string[] = [];
    const defaults: Expr[] = [];
    this.expect('lparen');
    while (this.type() !== 'rparen') {
      if (args.length) this.expect('comma');
      const name = this.expect('name').value as string;
      if (this.skipIf('assign')) defaults.push(this.parseExpression());
      else if (defaults.length) this.fail('non-default argument follows default argument');
      args.push(name);
    }
    this.expect('rparen');
    return { args, defaults };
  }

  private parseCallBlock(): Stmt {
    const lineno = this.next().lineno;
    const sig = this.type() === 'lparen' ? this.parseSignature() : { args: [], defaults: [] };
    const call = this.parseExpression();
    if (call.kind !== 'Call') this.fail('expected call', lineno);
    const body = this.parseStatements(['name:endcall'], true);
    return { kind: 'CallBlock', lineno, call: call as CallExpr, ...sig, body };
  }

  private parseFilterBlock(): Stmt {
    const lineno = this.next().lineno;
    const filter = this.parseFilter(null, true) as FilterExpr;
    return { kind: 'FilterBlock', lineno, filter, body: this.parseStatements(['name:endfilter'], true) };
  }

  private parseMacro(): Stmt {
    const lineno = this.next().lineno;
    const name = this.expect('name').value as string;
    const sig = this.parseSignature();
    return { kind: 'Macro', lineno, name, ...sig, body: this.parseStatements(['name:endmacro'], true) };
  }

  private parsePrint(): Stmt {
    const lineno = this.next().lineno;
    const nodes: Expr[] = [];
    while (this.type() !== 'block_end') {
      if (nodes.length) this.expect('comma');
      nodes.push(this.parseExpression());
    }
    return { kind: 'Output', lineno, nodes };
  }

  private parseAssignTarget(opts: { extraEndRules?: string[]; withNamespace?: boolean } = {}): Expr {
    const target = this.parseTuple({ simplified: true, extraEndRules: opts.extraEndRules, withNamespace: opts.withNamespace });
    const ok = (e: Expr): boolean => e.kind === 'Name' || e.kind === 'NSRef' || (e.kind === 'Tuple' && e.items.every(ok));
    if (!ok(target) || (target.kind === 'Name' && ['true', 'false', 'none', 'True', 'False', 'None'].includes(target.name))) {
      const kind = target.kind === 'Const' ? 'const' : target.kind.toLowerCase();
      this.fail(`can't assign to ${pyQuote(kind)}`, target.lineno);
    }
    return target;
  }

  // ---- expressions ----
  private parseExpression(withCondexpr = true): Expr {
    return withCondexpr ? this.parseCondexpr() : this.parseOr();
  }

  private parseCondexpr(): Expr {
    let lineno = this.current.lineno;
    let expr1 = this.parseOr();
    while (this.skipIf('name:if')) {
      const test = this.parseOr();
      const expr2 = this.skipIf('name:else') ? this.parseCondexpr() : null;
      expr1 = { kind: 'CondExpr', lineno, test, expr1, expr2 };
      lineno = this.current.lineno;
    }
    return expr1;
  }

  private parseOr(): Expr {
    let left = this.parseAnd();
    while (this.test(this.current, 'name:or')) {
      const lineno = this.next().lineno;
      left = { kind: 'Or', lineno, left, right: this.parseAnd() };
    }
    return left;
  }

  private parseAnd(): Expr {
    let left = this.parseNot();
    while (this.test(this.current, 'name:and')) {
      const lineno = this.next().lineno;
      left = { kind: 'And', lineno, left, right: this.parseNot() };
    }
    return left;
  }

  private parseNot(): Expr {
    if (this.test(this.current, 'name:not')) {
      const lineno = this.next().lineno;
      return { kind: 'Not', lineno, node: this.parseNot() };
    }
    return this.parseCompare();
  }

  private parseCompare(): Expr {
    const lineno = this.current.lineno;
    const expr = this.parseMath1();
    const ops: [CompareOp, Expr][] = [];
    for (;;) {
      const type = this.type();
      if (COMPARE_OPS.has(type)) {
        this.next();
        ops.push([type as CompareOp, this.parseMath1()]);
      } else if (this.skipIf('name:in')) {
        ops.push(['in', this.parseMath1()]);
      } else if (this.test(this.current, 'name:not') && this.test(this.look(), 'name:in')) {
        this.next();
        this.next();
        ops.push(['notin', this.parseMath1()]);
      } else break;
    }
    return ops.length ? { kind: 'Compare', lineno, expr, ops } : expr;
  }

  private parseMath1(): Expr {
    let left = this.parseConcat();
    for (let op = MATH1[this.type()]; op; op = MATH1[this.type()]) {
      const lineno = this.next().lineno;
      left = { kind: 'BinOp', lineno, op, left, right: this.parseConcat() };
    }
    return left;
  }

  private parseConcat(): Expr {
    const lineno = this.current.lineno;
    const nodes = [this.parseMath2()];
    while (this.type() === 'tilde') {
      this.next();
      nodes.push(this.parseMath2());
    }
    return nodes.length === 1 ? nodes[0]! : { kind: 'Concat', lineno, nodes };
  }

  private parseMath2(): Expr {
    let left = this.parsePow();
    for (let op = MATH2[this.type()]; op; op = MATH2[this.type()]) {
      const lineno = this.next().lineno;
      left = { kind: 'BinOp', lineno, op, left, right: this.parsePow() };
    }
    return left;
  }

  private parsePow(): Expr {
    let left = this.parseUnary();
    while (this.type() === 'pow') {
      const lineno = this.next().lineno;
      left = { kind: 'BinOp', lineno, op: 'pow', left, right: this.parseUnary() };
    }
    return left;
  }

  private parseUnary(withFilter = true): Expr {
    const type = this.type();
    const lineno = this.current.lineno;
    let node: Expr;
    if (type === 'sub') {
      this.next();
      node = { kind: 'Neg', lineno, node: this.parseUnary(false) };
    } else if (type === 'add') {
      this.next();
      node = { kind: 'Pos', lineno, node: this.parseUnary(false) };
    } else {
      node = this.parsePrimary();
    }
    node = this.parsePostfix(node);
    if (withFilter) node = this.parseFilterExpr(node);
    return node;
  }

  private parsePrimary(withNamespace = false): Expr {
    const token = this.current;
    if (token.type === 'name') {
      this.next();
      const v = token.value as string;
      if (v === 'true' || v === 'True') return { kind: 'Const', lineno: token.lineno, value: true };
      if (v === 'false' || v === 'False') return { kind: 'Const', lineno: token.lineno, value: false };
      if (v === 'none' || v === 'None') return { kind: 'Const', lineno: token.lineno, value: null };
      if (withNamespace && this.type() === 'dot') {
        this.next();
        const attr = this.expect('name').value as string;
        return { kind: 'NSRef', lineno: token.lineno, name: v, attr };
      }
      return { kind: 'Name', lineno: token.lineno, name: v };
    }
    if (token.type === 'string') {
      this.next();
      let value = token.value as string;
      while (this.type() === 'string') value += this.next().value as string;
      return { kind: 'Const', lineno: token.lineno, value };
    }
    if (token.type === 'integer' || token.type === 'float') {
      this.next();
      return { kind: 'Const', lineno: token.lineno, value: token.value };
    }
    if (token.type === 'lparen') {
      this.next();
      const node = this.parseTuple({ explicitParentheses: true });
      this.expect('rparen');
      return node;
    }
    if (token.type === 'lbracket') return this.parseList();
    if (token.type === 'lbrace') return this.parseDict();
    return this.fail(`unexpected ${pyQuote(describeToken(token))}`, token.lineno);
  }

  private isTupleEnd(extraEndRules?: string[]): boolean {
    const t = this.type();
    if (t === 'variable_end' || t === 'block_end' || t === 'rparen') return true;
    return extraEndRules ? extraEndRules.some((e) => this.test(this.current, e)) : false;
  }

  private parseTuple(opts: { simplified?: boolean; withCondexpr?: boolean; extraEndRules?: string[]; explicitParentheses?: boolean; withNamespace?: boolean } = {}): Expr {
    let lineno = this.current.lineno;
    const parseOne = opts.simplified ? () => this.parsePrimary(opts.withNamespace) : () => this.parseExpression(opts.withCondexpr ?? true);
    const items: Expr[] = [];
    let isTuple = false;
    for (;;) {
      if (items.length) this.expect('comma');
      if (this.isTupleEnd(opts.extraEndRules)) break;
      items.push(parseOne());
      if (this.type() === 'comma') isTuple = true;
      else break;
      lineno = this.current.lineno;
    }
    if (!isTuple) {
      if (items.length) return items[0]!;
      if (!opts.explicitParentheses) this.fail(`Expected an expression, got ${pyQuote(describeToken(this.current))}`);
    }
    return { kind: 'Tuple', lineno, items };
  }

  private parseList(): Expr {
    const token = this.expect('lbracket');
    const items: Expr[] = [];
    while (this.type() !== 'rbracket') {
      if (items.length) this.expect('comma');
      if (this.type() === 'rbracket') break;
      items.push(this.parseExpression());
    }
    this.expect('rbracket');
    return { kind: 'List', lineno: token.lineno, items };
  }

  private parseDict(): Expr {
    const token = this.expect('lbrace');
    const items: [Expr, Expr][] = [];
    while (this.type() !== 'rbrace') {
      if (items.length) this.expect('comma');
      if (this.type() === 'rbrace') break;
      const key = this.parseExpression();
      this.expect('colon');
      items.push([key, this.parseExpression()]);
    }
    this.expect('rbrace');
    return { kind: 'Dict', lineno: token.lineno, items };
  }

  private parsePostfix(node: Expr): Expr {
    for (;;) {
      const type = this.type();
      if (type === 'dot' || type === 'lbracket') node = this.parseSubscript(node);
      else if (type === 'lparen') node = this.parseCall(node);
      else return node;
    }
  }

  private parseFilterExpr(node: Expr): Expr {
    for (;;) {
      const type = this.type();
      if (type === 'pipe') node = this.parseFilter(node)!;
      else if (this.test(this.current, 'name:is')) node = this.parseTest(node);
      else if (type === 'lparen') node = this.parseCall(node);
      else return node;
    }
  }

  private parseSubscript(node: Expr): Expr {
    const token = this.next();
    if (token.type === 'dot') {
      const attr = this.next();
      if (attr.type === 'name') return { kind: 'Getattr', lineno: token.lineno, node, attr: attr.value as string };
      if (attr.type !== 'integer') this.fail('expected name or number', attr.lineno);
      return { kind: 'Getitem', lineno: token.lineno, node, arg: { kind: 'Const', lineno: attr.lineno, value: attr.value } };
    }
    const args: Expr[] = [];
    while (this.type() !== 'rbracket') {
      if (args.length) this.expect('comma');
      args.push(this.parseSubscribed());
    }
    this.expect('rbracket');
    const arg: Expr = args.length === 1 ? args[0]! : { kind: 'Tuple', lineno: token.lineno, items: args };
    return { kind: 'Getitem', lineno: token.lineno, node, arg };
  }

  private parseSubscribed(): Expr {
    const lineno = this.current.lineno;
    const parts: (Expr | null)[] = [];
    if (this.type() === 'colon') {
      this.next();
      parts.push(null);
    } else {
      const node = this.parseExpression();
      if (this.type() !== 'colon') return node;
      this.next();
      parts.push(node);
    }
    if (this.type() === 'colon') parts.push(null);
    else if (this.type() !== 'rbracket' && this.type() !== 'comma') parts.push(this.parseExpression());
    else parts.push(null);
    if (this.type() === 'colon') {
      this.next();
      parts.push(this.type() !== 'rbracket' && this.type() !== 'comma' ? this.parseExpression() : null);
    } else parts.push(null);
    return { kind: 'Slice', lineno, start: parts[0]!, stop: parts[1]!, step: parts[2]! };
  }

  private parseCallArgs(): CallArgs {
    const token = this.expect('lparen');
    const result: CallArgs = { args: [], kwargs: [], dynArgs: null, dynKwargs: null };
    let requireComma = false;
    const ensure = (ok: boolean) => {
      if (!ok) this.fail('invalid syntax for function call expression', token.lineno);
    };
    while (this.type() !== 'rparen') {
      if (requireComma) {
        this.expect('comma');
        if (this.type() === 'rparen') break;
      }
      if (this.type() === 'mul') {
        ensure(result.dynArgs === null && result.dynKwargs === null);
        this.next();
        result.dynArgs = this.parseExpression();
      } else if (this.type() === 'pow') {
        ensure(result.dynKwargs === null);
        this.next();
        result.dynKwargs = this.parseExpression();
      } else if (this.type() === 'name' && this.look().type === 'assign') {
        ensure(result.dynKwargs === null);
        const key = this.next().value as string;
        this.next();
        result.kwargs.push([key, this.parseExpression()]);
      } else {
        ensure(result.dynArgs === null && result.dynKwargs === null && result.kwargs.length === 0);
        result.args.push(this.parseExpression());
      }
      requireComma = true;
    }
    this.expect('rparen');
    return result;
  }

  private parseCall(node: Expr): Expr {
    const lineno = this.current.lineno;
    return { kind: 'Call', lineno, node, ...this.parseCallArgs() };
  }

  private parseFilter(node: Expr | null, startInline = false): Expr | null {
    while (this.type() === 'pipe' || startInline) {
      if (!startInline) this.next();
      const token = this.expect('name');
      let name = token.value as string;
      while (this.type() === 'dot') {
        this.next();
        name += `.${this.expect('name').value as string}`;
      }
      const args: CallArgs = this.type() === 'lparen' ? this.parseCallArgs() : { args: [], kwargs: [], dynArgs: null, dynKwargs: null };
      node = { kind: 'Filter', lineno: token.lineno, node, name, ...args };
      startInline = false;
    }
    return node;
  }

  private parseTest(node: Expr): Expr {
    const token = this.next();
    const negated = this.skipIf('name:not');
    let name = this.expect('name').value as string;
    while (this.type() === 'dot') {
      this.next();
      name += `.${this.expect('name').value as string}`;
    }
    let args: CallArgs = { args: [], kwargs: [], dynArgs: null, dynKwargs: null };
    const cur = this.current;
    if (cur.type === 'lparen') {
      args = this.parseCallArgs();
    } else if (
      ['name', 'string', 'integer', 'float', 'lparen', 'lbracket', 'lbrace'].includes(cur.type) &&
      !['name:else', 'name:or', 'name:and'].some((e) => this.test(cur, e))
    ) {
      if (this.test(cur, 'name:is')) this.fail('You cannot chain multiple tests with is');
      args.args = [this.parsePostfix(this.parsePrimary())];
    }
    const test: Expr = { kind: 'Test', lineno: token.lineno, node, name, ...args };
    return negated ? { kind: 'Not', lineno: token.lineno, node: test } : test;
  }
}
