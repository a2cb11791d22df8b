/**
 * A small RFC 4180 reader with pandas `read_csv(dtype=object, keep_default_na=False)`
 * semantics: every cell is a string, empty cells stay "", blank lines are skipped,
 * duplicate headers become `a.1`, empty headers `Unnamed: i`, and a short row gets
 * NaN for its missing cells.
 */
import { UserError } from '@llmops/common';
import { PyFloat } from '../py/pyvalue.js';

interface CsvRecord {
  fields: string[];
  /** 1-based physical line where the record starts. */
  line: number;
}

/** Split text into records; quoted fields may hold delimiters, `""` and newlines. */
export function splitCsvRecords(text: string, delimiter: string, file: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let inQuotes = false;
  let quotedField = false;
  let line = 1;
  let recordLine = 1;
  let quoteLine = 1;
  const endRecord = () => {
    fields.push(field);
    // A record that is one empty unquoted field is a blank line: pandas skips it.
    if (!(fields.length === 1 && fields[0] === '' && !quotedField)) records.push({ fields, line: recordLine });
    fields = [];
    field = '';
    quotedField = false;
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (inQuotes) {
      if (ch === '"') {
        if (text[i + 1] === '"') { field += '"'; i++; }
        else inQuotes = false;
      } else {
        if (ch === '\n' || (ch === '\r' && text[i + 1] !== '\n')) line++;
        field += ch;
      }
      continue;
    }
    if (ch === '"' && field === '') { inQuotes = true; quotedField = true; quoteLine = line; continue; }
    if (ch === delimiter) { fields.push(field); field = ''; quotedField = false; continue; }
    if (ch === '\r' || ch === '\n') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      endRecord();
      line++;
      recordLine = line;
      continue;
    }
    field += ch;
  }
  if (inQuotes) {
    throw new UserError(`Invalid data file ${file}: a quoted field opened on line ${quoteLine} is never closed.`, { file, line: quoteLine, code: 'InvalidUserData' });
  }
  if (field !== '' || fields.length > 0 || quotedField) endRecord();
  return records;
}

/** Pandas-style header names: duplicates get `.1`, `.2`; empty names become `Unnamed: i`. */
function headerNames(raw: string[]): string[] {
  const seen = new Map<string, number>();
  return raw.map((name, i) => {
    const base = name === '' ? `Unnamed: ${i}` : name;
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    return count === 0 ? base : `${base}.${count}`;
  });
}

export function parseDelimited(text: string, delimiter: string, file: string): Record<string, unknown>[] {
  const records = splitCsvRecords(text, delimiter, file);
  if (records.length === 0) return [];
  const header = headerNames(records[0]!.fields);
  const rows: Record<string, unknown>[] = [];
  for (const record of records.slice(1)) {
    if (record.fields.length > header.length) {
      throw new UserError(
        `Invalid data file ${file}: line ${record.line} has ${record.fields.length} fields, but the header has ${header.length}.`,
        { file, line: record.line, code: 'InvalidUserData' }
      );
    }
    const row: Record<string, unknown> = {};
    header.forEach((name, i) => {
      row[name] = i < record.fields.length ? record.fields[i] : new PyFloat(NaN);
    });
    rows.push(row);
  }
  return rows;
}
