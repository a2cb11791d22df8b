/**
 * Python library text helpers that Jinja filters call: pprint.pformat,
 * textwrap.wrap, html.unescape (common entities), urllib.parse.quote.
 */
import { compareCodePoints } from '../py/pyjson.js';
import { isPlainObject, pyRepr } from '../py/pyvalue.js';
import { pySplitlines } from './access.js';
import { PyTuple } from './runtime.js';

// ---- pprint.pformat(value) with width=80, sort_dicts=True ----

const WIDTH = 80;

function sortedEntries(d: Record<string, unknown>): [string, unknown][] {
  return Object.entries(d).sort(([a], [b]) => compareCodePoints(a, b));
}

/** pprint's _safe_repr: repr with dict keys sorted at every level. */
function safeRepr(v: unknown): string {
  if (isPlainObject(v)) return `{${sortedEntries(v).map(([k, x]) => `${pyRepr(k)}: ${safeRepr(x)}`).join(', ')}}`;
  if (v instanceof PyTuple) {
    const parts = Array.from(v, safeRepr);
    return parts.length === 1 ? `(${parts[0]},)` : `(${parts.join(', ')})`;
  }
  if (Array.isArray(v)) return `[${v.map(safeRepr).join(', ')}]`;
  return pyRepr(v);
}

export function pformat(value: unknown): string {
  const out: string[] = [];
  format(value, out, 0, 0, 0);
  return out.join('');
}

function format(obj: unknown, out: string[], indent: number, allowance: number, level: number): void {
  const rep = safeRepr(obj);
  if (rep.length <= WIDTH - indent - allowance) { out.push(rep); return; }
  if (isPlainObject(obj)) {
    out.push('{');
    const items = sortedEntries(obj);
    const inner = indent + 1;
    items.forEach(([k, v], i) => {
      const last = i === items.length - 1;
      const krep = pyRepr(k);
      out.push(krep, ': ');
      format(v, out, inner + krep.length + 2, last ? allowance + 1 : 1, level + 1);
      if (!last) out.push(`,\n${' '.repeat(inner)}`);
    });
    out.push('}');
  } else if (Array.isArray(obj)) {
    const isTuple = obj instanceof PyTuple;
    const end = isTuple ? (obj.length === 1 ? ',)' : ')') : ']';
    out.push(isTuple ? '(' : '[');
    const inner = indent + 1;
    const allow = allowance + end.length;
    obj.forEach((v, i) => {
      if (i > 0) out.push(`,\n${' '.repeat(inner)}`);
      format(v, out, inner, i === obj.length - 1 ? allow : 1, level + 1);
    });
    out.push(end);
  } else if (typeof obj === 'string' && obj.length) {
    formatString(obj, out, indent, allowance, level + 1, rep);
  } else {
    out.push(rep);
  }
}

function formatString(s: string, out: string[], indent: number, allowance: number, level: number, fullRep: string): void {
  const chunks: string[] = [];
  const lines = pySplitlines(s, true);
  if (level === 1) { indent += 1; allowance += 1; }
  let maxWidth1 = WIDTH - indent;
  const maxWidth = WIDTH - indent;
  let rep = fullRep;
  lines.forEach((line, i) => {
    rep = pyRepr(line);
    if (i === lines.length - 1) maxWidth1 -= allowance;
    if (rep.length <= maxWidth1) { chunks.push(rep); return; }
    const parts = line.match(/\S*\s*/g)!.filter((p, j, all) => j < all.length - 1 || p !== '');
    let maxWidth2 = maxWidth;
    let current = '';
    parts.forEach((part, j) => {
      const candidate = current + part;
      if (j === parts.length - 1 && i === lines.length - 1) maxWidth2 -= allowance;
      if (pyRepr(candidate).length > maxWidth2) {
        if (current) chunks.push(pyRepr(current));
        current = part;
      } else current = candidate;
    });
    if (current) chunks.push(pyRepr(current));
  });
  if (chunks.length === 1) { out.push(rep); return; }
  if (level === 1) out.push('(');
  out.push(chunks.join(`\n${' '.repeat(indent)}`));
  if (level === 1) out.push(')');
}

// ---- textwrap.wrap(text, width, expand_tabs=False, replace_whitespace=False, ...) ----

