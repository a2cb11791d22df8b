/**
 * JSON as Python's `json` module writes and reads it. Run files are written by
 * Python (`json.dump`) or by our run store in the same format, so:
 * - `1.0` is a float: it is boxed as a PyFloat so that `str()` gives "1.0", not "1";
 * - `NaN`, `Infinity` and `-Infinity` are accepted (Python writes them by default);
 * - integers beyond 2^53 stay exact as bigint.
 * JSON.parse can do none of these, hence this small parser.
 */
import { PyFloat, pyFloat } from '@llmops/flow';

export class PyJsonSyntaxError extends Error {
  constructor(message: string, readonly position: number) {
    super(message);
    this.name = 'PyJsonSyntaxError';
  }
}

export function parsePyJson(text: string): unknown {
  const parser = new Parser(text);
  parser.skipSpace();
  const value = parser.value();
  parser.skipSpace();
  if (parser.pos < text.length) parser.fail('unexpected text after the JSON value');
  return value;
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

class Parser {
  pos = 0;
  constructor(private readonly text: string) {}

  fail(message: string): never {
    throw new PyJsonSyntaxError(`${message} at position ${this.pos}`, this.pos);
  }

  skipSpace(): void {
    while (this.pos < this.text.length) {
      const ch = this.text.charCodeAt(this.pos);
      if (ch === 0x20 || ch === 0x09 || ch === 0x0a || ch === 0x0d) this.pos++;
      else break;
    }
  }

  private literal(word: string, value: unknown): unknown {
    if (!this.text.startsWith(word, this.pos)) this.fail('unexpected character');
    this.pos += word.length;
    return value;
  }

  value(): unknown {
    const ch = this.text[this.pos];
    switch (ch) {
      case '{': return this.object();
      case '[': return this.array();
      case '"': return this.string();
      case 't': return this.literal('true', true);
      case 'f': return this.literal('false', false);
      case 'n': return this.literal('null', null);
      case 'N': return this.literal('NaN', new PyFloat(NaN));
      case 'I': return this.literal('Infinity', new PyFloat(Infinity));
      case undefined: return this.fail('unexpected end of JSON');
      default:
        if (ch === '-' && this.text.startsWith('-Infinity', this.pos)) return this.literal('-Infinity', new PyFloat(-Infinity));
        return this.number();
    }
  }

  private number(): unknown {
    NUMBER.lastIndex = this.pos;
    const match = NUMBER.exec(this.text);
    if (!match) this.fail('unexpected character');
    const source = match[0];
    this.pos += source.length;
    if (/[.eE]/.test(source)) return pyFloat(Number(source));
    const n = Number(source);
    return Number.isSafeInteger(n) ? n : BigInt(source);
  }

  private string(): string {
    this.pos++; // opening quote
    let out = '';
    let start = this.pos;
    for (;;) {
      const ch = this.text[this.pos];
      if (ch === undefined) this.fail('unterminated string');
      if (ch === '"') {
        out += this.text.slice(start, this.pos);
        this.pos++;
        return out;
      }
      if (ch === '\\') {
        out += this.text.slice(start, this.pos);
        const esc = this.text[this.pos + 1];
        if (esc === 'u') {
          const hex = this.text.slice(this.pos + 2, this.pos + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('bad \\u escape');
          out += String.fromCharCode(parseInt(hex, 16));
          this.pos += 6;
        } else if (esc !== undefined && ESCAPES[esc] !== undefined) {
          out += ESCAPES[esc];
          this.pos += 2;
        } else {
          this.fail('bad escape');
        }
        start = this.pos;
        continue;
      }
      this.pos++;
    }
  }

  private array(): unknown[] {
    this.pos++;
    const out: unknown[] = [];
    this.skipSpace();
    if (this.text[this.pos] === ']') { this.pos++; return out; }
    for (;;) {
      this.skipSpace();
      out.push(this.value());
      this.skipSpace();
      const ch = this.text[this.pos++];
      if (ch === ']') return out;
      if (ch !== ',') { this.pos--; this.fail("expected ',' or ']'"); }
    }
  }

  private object(): Record<string, unknown> {
    this.pos++;
    const out: Record<string, unknown> = {};
    this.skipSpace();
    if (this.text[this.pos] === '}') { this.pos++; return out; }
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] !== '"') this.fail('expected a property name');
      const key = this.string();
      this.skipSpace();
      if (this.text[this.pos] !== ':') this.fail("expected ':'");
      this.pos++;
      this.skipSpace();
      // defineProperty: a key named __proto__ must stay an ordinary key.
      Object.defineProperty(out, key, { value: this.value(), enumerable: true, writable: true, configurable: true });
      this.skipSpace();
      const ch = this.text[this.pos++];
      if (ch === '}') return out;
      if (ch !== ',') { this.pos--; this.fail("expected ',' or '}'"); }
    }
  }
}
