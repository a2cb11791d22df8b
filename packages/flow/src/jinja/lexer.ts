/**
 * Jinja2's lexer (jinja2/lexer.py) for the environment Prompt flow uses:
 * default delimiters, trim_blocks=True, lstrip_blocks=False,
 * keep_trailing_newline=True, newline_sequence "\n".
 */
import { pyFloat } from '../py/pyvalue.js';
import { JinjaSyntaxError } from './errors.js';

export type TokenType =
  | 'data' | 'block_begin' | 'block_end' | 'variable_begin' | 'variable_end'
  | 'name' | 'string' | 'integer' | 'float' | 'eof'
  | 'add' | 'sub' | 'div' | 'floordiv' | 'mul' | 'mod' | 'pow' | 'tilde'
  | 'lbracket' | 'rbracket' | 'lparen' | 'rparen' | 'lbrace' | 'rbrace'
  | 'eq' | 'ne' | 'gt' | 'gteq' | 'lt' | 'lteq' | 'assign' | 'dot' | 'colon' | 'pipe' | 'comma' | 'semicolon';

export interface Token {
  type: TokenType;
  /** Name/operator/data text, or the decoded literal for string/integer/float. */
  value: unknown;
  lineno: number;
}

/** Python's `\s` / str.isspace() set (Unicode whitespace), used where Jinja's regexes say `\s`. */
export const PY_WS = '[\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
const PY_WS_TRAIL_RE = new RegExp(`${PY_WS}+$`);

/** str.rstrip() with Python's whitespace set. */
export function pyRstrip(s: string): string {
  return s.replace(PY_WS_TRAIL_RE, '');
}

