/**
 * Load a batch run's data the way Prompt flow does (`_utils/load_data.py`, pandas
 * with `dtype=object`): jsonl, json, csv/tsv (all strings), a directory of such
 * files, and unknown extensions tried as jsonl.
 */
import { createReadStream, readFileSync } from 'node:fs';
import { open, readdir, readFile, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { UserError, silentLog, type Log } from '@llmops/common';
import { PyFloat, isPlainObject } from '../py/pyvalue.js';
import { parsePyJson } from '../py/pyjson.js';
import { parseDelimited } from './csv.js';

export type Row = Record<string, unknown>;

/** Read every row of a data file or directory. */
export async function loadData(path: string, options: { log?: Log } = {}): Promise<Row[]> {
  const log = options.log ?? silentLog;
  const info = await stat(path).catch(() => undefined);
  if (!info) {
    throw new UserError(`Data file not found: ${path}. Check the path (relative paths are resolved from the workspace or the run.yml folder).`, {
      file: path,
      field: 'data',
      code: 'DataNotFound'
    });
  }
  if (!info.isDirectory()) return loadFile(path, log);
  // Breadth-first, files sorted by name within a level. pandas concatenates the
  // files' tables (`pd.concat`), so a column present in any file is NaN in the
  // rows of the files that lack it: the rows are completed after concatenation.
  const rows: Row[] = [];
  let level = [path];
  while (level.length > 0) {
    const next: string[] = [];
    for (const dir of level) {
      const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const entry of entries) {
        const full = join(dir, entry.name);
        if (entry.isDirectory()) next.push(full);
        else rows.push(...(await loadFile(full, log)));
      }
    }
    level = next;
  }
  return fillMissingKeys(rows);
}

async function loadFile(file: string, log: Log): Promise<Row[]> {
  if ((await stat(file)).size === 0) return [];
  const ext = extname(file).toLowerCase();
  if (ext === '.jsonl') return fillMissingKeys(await readJsonlFile(file));
  if (ext === '.json') return fillMissingKeys(parseJsonDocument(await readText(file), file));
  if (ext === '.csv') return parseDelimited(await readText(file), ',', file);
  if (ext === '.tsv') return parseDelimited(await readText(file), '\t', file);
  if (ext === '.parquet') {
    throw new UserError(`Parquet data is not supported: ${file}. Convert it to jsonl or csv.`, { file, field: 'data', code: 'InvalidUserData' });
  }
  try {
    return fillMissingKeys(await readJsonlFile(file));
  } catch {
    log.warning(`File ${basename(file)} is not supported format: csv, tsv, json, jsonl, parquet. Ignoring it.`);
    return [];
  }
}

/**
 * Pandas builds one table from the rows: a key present in some rows only becomes
 * NaN in the others, and every row lists the columns in first-seen order.
 */
export function fillMissingKeys(rows: Row[]): Row[] {
  const columns: string[] = [];
  const seen = new Set<string>();
  for (const row of rows) for (const key of Object.keys(row)) if (!seen.has(key)) { seen.add(key); columns.push(key); }
  return rows.map((row) => {
    const out: Row = {};
    for (const key of columns) out[key] = Object.hasOwn(row, key) ? row[key] : new PyFloat(NaN);
    return out;
  });
}

type Encoding = 'utf8' | 'utf8-bom' | 'utf16le' | 'utf16be';

