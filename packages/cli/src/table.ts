/**
 * `tabulate(df, headers="keys", tablefmt="grid")`, as `pf run show-details` prints:
 * a column is numeric when every cell reads as a number (as tabulate parses strings);
 * numeric columns and their headers are right-aligned on the decimal point and
 * float columns are shown in Python's "g" form; text is stripped and left-aligned;
 * every column is at least two wider than its header.
 */
import { formatSpec, PyFloat } from '@llmops/flow';

type CellType = 'bool' | 'int' | 'float' | 'str';
const GENERALITY: Record<CellType, number> = { bool: 1, int: 2, float: 3, str: 5 };
/** tabulate's MIN_PADDING: header width + 2. */
const MIN_PADDING = 2;

// What Python's int() and float() accept (tabulate's _isint / _isnumber on strings).
const DIGITS = String.raw`\d(?:_?\d)*`;
const INT = new RegExp(String.raw`^\s*[+-]?${DIGITS}\s*$`);
const FLOAT = new RegExp(String.raw`^\s*[+-]?(?:${DIGITS}(?:\.(?:${DIGITS})?)?|\.${DIGITS})(?:[eE][+-]?${DIGITS})?\s*$`);

function isNumber(cell: string): boolean {
  return FLOAT.test(cell) || ['inf', '-inf', 'nan'].includes(cell.toLowerCase());
}

function cellType(cell: string): CellType {
  if (cell === 'True' || cell === 'False') return 'bool';
  if (INT.test(cell)) return 'int';
  if (isNumber(cell)) return 'float';
  return 'str';
}

function columnType(cells: string[]): CellType {
  return cells.map(cellType).reduce((a, b) => (GENERALITY[b] > GENERALITY[a] ? b : a), 'bool' as CellType);
}

/** Python's float() of a cell isNumber accepted. */
function pyFloat(cell: string): number {
  const text = cell.trim().replace(/_/g, '').toLowerCase();
  if (text === 'inf' || text === '+inf') return Infinity;
  if (text === '-inf') return -Infinity;
  return text === 'nan' ? NaN : Number(text);
}

/** tabulate's _afterpoint: digits after the decimal point (or exponent), -1 for ints and text. */
function afterPoint(cell: string): number {
  if (!isNumber(cell) || INT.test(cell)) return -1;
  let pos = cell.lastIndexOf('.');
  if (pos < 0) pos = cell.toLowerCase().lastIndexOf('e');
  return pos >= 0 ? cell.length - pos - 1 : -1;
}

/** Width as Python's len(): code points, not UTF-16 units. */
const width = (text: string) => [...text].length;
const padLeft = (w: number, s: string) => ' '.repeat(Math.max(0, w - width(s))) + s;
const padRight = (w: number, s: string) => s + ' '.repeat(Math.max(0, w - width(s)));

export function gridTable(headers: string[], rows: string[][]): string {
  const columns = headers.map((_, c) => rows.map((row) => row[c] ?? ''));
  const types = columns.map(columnType);
  const numeric = types.map((t) => t === 'int' || t === 'float');

  const aligned = columns.map((cells, c) => {
    const formatted = types[c] === 'float' ? cells.map((s) => (isNumber(s) ? formatSpec(new PyFloat(pyFloat(s)), 'g') : s)) : cells;
    let strings: string[];
    if (numeric[c]) {
      // "decimal": pad after the number so the points line up, then right-align.
      const decimals = formatted.map(afterPoint);
      const most = Math.max(...decimals, -1);
      strings = formatted.map((s, i) => s + ' '.repeat(most - decimals[i]!));
    } else {
      strings = formatted.map((s) => s.trim());
    }
    const lineWidths = strings.flatMap((s) => s.split('\n').map(width));
    const w = Math.max(width(headers[c]!) + MIN_PADDING, ...lineWidths);
    const pad = numeric[c] ? padLeft : padRight;
    return { w, cells: strings.map((s) => s.split('\n').map((line) => pad(w, line))), header: pad(w, headers[c]!) };
  });

  const widths = aligned.map((a) => a.w);
  const rule = (ch: string) => `+${widths.map((w) => ch.repeat(w + 2)).join('+')}+`;
  const render = (cells: string[][]) => {
    const height = Math.max(...cells.map((lines) => lines.length));
    const out: string[] = [];
    for (let l = 0; l < height; l++) out.push(`| ${cells.map((lines, c) => lines[l] ?? ' '.repeat(widths[c]!)).join(' | ')} |`);
    return out.join('\n');
  };
  const lines = [rule('-'), render(aligned.map((a) => [a.header])), rule('=')];
  rows.forEach((_, r) => {
    lines.push(render(aligned.map((a) => a.cells[r]!)));
    lines.push(rule('-'));
  });
  // An empty table still closes with its bottom line.
  if (rows.length === 0) lines.push(rule('-'));
  return lines.join('\n');
}
