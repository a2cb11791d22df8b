/**
 * Reading the files a run leaves behind (JSON Lines written by Python or our run
 * store) and the user's data file (jsonl, json, csv, tsv as Prompt flow loads them).
 */
import { readFile } from 'node:fs/promises';
import { isPlainObject, loadData, parsePyJson } from '@llmops/flow';

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

/** Rows of the user's data file, read exactly as a flow run reads it; mistakes are UserErrors naming the file and line. */
export async function loadDataRows(file: string): Promise<Row[]> {
  return loadData(file);
}
