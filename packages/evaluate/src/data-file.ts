/**
 * Reading the files a run leaves behind (JSON Lines written by Python or our run
 * store) and the user's data file (jsonl, json, csv, tsv as Prompt flow loads them).
 */
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { UserError } from '@llmops/common';
import { isPlainObject } from '@llmops/flow';
import { parsePyJson } from './pyjson.js';

export type Row = Record<string, unknown>;

/**
 * Rows of a JSON Lines file written by a run. A malformed or non-object line is
 * skipped (a run killed mid-write leaves a torn last line); `skipped` counts them.
 */
export async function readRunJsonl(file: string): Promise<{ rows: Row[]; skipped: number }> {
  const text = await readFile(file, 'utf8');
  const rows: Row[] = [];
  let skipped = 0;
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const value = parsePyJson(line);
      if (isPlainObject(value)) rows.push(value);
      else skipped++;
    } catch {
      skipped++;
    }
  }
  return { rows, skipped };
}

/** Rows of the user's data file; every mistake is a UserError naming the file and line. */
export async function loadDataRows(file: string, shownAs = file): Promise<Row[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new UserError(`cannot read data file '${shownAs}': ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { file: shownAs, code: 'DataFileError' });
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const ext = extname(file).toLowerCase();
  if (ext === '.csv') return parseDelimited(text, ',', shownAs);
  if (ext === '.tsv') return parseDelimited(text, '\t', shownAs);
  if (ext === '.parquet') {
    throw new UserError(`data file '${shownAs}' is Parquet, which built-in metrics cannot read; convert it to .jsonl or .csv`, { file: shownAs, code: 'DataFileError' });
  }
  if (ext === '.json') return parseJsonArray(text, shownAs);
  // Prompt flow reads any other extension as JSON Lines.
  return parseJsonl(text, shownAs);
}

function parseJsonl(text: string, file: string): Row[] {
  const rows: Row[] = [];
  text.split('\n').forEach((line, index) => {
    if (!line.trim()) return;
    let value: unknown;
    try {
      value = parsePyJson(line);
    } catch (error) {
      throw new UserError(`line ${index + 1} of '${file}' is not valid JSON: ${(error as Error).message}`, { file, line: index + 1, code: 'DataFileError' });
    }
    if (!isPlainObject(value)) {
      throw new UserError(`line ${index + 1} of '${file}' is not a JSON object; each line must be one record like {"question": "..."}`, { file, line: index + 1, code: 'DataFileError' });
    }
    rows.push(value);
  });
  return rows;
}

function parseJsonArray(text: string, file: string): Row[] {
  let value: unknown;
  try {
    value = parsePyJson(text);
  } catch (error) {
    throw new UserError(`'${file}' is not valid JSON: ${(error as Error).message}`, { file, code: 'DataFileError' });
  }
  if (!Array.isArray(value) || !value.every(isPlainObject)) {
    throw new UserError(`'${file}' must hold a JSON array of records like [{"question": "..."}]`, { file, code: 'DataFileError' });
  }
  return value as Row[];
}

/** CSV/TSV with a header row; every cell is a string (pandas `dtype=str, keep_default_na=False`). */
export function parseDelimited(text: string, separator: string, file: string): Row[] {
  const records = splitRecords(text, separator, file);
  const header = records.shift();
  if (!header) return [];
  return records
    .filter((cells) => !(cells.length === 1 && cells[0] === ''))
    .map((cells) => Object.fromEntries(header.map((name, i) => [name, cells[i] ?? ''])));
}

function splitRecords(text: string, separator: string, file: string): string[][] {
  const records: string[][] = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { cell += '"'; i += 2; continue; }
      if (ch === '"') { quoted = false; i++; continue; }
      cell += ch;
      i++;
      continue;
    }
    if (ch === '"' && cell === '') { quoted = true; i++; continue; }
    if (ch === separator) { cells.push(cell); cell = ''; i++; continue; }
    if (ch === '\n' || ch === '\r') {
      cells.push(cell);
      records.push(cells);
      cells = [];
      cell = '';
      i += ch === '\r' && text[i + 1] === '\n' ? 2 : 1;
      continue;
    }
    cell += ch;
    i++;
  }
  if (quoted) throw new UserError(`'${file}' has an unterminated quoted field`, { file, code: 'DataFileError' });
  if (cell !== '' || cells.length > 0) {
    cells.push(cell);
    records.push(cells);
  }
  return records;
}
