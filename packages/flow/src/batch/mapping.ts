/**
 * Column mapping and the join of a batch run's sources, as Prompt flow does it
 * (`batch/_batch_inputs_processor.py`, `_utils/inputs_mapping_utils.py`,
 * `run_submitter._validate_column_mapping`).
 */
import { UserError } from '@llmops/common';
import type { FlowInputDef } from '../dag/model.js';
import { numericValue } from '../py/pyvalue.js';
import type { Row } from './data.js';

export const LINE_NUMBER = 'line_number';

export interface MappedLine {
  /** The line's number in the join (the `line_number` of a keyed source, else the row position). */
  lineNumber: number;
  /** Mapped inputs, `line_number` last. Flow-input defaults are applied later by the executor. */
  inputs: Record<string, unknown>;
}

export interface BatchInputsOptions {
  flowInputs: FlowInputDef[];
  /** Rows of the run's data file. */
  data?: Row[];
  /** Where `data` came from, for messages. */
  dataFile?: string;
  /** The base run's `flow_outputs/output.jsonl` rows, each with `line_number`. */
  runOutputs?: Row[];
  /** The base run's original data rows (Prompt flow's `run.inputs`). */
  runInputs?: Row[];
  columnMapping?: Record<string, unknown>;
  /** The file the mapping came from (a run.yml), for messages. */
  mappingFile?: string;
}

const REFERENCE = /^\$\{([^{}]+)\}$/;

/** Resolve every line's inputs, or fail the whole run with a UserError. */
export function resolveBatchInputs(options: BatchInputsOptions): { lines: MappedLine[] } {
  const sources = new Map<string, Row[]>();
  if (options.data !== undefined) sources.set('data', options.data);
  if (options.runOutputs !== undefined) sources.set('run.outputs', options.runOutputs);
  if (options.runInputs !== undefined) sources.set('run.inputs', options.runInputs);
  if (sources.size === 0) {
    throw new UserError('Either run or data must be specified for a flow run.', { field: 'data', code: 'ValidationError' });
  }
  if ([...sources.values()].every((rows) => rows.length === 0)) {
    throw new UserError(`Couldn't find any inputs data at the given input paths${options.dataFile ? ` (data: ${options.dataFile})` : ''}. Please review the provided path and consider resubmitting.`, {
      file: options.dataFile,
      field: 'data',
      code: 'EmptyInputsData'
    });
  }
  validateColumnMapping(options.columnMapping, options.mappingFile);
  const mapping = completeMapping(options.flowInputs, options.columnMapping);
  const merged = mergeByLine(sources, options.dataFile);
  return { lines: merged.map(({ lineNumber, values }) => ({ lineNumber, inputs: applyMapping(values, lineNumber, mapping, sources, options) })) };
}

/** A mapping given by the user must bind at least one `${…}` reference. */
export function validateColumnMapping(mapping: Record<string, unknown> | undefined, file?: string): void {
  if (!mapping || Object.keys(mapping).length === 0) return;
  const bound = Object.values(mapping).some((v) => typeof v === 'string' && v.startsWith('$'));
  if (!bound) {
    throw new UserError(
      `Column mapping must contain at least one mapping binding such as \${data.<column>}; it contains only static values: ${JSON.stringify(mapping)}.`,
      { file, field: 'column_mapping', code: 'ValidationError' }
    );
  }
}

/** Default `${data.<input>}` for inputs without a default; the user's mapping overrides it. */
function completeMapping(flowInputs: FlowInputDef[], user: Record<string, unknown> | undefined): Map<string, unknown> {
  const mapping = new Map<string, unknown>();
  for (const input of flowInputs) {
    if (input.default === undefined || input.default === null) mapping.set(input.name, `\${data.${input.name}}`);
  }
  for (const [key, value] of Object.entries(user ?? {})) mapping.set(key, value);
  return mapping;
}

interface MergedLine {
  lineNumber: number;
  values: Map<string, Row>;
}

/**
 * Join the sources line by line. A source whose rows carry `line_number` is keyed
 * by it; the others by position, and those must have equal lengths. A line missing
 * from any source is dropped (an evaluation of a run with failed lines has fewer lines).
 */