const ROOT_RE = new RegExp(
  `([\\s\\S]*?)(?:(\\{%(-|\\+|)${PY_WS}*raw${PY_WS}*(?:-%\\}${PY_WS}*|%\\}))|(\\{%(-|\\+|))|(\\{\\{(-|\\+|))|(\\{#(-|\\+|)))`,
  'y',
);
const COMMENT_END_RE = new RegExp(`([\\s\\S]*?)(?:\\+#\\}|-#\\}${PY_WS}*|#\\}\\n?)`, 'y');
const BLOCK_END_RE = new RegExp(`\\+%\\}|-%\\}${PY_WS}*|%\\}\\n?`, 'y');
const VARIABLE_END_RE = new RegExp(`-\\}\\}${PY_WS}*|\\}\\}`, 'y');
const RAW_END_RE = new RegExp(
  `([\\s\\S]*?)(?:\\{%(-|\\+|)${PY_WS}*endraw${PY_WS}*(?:\\+%\\}|-%\\}${PY_WS}*|%\\}\\n?))`,
  'y',
);
const WHITESPACE_RE = new RegExp(`${PY_WS}+`, 'y');
const FLOAT_RE = /(?<!\.)(?:[0-9]+_)*[0-9]+(?:(?:\.(?:[0-9]+_)*[0-9]+)?[eE][+-]?(?:[0-9]+_)*[0-9]+|\.(?:[0-9]+_)*[0-9]+)/y;
const INTEGER_RE = /0[bB](?:_?[01])+|0[oO](?:_?[0-7])+|0[xX](?:_?[0-9a-fA-F])+|[1-9](?:_?[0-9])*|0(?:_?0)*/y;
const NAME_RE = /[\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}\u00b7\u0387\u1369-\u1371\u19da]+/uy;
const STRING_RE = /'([^'\\]*(?:\\[\s\S][^'\\]*)*)'|"([^"\\]*(?:\\[\s\S][^"\\]*)*)"/y;
const OPERATOR_RE = /\*\*|\/\/|==|!=|>=|<=|[+\-/*%~[\]()}{><=.:|,;]/y;

const OPERATORS: Record<string, TokenType> = {
  '+': 'add', '-': 'sub', '/': 'div', '//': 'floordiv', '*': 'mul', '%': 'mod', '**': 'pow', '~': 'tilde',
  '[': 'lbracket', ']': 'rbracket', '(': 'lparen', ')': 'rparen', '{': 'lbrace', '}': 'rbrace',
  '==': 'eq', '!=': 'ne', '>': 'gt', '>=': 'gteq', '<': 'lt', '<=': 'lteq', '=': 'assign',
  '.': 'dot', ':': 'colon', '|': 'pipe', ',': 'comma', ';': 'semicolon',
};

export const OPERATOR_TEXT: Record<string, string> = Object.fromEntries(Object.entries(OPERATORS).map(([k, v]) => [v, k]));

function countNewlines(s: string): number {
  let n = 0;
  for (let i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', i + 1)) n++;
  return n;
}

export function tokenize(template: string): Token[] {
  // Jinja normalizes every newline (\r\n, \r) to the newline sequence first.
  const source = template.replace(/\r\n|\r/g, '\n');
  const tokens: Token[] = [];
  let pos = 0;
  let lineno = 1;
  const n = source.length;

  const push = (type: TokenType, value: unknown, at: number) => tokens.push({ type, value, lineno: at });

  while (pos < n) {
    ROOT_RE.lastIndex = pos;
    const m = ROOT_RE.exec(source);
    if (!m) {
      push('data', source.slice(pos), lineno);
      lineno += countNewlines(source.slice(pos));
      break;
    }
    let text = m[1]!;
    const sign = m[3] ?? m[5] ?? m[7] ?? m[9];
    let stripped = 0;
    if (sign === '-') {
      const kept = pyRstrip(text);
      stripped = countNewlines(text.slice(kept.length));
      text = kept;
    }
    if (text) push('data', text, lineno);
    lineno += countNewlines(text) + stripped;
    pos = ROOT_RE.lastIndex;
    if (m[2] !== undefined) {
      lineno += countNewlines(m[2]);
      RAW_END_RE.lastIndex = pos;
      const r = RAW_END_RE.exec(source);
      if (!r) throw new JinjaSyntaxError('Missing end of raw directive', lineno);
      let raw = r[1]!;
      if (r[2] === '-') raw = pyRstrip(raw);
      if (raw) push('data', raw, lineno);
      lineno += countNewlines(r[0]);
      pos = RAW_END_RE.lastIndex;
    } else if (m[8] !== undefined) {
      COMMENT_END_RE.lastIndex = pos;
      const c = COMMENT_END_RE.exec(source);
      if (!c) throw new JinjaSyntaxError('Missing end of comment tag', lineno);
      lineno += countNewlines(c[0]);
      pos = COMMENT_END_RE.lastIndex;
    } else {
      const isBlock = m[4] !== undefined;
      push(isBlock ? 'block_begin' : 'variable_begin', null, lineno);
      pos = lexTag(source, pos, isBlock, tokens, (l) => (lineno = l), lineno);
    }
  }
  tokens.push({ type: 'eof', value: null, lineno });
  return tokens;
}

/** Lex the inside of `{% … %}` or `{{ … }}` up to and including its end; returns the new position. */
function lexTag(source: string, start: number, isBlock: boolean, tokens: Token[], setLine: (l: number) => void, startLine: number): number {
  let pos = start;
  let lineno = startLine;
  const balancing: string[] = [];
  const endRe = isBlock ? BLOCK_END_RE : VARIABLE_END_RE;
  const fail = (msg: string): never => {
    throw new JinjaSyntaxError(msg, lineno);
  };
  for (;;) {
    if (balancing.length === 0) {
      endRe.lastIndex = pos;
      const e = endRe.exec(source);
      if (e) {
        tokens.push({ type: isBlock ? 'block_end' : 'variable_end', value: null, lineno });
        lineno += countNewlines(e[0]);
        setLine(lineno);
        return endRe.lastIndex;
      }
    }
    if (pos >= source.length) {
      setLine(lineno);
      return pos;
    }
    let m: RegExpExecArray | null;
    if ((WHITESPACE_RE.lastIndex = pos, m = WHITESPACE_RE.exec(source))) {
      lineno += countNewlines(m[0]);
    } else if ((FLOAT_RE.lastIndex = pos, m = FLOAT_RE.exec(source))) {
      tokens.push({ type: 'float', value: pyFloat(Number(m[0].replace(/_/g, ''))), lineno });
    } else if ((INTEGER_RE.lastIndex = pos, m = INTEGER_RE.exec(source))) {
      tokens.push({ type: 'integer', value: parseIntLiteral(m[0]), lineno });
    } else if ((NAME_RE.lastIndex = pos, m = NAME_RE.exec(source))) {
      if (/^[\p{Nd}\p{Mn}\p{Mc}]/u.test(m[0])) fail('Invalid character in identifier');
      tokens.push({ type: 'name', value: m[0], lineno });
    } else if ((STRING_RE.lastIndex = pos, m = STRING_RE.exec(source))) {
      const body = m[1] ?? m[2]!;
      tokens.push({ type: 'string', value: unescapePyString(body, lineno), lineno });
      lineno += countNewlines(m[0]);
    } else if ((OPERATOR_RE.lastIndex = pos, m = OPERATOR_RE.exec(source))) {
      const op = m[0];
      if (op === '{') balancing.push('}');
      else if (op === '(') balancing.push(')');
      else if (op === '[') balancing.push(']');
      else if (op === '}' || op === ')' || op === ']') {
        const expected = balancing.pop();
        if (expected === undefined) fail(`unexpected '${op}'`);
        if (expected !== op) fail(`unexpected '${op}', expected '${expected}'`);
      }
      tokens.push({ type: OPERATORS[op]!, value: op, lineno });
    } else {
      const ch = String.fromCodePoint(source.codePointAt(pos)!);
      fail(`unexpected char ${pyCharRepr(ch)} at ${[...source.slice(0, pos)].length}`);
    }
    pos += m![0].length;
  }
}

function pyCharRepr(ch: string): string {
  if (ch === "'") return `"'"`;
  if (ch === '\\') return "'\\\\'";
  return `'${ch}'`;
}

function parseIntLiteral(text: string): number | bigint {
  const clean = text.replace(/_/g, '');
  const big = /^0[bBoOxX]/.test(clean) ? BigInt(clean.toLowerCase()) : BigInt(clean);
  return big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
}

/** Python's `unicode-escape` decoding as Jinja applies it to string literals. */
function unescapePyString(body: string, lineno: number): string {
  if (!body.includes('\\')) return body;
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (ch !== '\\') { out += ch; continue; }
    const e = body[i + 1];
    if (e === undefined) throw new JinjaSyntaxError('\\ at end of string', lineno);
    i++;
    switch (e) {
      case '\n': break;
      case '\\': out += '\\'; break;
      case "'": out += "'"; break;
      case '"': out += '"'; break;
      case 'a': out += '\x07'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'v': out += '\v'; break;
      case 'N':
        // named escapes (\N{BULLET}) need Unicode's name table, which we do not carry
        throw new JinjaSyntaxError(body[i + 1] === '{' ? 'unknown Unicode character name' : 'malformed \\N character escape', lineno);
      case 'x': case 'u': case 'U': {
        const len = e === 'x' ? 2 : e === 'u' ? 4 : 8;
        const hex = body.slice(i + 1, i + 1 + len);
        if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(hex)) {
          throw new JinjaSyntaxError(`truncated \\${e}${'X'.repeat(len)} escape`, lineno);
        }
        const code = parseInt(hex, 16);
        if (code > 0x10ffff) throw new JinjaSyntaxError('illegal Unicode character', lineno);
        out += String.fromCodePoint(code);
        i += len;
        break;
      }
      default:
        if (e >= '0' && e <= '7') {
          let digits = e;
          while (digits.length < 3 && body[i + 1] !== undefined && body[i + 1]! >= '0' && body[i + 1]! <= '7') digits += body[++i];
          out += String.fromCodePoint(parseInt(digits, 8));
        } else {
          out += `\\${e}`;
        }
    }
  }
  return out;
}
