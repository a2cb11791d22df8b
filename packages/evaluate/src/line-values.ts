/**
 * Per-line prediction and ground truth for built-in metrics, read from a run
 * directory and its data, through column-mapping style references:
 *   ${run.outputs.<col>}  the run's `flow_outputs/output.jsonl`, joined on line_number
 *   ${run.inputs.<col>}   the line's inputs (`inputs.jsonl`, joined on line_number);
 *                         a column missing there is read from the run's data file,
 *                         which is what Prompt flow means by `run.inputs`
 *   ${data.<col>}         the data file (rows keyed by their own `line_number` when
 *                         they carry one, else by position, as Prompt flow joins them)
 * As in Prompt flow, `<col>` is one key (`${data.a.b}` is the column "a.b"), with no
 * navigation into nested values.
 *
 * The lines scored are every line of the run: those in inputs.jsonl, output.jsonl and
 * flow_artifacts, else `lines.total` from run.json. A line with no output failed.
 */
import { readdir, readFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { UserError } from '@llmops/common';
import { isPlainObject, numericValue, parsePyJson } from '@llmops/flow';
import type { LinePrediction } from './builtin.js';
import { loadDataRows, readRunJsonl, type Row } from './data-file.js';

export type ReferenceSource = 'run.outputs' | 'run.inputs' | 'data';
export interface ValueReference { source: ReferenceSource; column: string; text: string }

const REFERENCE = /^\$\{(run\.outputs|run\.inputs|data)\.([^}]+)\}$/;

/** Parse `${run.outputs.category}` and friends; anything else is a UserError naming the field. */
export function parseValueReference(text: string, field: string): ValueReference {
  const trimmed = text.trim();
  const match = REFERENCE.exec(trimmed);
  if (!match) {
    throw new UserError(`'${trimmed}' is not a reference; write \${run.outputs.<column>}, \${run.inputs.<column>} or \${data.<column>}, e.g. \${run.outputs.category}`, { field, code: 'InputMappingError' });
  }
  return { source: match[1] as ReferenceSource, column: match[2]!, text: trimmed };
}

export interface ResolveLineValuesOptions {
  /** The run directory to score. */
  runDir: string;
  /** Reference to the prediction, e.g. `${run.outputs.category}`. */
  prediction: string;
  /** Reference to the ground truth, e.g. `${data.answer}`. */
  groundTruth: string;
  /** The data file with the ground truth; default: the run's own data (run.json `data`). */
  dataFile?: string;
  /** Relative paths (dataFile, run.json `data`) resolve against this directory. */
  cwd?: string;
  /** Input names, for error messages. */
  fields?: { prediction?: string; groundTruth?: string; dataFile?: string };
}

export interface ResolvedLines {
  lines: LinePrediction[];
  runName?: string;
  /** Lines without an output (failed or never finished). */
  failedLines: number[];
  /** Lines left out because the data file has no row for them (worth a warning). */
  unmatchedLines: number[];
  /** Torn or malformed lines skipped in the run's own files. */
  skippedRecords: number;
}

interface RunRecord { name?: string; data?: string; total?: number }

