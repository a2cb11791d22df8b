/**
 * A parser for Python literals, the subset of `ast.literal_eval` that chat
 * prompts use (an assistant's `tool_calls:` list): str (with prefixes r/u and
 * implicit concatenation), int, float, True/False/None, list, tuple, set,
 * dict, and unary +/- on numbers. Anything else (names, calls, attribute access,
 * complex numbers) is rejected, exactly because literal_eval never evaluates.
 */
import { pyFloat } from '../py/pyvalue.js';

export class PyLiteralError extends Error {
  constructor(message: string, readonly position: number) {
    super(`${message} at position ${position}`);
    this.name = 'PyLiteralError';
  }
}

const SIMPLE_ESCAPES: Record<string, string> = {
  '\\': '\\', "'": "'", '"': '"', n: '\n', t: '\t', r: '\r', a: '\x07', b: '\b', f: '\f', v: '\v', '\n': ''
};

class LiteralParser {
  private pos = 0;

  constructor(private readonly text: string) {}

  parseAll(): unknown {
    // literal_eval strips leading spaces and tabs before parsing in eval mode.
    while (this.text[this.pos] === ' ' || this.text[this.pos] === '\t') this.pos++;
    const value = this.parseValue();
    this.skipSpace();
    if (this.pos < this.text.length) this.fail('unexpected text after the literal');
    return value;
  }

  private fail(message: string): never {
    throw new PyLiteralError(message, this.pos);
  }