function mergeByLine(sources: Map<string, Row[]>, dataFile?: string): MergedLine[] {
  for (const [key, rows] of sources) {
    if (rows.length === 0) {
      throw new UserError(
        `The input for batch run is incorrect. Input from key '${key}' is an empty list, which means we cannot generate a single line input for the flow run.`,
        { file: key === 'data' ? dataFile : undefined, field: key === 'data' ? 'data' : 'run', code: 'InputMappingError' }
      );
    }
  }
  const positional = [...sources].filter(([, rows]) => !rows.some((row) => Object.hasOwn(row, LINE_NUMBER)));
  const lengths = new Set(positional.map(([, rows]) => rows.length));
  if (lengths.size > 1) {
    const described = positional.map(([key, rows]) => `'${key}': ${rows.length}`).join(', ');
    throw new UserError(
      `The input for batch run is incorrect. Line numbers are not aligned: sources without 'line_number' have different lengths (${described}). Make them the same length or add 'line_number' to each row.`,
      { file: dataFile, field: 'data', code: 'InputMappingError' }
    );
  }
  const positionalKeys = new Set(positional.map(([key]) => key));
  // A Map keeps insertion order (a plain object would sort integer keys).
  const lines = new Map<number, Map<string, Row>>();
  const slot = (n: number) => {
    let values = lines.get(n);
    if (!values) { values = new Map(); lines.set(n, values); }
    return values;
  };
  for (const [key, rows] of sources) {
    rows.forEach((row, index) => {
      if (positionalKeys.has(key)) { slot(index).set(key, row); return; }
      if (!Object.hasOwn(row, LINE_NUMBER)) return;
      const n = numericValue(row[LINE_NUMBER]);
      if (n !== undefined) slot(n).set(key, row);
    });
  }
  const merged: MergedLine[] = [];
  for (const [lineNumber, values] of lines) if (values.size === sources.size) merged.push({ lineNumber, values });
  if (merged.length === 0) {
    throw new UserError(
      'The input for batch run is incorrect. Could not find one complete line on the provided input: no line number is present in every source. Please ensure that you supply data on the same line.',
      { file: dataFile, field: 'data', code: 'InputMappingError' }
    );
  }
  return merged;
}

function applyMapping(
  values: Map<string, Row>,
  lineNumber: number,
  mapping: Map<string, unknown>,
  sources: Map<string, Row[]>,
  options: BatchInputsOptions
): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [input, expression] of mapping) {
    if (input === LINE_NUMBER) continue;
    const match = typeof expression === 'string' ? REFERENCE.exec(expression) : null;
    if (!match) {
      result[input] = expression; // literal (any non-reference value, even a dict)
      continue;
    }
    const found = lookup(values, match[1]!);
    if (!found) throw missingColumn(input, expression as string, match[1]!, sources, options);
    result[input] = found.value;
  }
  result[LINE_NUMBER] = lineNumber;
  return result;
}

/** `${a.b.c}` is `inputs["a"]["b.c"]`, then `inputs["a.b"]["c"]`: fewer dots in the source key win. */
function lookup(values: Map<string, Row>, pattern: string): { value: unknown } | undefined {
  const parts = pattern.split('.');
  for (let i = 1; i < parts.length; i++) {
    const row = values.get(parts.slice(0, i).join('.'));
    const column = parts.slice(i).join('.');
    if (row && Object.hasOwn(row, column)) return { value: row[column] };
  }
  return undefined;
}

function missingColumn(input: string, expression: string, pattern: string, sources: Map<string, Row[]>, options: BatchInputsOptions): UserError {
  const field = `column_mapping.${input}`;
  const file = options.mappingFile;
  const source = [...sources.keys()].sort((a, b) => b.length - a.length).find((key) => pattern.startsWith(`${key}.`));
  if (!source) {
    const prefix = pattern.split('.').slice(0, pattern.startsWith('run.') ? 2 : 1).join('.');
    const hint = prefix.startsWith('run.') ? ' Pass a base run (`run`) to use ${run.outputs.x} or ${run.inputs.x}.' : '';
    return new UserError(
      `Column mapping for input '${input}' references ${expression}, but there is no '${prefix}' source in this run (available: ${[...sources.keys()].join(', ')}).${hint}`,
      { file, field, code: 'InputMappingError' }
    );
  }
  const column = pattern.slice(source.length + 1);
  const columns = availableColumns(sources.get(source)!);
  const where = source === 'data' && options.dataFile ? ` in ${options.dataFile}` : source === 'run.outputs' ? ' in the base run outputs' : '';
  const implicit = options.columnMapping && Object.hasOwn(options.columnMapping, input)
    ? ''
    : ` (flow input '${input}' has no default, so it reads ${expression} unless column_mapping maps it)`;
  return new UserError(
    `Column mapping for input '${input}' references ${expression}, but column '${column}' does not exist${where}${implicit}. Available columns: ${columns.join(', ') || '(none)'}.`,
    { file, field, code: 'InputMappingError' }
  );
}

function availableColumns(rows: Row[]): string[] {
  const columns: string[] = [];
  for (const row of rows) for (const key of Object.keys(row)) if (!columns.includes(key)) columns.push(key);
  return columns;
}