async function detectEncoding(file: string): Promise<Encoding> {
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(3);
    const { bytesRead } = await handle.read(head, 0, 3, 0);
    return encodingOf(head.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}

function encodingOf(head: Buffer): Encoding {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return 'utf8-bom';
  if (head[0] === 0xff && head[1] === 0xfe) return 'utf16le';
  if (head[0] === 0xfe && head[1] === 0xff) return 'utf16be';
  return 'utf8';
}

function decode(buffer: Buffer): string {
  switch (encodingOf(buffer)) {
    case 'utf8-bom': return buffer.subarray(3).toString('utf8');
    case 'utf16le': return buffer.subarray(2).toString('utf16le');
    case 'utf16be': return Buffer.from(buffer.subarray(2)).swap16().toString('utf16le');
    default: return buffer.toString('utf8');
  }
}

async function readText(file: string): Promise<string> {
  return decode(await readFile(file));
}

/** One jsonl line → a row, or a UserError naming the file and line. */
function parseJsonlLine(text: string, file: string, line: number): Row {
  let value: unknown;
  try {
    value = parsePyJson(text);
  } catch (error) {
    throw new UserError(`Invalid JSON on line ${line} of ${file}: ${(error as Error).message}.`, { file, line, code: 'InvalidUserData' });
  }
  if (!isPlainObject(value)) {
    throw new UserError(`Line ${line} of ${file} is not a JSON object; each jsonl line must be one object of columns.`, { file, line, code: 'InvalidUserData' });
  }
  return value;
}

/** Streams the file line by line so a large dataset is never held as one string. */
async function readJsonlFile(file: string): Promise<Row[]> {
  const encoding = await detectEncoding(file);
  if (encoding === 'utf16le' || encoding === 'utf16be') return parseJsonlText(await readText(file), file);
  const stream = createReadStream(file, { encoding: 'utf8', start: encoding === 'utf8-bom' ? 3 : 0 });
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  const rows: Row[] = [];
  let lineNumber = 0;
  try {
    for await (const text of lines) {
      lineNumber++;
      if (text.trim() === '') continue;
      rows.push(parseJsonlLine(text, file, lineNumber));
    }
  } finally {
    lines.close();
    stream.destroy();
  }
  return rows;
}

export function parseJsonlText(text: string, file: string): Row[] {
  const rows: Row[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() !== '') rows.push(parseJsonlLine(line, file, i + 1));
  });
  return rows;
}

/** Read a jsonl file synchronously, with pandas' missing-key filling (used for a run's output files). */
export function readJsonlSync(file: string): Row[] {
  return fillMissingKeys(parseJsonlText(decode(readFileSync(file)), file));
}

/**
 * A `.json` file: a list of row objects; or one object of columns
 * (`{"a": [1, 2]}` or `{"a": {"0": 1}}`, pandas' default orient); or one object
 * of scalars, taken as a single row.
 */
function parseJsonDocument(text: string, file: string): Row[] {
  let value: unknown;
  try {
    value = parsePyJson(text.trim());
  } catch (error) {
    throw new UserError(`Invalid JSON in ${file}: ${(error as Error).message}.`, { file, code: 'InvalidUserData' });
  }
  if (Array.isArray(value)) {
    return value.map((item, i) => {
      if (!isPlainObject(item)) {
        throw new UserError(`Item ${i} of ${file} is not a JSON object; a .json data file must be a list of objects.`, { file, code: 'InvalidUserData' });
      }
      return item;
    });
  }
  if (!isPlainObject(value)) {
    throw new UserError(`${file} must hold a list of objects or one object.`, { file, code: 'InvalidUserData' });
  }
  const columns = Object.entries(value);
  if (columns.length > 0 && columns.every(([, v]) => Array.isArray(v))) {
    const length = (columns[0]![1] as unknown[]).length;
    if (columns.some(([, v]) => (v as unknown[]).length !== length)) {
      throw new UserError(`The column lists in ${file} have different lengths.`, { file, code: 'InvalidUserData' });
    }
    return Array.from({ length }, (_, i) => Object.fromEntries(columns.map(([k, v]) => [k, (v as unknown[])[i]])));
  }
  if (columns.length > 0 && columns.every(([, v]) => isPlainObject(v))) {
    const index: string[] = [];
    for (const [, v] of columns) for (const k of Object.keys(v as Row)) if (!index.includes(k)) index.push(k);
    return index.map((i) => Object.fromEntries(columns.map(([k, v]) => [k, Object.hasOwn(v as Row, i) ? (v as Row)[i] : new PyFloat(NaN)])));
  }
  return [value];
}