  /** Whitespace, newlines (inside brackets) and comments. */
  private skipSpace(): void {
    for (;;) {
      const ch = this.text[this.pos];
      if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || ch === '\f') this.pos++;
      else if (ch === '\\' && this.text[this.pos + 1] === '\n') this.pos += 2;
      else if (ch === '#') {
        while (this.pos < this.text.length && this.text[this.pos] !== '\n') this.pos++;
      } else return;
    }
  }

  private parseValue(): unknown {
    this.skipSpace();
    const ch = this.text[this.pos];
    if (ch === undefined) this.fail('unexpected end of literal');
    if (ch === '[') return this.parseSequence('[', ']');
    if (ch === '(') return this.parseTuple();
    if (ch === '{') return this.parseBrace();
    if (ch === '+' || ch === '-') {
      this.pos++;
      const value = this.parseValue();
      if (typeof value === 'number') return ch === '-' ? -value : value;
      if (typeof value === 'bigint') return ch === '-' ? -value : value;
      if (typeof value === 'object' && value !== null && 'value' in value && typeof (value as { value: unknown }).value === 'number') {
        const n = (value as { value: number }).value;
        return pyFloat(ch === '-' ? -n : n);
      }
      this.fail('unary operator on a non-number');
    }
    if (/[0-9.]/.test(ch) && (ch !== '.' || /[0-9]/.test(this.text[this.pos + 1] ?? ''))) return this.parseNumber();
    if (/[A-Za-z_]/.test(ch)) {
      const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.text.slice(this.pos))![0];
      const quote = this.text[this.pos + word.length];
      if ((quote === "'" || quote === '"') && /^(r|u|R|U)$/.test(word)) return this.parseStrings();
      this.pos += word.length;
      if (word === 'True') return true;
      if (word === 'False') return false;
      if (word === 'None') return null;
      this.pos -= word.length;
      this.fail(`'${word}' is not a literal`);
    }
    if (ch === "'" || ch === '"') return this.parseStrings();
    this.fail(`unexpected character '${ch}'`);
  }

  private parseSequence(open: string, close: string): unknown[] {
    this.pos++; // open
    const items: unknown[] = [];
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] === close) {
        this.pos++;
        return items;
      }
      items.push(this.parseValue());
      this.skipSpace();
      if (this.text[this.pos] === ',') this.pos++;
      else if (this.text[this.pos] !== close) this.fail(`expected ',' or '${close}' after item ${items.length} of '${open}'`);
    }
  }

  private parseTuple(): unknown[] {
    const start = this.pos;
    this.pos++;
    this.skipSpace();
    if (this.text[this.pos] === ')') {
      this.pos++;
      return [];
    }
    const first = this.parseValue();
    this.skipSpace();
    if (this.text[this.pos] === ')') {
      this.pos++;
      return first as unknown[]; // a parenthesised value, not a tuple
    }
    this.pos = start;
    return this.parseSequence('(', ')');
  }

  private parseBrace(): unknown {
    this.pos++;
    this.skipSpace();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return {};
    }
    const firstKey = this.parseValue();
    this.skipSpace();
    if (this.text[this.pos] !== ':') {
      // A set literal: {a, b}
      const items: unknown[] = [firstKey];
      for (;;) {
        this.skipSpace();
        if (this.text[this.pos] === '}') {
          this.pos++;
          return items;
        }
        if (this.text[this.pos] !== ',') this.fail("expected ',' or '}' in a set");
        this.pos++;
        this.skipSpace();
        if (this.text[this.pos] === '}') continue;
        items.push(this.parseValue());
      }
    }
    const dict: Record<string, unknown> = {};
    let key: unknown = firstKey;
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] !== ':') this.fail("expected ':' in a dict");
      this.pos++;
      dict[dictKey(key)] = this.parseValue();
      this.skipSpace();
      if (this.text[this.pos] === ',') this.pos++;
      else if (this.text[this.pos] !== '}') this.fail("expected ',' or '}' in a dict");
      this.skipSpace();
      if (this.text[this.pos] === '}') {
        this.pos++;
        return dict;
      }
      key = this.parseValue();
    }
  }

  private parseNumber(): unknown {
    const rest = this.text.slice(this.pos);
    const radix = /^0([xX][0-9a-fA-F_]+|[oO][0-7_]+|[bB][01_]+)/.exec(rest);
    if (radix) {
      this.pos += radix[0].length;
      const digits = radix[1]!.slice(1).replace(/_/g, '');
      const base = { x: 16, o: 8, b: 2 }[radix[1]![0]!.toLowerCase() as 'x' | 'o' | 'b'];
      return toInt(BigInt(base === 16 ? `0x${digits}` : base === 8 ? `0o${digits}` : `0b${digits}`));
    }
    const match = /^(?:[0-9][0-9_]*)?(?:\.[0-9_]*)?(?:[eE][+-]?[0-9_]+)?/.exec(rest)!;
    const token = match[0];
    if (/^[jJ]/.test(rest.slice(token.length))) this.fail('complex numbers are not supported');
    this.pos += token.length;
    const clean = token.replace(/_/g, '');
    if (/[.eE]/.test(clean)) return pyFloat(Number(clean.startsWith('.') ? `0${clean}` : clean));
    if (/^0[0-9]/.test(clean) && /[1-9]/.test(clean)) this.fail('leading zeros in an int');
    return toInt(BigInt(clean));
  }

  /** One string or several adjacent ones ('a' "b" → 'ab'). */
  private parseStrings(): string {
    let out = this.parseString();
    for (;;) {
      const save = this.pos;
      this.skipSpace();
      const ch = this.text[this.pos];
      const prefixed = ch !== undefined && /[rRuU]/.test(ch) && /['"]/.test(this.text[this.pos + 1] ?? '');
      if (ch === "'" || ch === '"' || prefixed) out += this.parseString();
      else {
        this.pos = save;
        return out;
      }
    }
  }

  private parseString(): string {
    let raw = false;
    if (/[rRuU]/.test(this.text[this.pos]!)) {
      raw = /[rR]/.test(this.text[this.pos]!);
      this.pos++;
    }
    const quoteChar = this.text[this.pos]!;
    const triple = this.text.startsWith(quoteChar.repeat(3), this.pos);
    const quote = triple ? quoteChar.repeat(3) : quoteChar;
    this.pos += quote.length;
    let out = '';
    for (;;) {
      if (this.pos >= this.text.length) this.fail('unterminated string');
      if (this.text.startsWith(quote, this.pos)) {
        this.pos += quote.length;
        return out;
      }
      const ch = this.text[this.pos]!;
      if (ch === '\n' && !triple) this.fail('newline in a single-quoted string');
      if (ch !== '\\') {
        out += ch;
        this.pos++;
        continue;
      }
      const next = this.text[this.pos + 1];
      if (next === undefined) this.fail('unterminated string');
      if (raw) {
        out += ch + next;
        this.pos += 2;
        continue;
      }
      this.pos += 2;
      if (next in SIMPLE_ESCAPES) out += SIMPLE_ESCAPES[next];
      else if (/[0-7]/.test(next)) {
        const oct = /^[0-7]{0,2}/.exec(this.text.slice(this.pos))![0];
        this.pos += oct.length;
        out += String.fromCodePoint(parseInt(next + oct, 8));
      } else if (next === 'x' || next === 'u' || next === 'U') {
        const len = next === 'x' ? 2 : next === 'u' ? 4 : 8;
        const hex = this.text.slice(this.pos, this.pos + len);
        if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(hex)) this.fail(`truncated \\${next} escape`);
        const code = parseInt(hex, 16);
        if (code > 0x10ffff) this.fail('escape out of range');
        out += String.fromCodePoint(code);
        this.pos += len;
      } else if (next === 'N') this.fail('\\N{...} escapes are not supported');
      else out += `\\${next}`; // Python keeps unknown escapes as written
    }
  }
}

function toInt(n: bigint): number | bigint {
  return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
}

function dictKey(key: unknown): string {
  if (typeof key === 'string') return key;
  if (key === null) return 'None';
  if (key === true) return 'True';
  if (key === false) return 'False';
  return String(key);
}

/** Python `ast.literal_eval` on a string (the supported subset); throws PyLiteralError otherwise. */
export function parsePythonLiteral(text: string): unknown {
  return new LiteralParser(text).parseAll();
}