export async function resolveLineValues(options: ResolveLineValuesOptions): Promise<ResolvedLines> {
  const cwd = options.cwd ?? process.cwd();
  const runDir = resolve(cwd, options.runDir);
  const predictionField = options.fields?.prediction ?? 'prediction';
  const truthField = options.fields?.groundTruth ?? 'ground-truth';
  const predictionRef = parseValueReference(options.prediction, predictionField);
  const truthRef = parseValueReference(options.groundTruth, truthField);

  const record = await readRunRecord(runDir);
  const outputsFile = join(runDir, 'flow_outputs', 'output.jsonl');
  const outputs = await readIfExists(outputsFile);
  const inputs = await readIfExists(join(runDir, 'inputs.jsonl'));
  const artifacts = await readLineArtifacts(runDir);
  if (!outputs && !inputs && !record) {
    throw new UserError(`'${options.runDir}' is not a run directory: it has no flow_outputs/output.jsonl, inputs.jsonl or run.json`, { field: 'run', code: 'RunNotFound' });
  }

  const needsData = [predictionRef, truthRef].some((r) => r.source !== 'run.outputs');
  const dataPath = options.dataFile ?? record?.data;
  let data: Map<number, Row> | undefined;
  let dataShown = dataPath;
  if (needsData && dataPath) {
    const full = isAbsolute(dataPath) ? dataPath : resolve(cwd, dataPath);
    const rows = await loadDataRows(full);
    data = keyByLine(rows);
    // As Prompt flow's join: a source without line_number is matched by position, so its length must match.
    const positional = !rows.every((r) => Number.isInteger(numericValue(r.line_number)));
    if (positional && record?.total !== undefined && rows.length !== record.total) {
      throw new UserError(`data file '${dataPath}' has ${rows.length} row${rows.length === 1 ? '' : 's'} but the run has ${record.total} lines; give the data file the run was made from`, { field: options.fields?.dataFile ?? 'data', file: dataPath, code: 'InputMappingError' });
    }
  }

  const outputsByLine = keyByLine(outputs?.rows ?? []);
  const inputsByLine = keyByLine(inputs?.rows ?? []);
  const lineNumbers = collectLineNumbers(outputsByLine, inputsByLine, artifacts, record?.total);

  const sources = {
    outputs: outputsByLine,
    inputs: inputsByLine,
    data,
    dataShown,
    dataField: options.fields?.dataFile ?? 'data'
  };
  checkColumn(predictionRef, predictionField, sources);
  checkColumn(truthRef, truthField, sources);

  const lines: LinePrediction[] = [];
  const failedLines: number[] = [];
  const unmatchedLines: number[] = [];
  for (const n of lineNumbers) {
    // A line with no data row has no ground truth; Prompt flow's join drops such lines too.
    if (data && [predictionRef, truthRef].some((r) => r.source === 'data') && !data.has(n)) {
      unmatchedLines.push(n);
      continue;
    }
    const output = outputsByLine.get(n);
    const artifact = artifacts.get(n);
    // output.jsonl holds completed lines only: no output means the line failed.
    const failed = output === undefined;
    const line: LinePrediction = {
      lineNumber: n,
      prediction: failed ? undefined : lookup(predictionRef, n, sources) ?? null,
      truth: lookup(truthRef, n, sources) ?? null
    };
    if (failed) {
      line.failed = true;
      failedLines.push(n);
      line.error = artifact?.error ?? (artifact?.status ? `line status ${artifact.status}` : 'no output for this line');
    }
    const lineInputs = inputsByLine.get(n) ?? data?.get(n);
    if (lineInputs) line.inputs = withoutLineNumber(lineInputs);
    lines.push(line);
  }
  const result: ResolvedLines = {
    lines,
    failedLines,
    unmatchedLines,
    skippedRecords: (outputs?.skipped ?? 0) + (inputs?.skipped ?? 0)
  };
  if (record?.name) result.runName = record.name;
  return result;
}

interface Sources {
  outputs: Map<number, Row>;
  inputs: Map<number, Row>;
  data: Map<number, Row> | undefined;
  dataShown: string | undefined;
  dataField: string;
}

function lookup(ref: ValueReference, line: number, sources: Sources): unknown {
  if (ref.source === 'run.outputs') return sources.outputs.get(line)?.[ref.column];
  if (ref.source === 'data') return sources.data?.get(line)?.[ref.column];
  const row = sources.inputs.get(line);
  if (row && ref.column in row) return row[ref.column];
  return sources.data?.get(line)?.[ref.column];
}

