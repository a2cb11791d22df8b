/** Find a finished run by directory or by name, for `${run.outputs.x}`, show-metrics, evaluation. */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { UserError } from '@llmops/common';
import { readJsonlSync, type Row } from '../batch/data.js';
import { parsePyJson } from '../py/pyjson.js';
import type { RunRecord } from './types.js';

export interface RunHandle {
  dir: string;
  name: string;
  /** `run.json`; for a folder written by Prompt flow itself, only what can be inferred. */
  record: Partial<RunRecord> & { name: string };
  /** The run's original data path (Prompt flow's `run.inputs` source), if known. */
  dataPath?: string;
  /** `flow_outputs/output.jsonl` rows (completed lines, each with `line_number`). */
  outputs(): Row[];
  /** `inputs.jsonl` rows. */
  inputs(): Row[];
  /** `metrics.json` (`{}` when absent). */
  metrics(): Record<string, unknown>;
  /** Throw unless the run completed: a base run must have, as Prompt flow requires. */
  ensureCompleted(field?: string): void;
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Resolve `pathOrName` as a run directory, else as a run name under `runsDir`. */
export function readRun(pathOrName: string, runsDir: string): RunHandle {
  const candidates = [resolve(pathOrName), resolve(runsDir, pathOrName)];
  const dir = candidates.find((c) => isDir(c) && (existsSync(join(c, 'run.json')) || existsSync(join(c, 'flow_outputs'))));
  if (!dir) {
    throw new UserError(`Run '${pathOrName}' not found: it is neither a run directory nor a run name under ${runsDir}.`, { field: 'run', code: 'RunNotFoundError' });
  }
  const runFile = join(dir, 'run.json');
  let record: RunHandle['record'] = { name: basename(dir) };
  if (existsSync(runFile)) {
    try {
      record = parsePyJson(readFileSync(runFile, 'utf8')) as RunHandle['record'];
    } catch (error) {
      throw new UserError(`The run record ${runFile} is not valid JSON: ${(error as Error).message}.`, { file: runFile, code: 'InvalidRunError' });
    }
  }
  const readRows = (file: string) => (existsSync(file) ? readJsonlSync(file) : []);
  return {
    dir,
    name: record.name ?? basename(dir),
    record,
    ...(typeof record.data === 'string' ? { dataPath: record.data } : {}),
    outputs: () => readRows(join(dir, 'flow_outputs', 'output.jsonl')),
    inputs: () => readRows(join(dir, 'inputs.jsonl')),
    metrics: () => {
      const file = join(dir, 'metrics.json');
      return existsSync(file) ? (parsePyJson(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
    },
    ensureCompleted: (field = 'run') => {
      // A folder without run.json (copied from Prompt flow) is taken as completed when it has outputs.
      const status = record.status ?? (existsSync(join(dir, 'flow_outputs', 'output.jsonl')) ? 'Completed' : undefined);
      if (status !== 'Completed') {
        throw new UserError(`Referenced run ${record.name ?? basename(dir)} is not completed, got status ${status ?? 'unknown'}.`, { field, code: 'InvalidRunStatusError' });
      }
    }
  };
}