const TW_WS = '[\\t\\n\\x0b\\x0c\\r ]';
const TW_NWS = '[^\\t\\n\\x0b\\x0c\\r ]';
const TW_WP = '[\\p{L}\\p{N}_!"\'&.,?]';
const TW_LT = '[\\p{L}_]';
const WORDSEP_RE = new RegExp(
  `(${TW_WS}+|(?<=${TW_WP})-{2,}(?=[\\p{L}\\p{N}_])|${TW_NWS}+?(?:-(?:(?<=${TW_LT}{2}-)|(?<=${TW_LT}-${TW_LT}-))(?=${TW_LT}-?${TW_LT})|(?=${TW_WS}|$)|(?<=${TW_WP})(?=-{2,}[\\p{L}\\p{N}_])))`,
  'u',
);
const WORDSEP_SIMPLE_RE = new RegExp(`(${TW_WS}+)`);
const PY_BLANK = /^[\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$/;

export function textwrap(text: string, width: number, breakLongWords: boolean, breakOnHyphens: boolean): string[] {
  if (width <= 0) throw new Error(`invalid width ${width} (must be > 0)`);
  const chunks = text.split(breakOnHyphens ? WORDSEP_RE : WORDSEP_SIMPLE_RE).filter((c) => c);
  chunks.reverse();
  const lines: string[] = [];
  const len = (s: string) => [...s].length;
  while (chunks.length) {
    const cur: string[] = [];
    let curLen = 0;
    if (PY_BLANK.test(chunks[chunks.length - 1]!) && lines.length) chunks.pop();
    while (chunks.length) {
      const l = len(chunks[chunks.length - 1]!);
      if (curLen + l <= width) { cur.push(chunks.pop()!); curLen += l; } else break;
    }
    if (chunks.length && len(chunks[chunks.length - 1]!) > width) {
      const spaceLeft = width < 1 ? 1 : width - curLen;
      if (breakLongWords) {
        let end = spaceLeft;
        const chunk = [...chunks[chunks.length - 1]!];
        if (breakOnHyphens && chunk.length > spaceLeft) {
          const hyphen = chunk.slice(0, spaceLeft).lastIndexOf('-');
          if (hyphen > 0 && chunk.slice(0, hyphen).some((c) => c !== '-')) end = hyphen + 1;
        }
        cur.push(chunk.slice(0, end).join(''));
        chunks[chunks.length - 1] = chunk.slice(end).join('');
      } else if (!cur.length) {
        cur.push(chunks.pop()!);
      }
    }
    if (cur.length && PY_BLANK.test(cur[cur.length - 1]!)) cur.pop();
    if (cur.length) lines.push(cur.join(''));
  }
  return lines;
}

// ---- html.unescape (the entities prompt text realistically holds) ----

const ENTITIES: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0', copy: '©', reg: '®', trade: '™',
  hellip: '…', mdash: '—', ndash: '–', laquo: '«', raquo: '»', lsquo: '‘', rsquo: '’', ldquo: '“', rdquo: '”',
  bull: '•', middot: '·', deg: '°', euro: '€', pound: '£', yen: '¥', cent: '¢', sect: '§', para: '¶', times: '×', divide: '÷',
};

export function htmlUnescape(s: string): string {
  return s.replace(/&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[A-Za-z][A-Za-z0-9]*;)/g, (m, body: string) => {
    if (body.startsWith('#')) {
      const hex = body[1] === 'x' || body[1] === 'X';
      const code = parseInt(body.slice(hex ? 2 : 1).replace(';', ''), hex ? 16 : 10);
      if (code === 0 || (code >= 0xd800 && code <= 0xdfff) || code > 0x10ffff) return '\ufffd';
      return String.fromCodePoint(code);
    }
    const name = body.slice(0, -1);
    return ENTITIES[name] ?? m;
  });
}

// ---- urllib.parse.quote ----

export function urlQuote(s: string, forQs: boolean): string {
  const safe = forQs ? '' : '/';
  let out = '';
  for (const byte of new TextEncoder().encode(s)) {
    const ch = String.fromCharCode(byte);
    if (/[A-Za-z0-9_.\-~]/.test(ch) || safe.includes(ch)) out += ch;
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return forQs ? out.replace(/%20/g, '+') : out;
}