/** A column that no line has is a UserError listing the columns that exist. */
function checkColumn(ref: ValueReference, field: string, sources: Sources): void {
  const rowsOf = (m: Map<number, Row> | undefined) => [...(m?.values() ?? [])];
  let rows: Row[];
  let where: string;
  if (ref.source === 'run.outputs') {
    rows = rowsOf(sources.outputs);
    where = "the run's outputs have";
    // Every line failed: there is nothing to check against; all predictions are failures.
    if (rows.length === 0) return;
  } else {
    if (ref.source === 'data' && !sources.data) {
      throw new UserError(`'${ref.text}' needs a data file, but the run records none; give the data file`, { field: sources.dataField, code: 'InputMappingError' });
    }
    rows = ref.source === 'data' ? rowsOf(sources.data) : [...rowsOf(sources.inputs), ...rowsOf(sources.data)];
    where = ref.source === 'data' ? `data file '${sources.dataShown}' has` : "the run's inputs have";
  }
  if (rows.some((r) => ref.column in r)) return;
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))].filter((c) => c !== 'line_number');
  throw new UserError(`'${ref.text}': ${where} no column '${ref.column}'; columns: ${columns.length ? columns.join(', ') : '(none)'}`, { field, code: 'InputMappingError' });
}

/** Rows keyed by their `line_number` when every row has one, else by position. */
function keyByLine(rows: Row[]): Map<number, Row> {
  const numbered = rows.length > 0 && rows.every((r) => Number.isInteger(numericValue(r.line_number)));
  return new Map(rows.map((r, i) => [numbered ? numericValue(r.line_number)! : i, r]));
}

function collectLineNumbers(outputs: Map<number, Row>, inputs: Map<number, Row>, artifacts: Map<number, LineArtifact>, total: number | undefined): number[] {
  const set = new Set<number>([...outputs.keys(), ...inputs.keys(), ...artifacts.keys()]);
  if (total !== undefined) for (let i = 0; i < total; i++) set.add(i);
  return [...set].sort((a, b) => a - b);
}

function withoutLineNumber(row: Row): Record<string, unknown> {
  const { line_number: _ignored, ...rest } = row;
  return rest;
}

async function readIfExists(file: string): Promise<{ rows: Row[]; skipped: number } | undefined> {
  try {
    return await readRunJsonl(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

async function readRunRecord(runDir: string): Promise<RunRecord | undefined> {
  let value: unknown;
  try {
    value = parsePyJson(await readFile(join(runDir, 'run.json'), 'utf8'));
  } catch {
    return undefined;
  }
  if (!isPlainObject(value)) return undefined;
  const record: RunRecord = {};
  if (typeof value.name === 'string') record.name = value.name;
  if (typeof value.data === 'string' && value.data) record.data = value.data;
  const lines = value.lines;
  const total = isPlainObject(lines) ? numericValue(lines.total) : undefined;
  if (total !== undefined && Number.isInteger(total) && total >= 0) record.total = total;
  return record;
}

interface LineArtifact { status?: string; error?: string }

/** Per-line status and error from `flow_artifacts/*.jsonl`, read defensively. */
async function readLineArtifacts(runDir: string): Promise<Map<number, LineArtifact>> {
  const dir = join(runDir, 'flow_artifacts');
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.jsonl')).sort();
  } catch {
    return new Map();
  }
  const out = new Map<number, LineArtifact>();
  for (const name of names) {
    const { rows } = await readRunJsonl(join(dir, name));
    for (const row of rows) {
      const n = numericValue(row.line_number);
      if (n === undefined || !Number.isInteger(n)) continue;
      const info = isPlainObject(row.run_info) ? row.run_info : {};
      const artifact: LineArtifact = {};
      const status = typeof info.status === 'string' ? info.status : typeof row.status === 'string' ? row.status : undefined;
      if (status !== undefined) artifact.status = status;
      const error = isPlainObject(info.error) ? info.error.message : undefined;
      if (typeof error === 'string') artifact.error = error;
      out.set(n, artifact);
    }
  }
  return out;
}
