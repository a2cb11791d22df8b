/**
 * The metrics file: a flat JSON object of numbers, exactly what `pf run show-metrics`
 * prints (`{"accuracy": 0.75}`), so an existing `result.json` works with the gate.
 *
 * Reading is lenient in the ways real files need:
 * - numbers are kept (Python's `NaN`/`Infinity` tokens included);
 * - numeric strings are converted the way Python's `float()` would (`"0.7"`, `" 1e-3 "`,
 *   `"nan"`), because the classic assert script did `float(result['accuracy'])`;
 * - nested objects are flattened with `.` (`{"f1": {"cat": 0.5}}` → `f1.cat`);
 * - anything else (booleans, null, lists, other strings) is ignored and listed in `ignored`;
 * - text printed around the JSON (a CLI's log lines redirected into the file) is skipped.
 */
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { UserError } from '@llmops/common';
import { isPlainObject, numericValue, parsePyJson } from '@llmops/flow';

export type Metrics = Record<string, number>;

export interface LoadedMetrics {
  metrics: Metrics;
  /** Where they came from, for reports: a path relative to cwd, or `inline JSON`. */
  origin: string;
  /** Keys whose values were not numbers and were left out. */
  ignored: string[];
}

export interface LoadMetricsOptions {
  /** The input or option being read, named in error messages (e.g. `metrics`, `baseline`). */
  field: string;
  /** Relative paths are resolved against this directory (the workspace). */
  cwd?: string;
  /** A bare run name is also looked up here (`<runsDir>/<name>/metrics.json`). */
  runsDir?: string;
}

/** Load metrics from inline JSON, a JSON file, or a run directory (its `metrics.json`). */
export async function loadMetrics(source: string, options: LoadMetricsOptions): Promise<LoadedMetrics> {
  const { field } = options;
  const cwd = options.cwd ?? process.cwd();
  const text = source.trim();
  if (!text) throw new UserError(`'${field}' is empty; give metrics as JSON, a metrics file, or a run directory`, { field, code: 'MetricsError' });
  if (text.startsWith('{')) {
    return fromValue(parseJson(text, `'${field}' is not valid JSON`, { field }), 'inline JSON', { field });
  }

  const candidates = [resolve(cwd, text)];
  if (options.runsDir && !isAbsolute(text)) candidates.push(resolve(cwd, options.runsDir, text));
  for (const path of candidates) {
    const kind = await pathKind(path);
    if (kind === 'dir') {
      const file = join(path, 'metrics.json');
      if ((await pathKind(file)) !== 'file') {
        throw new UserError(`run directory '${shown(path, cwd)}' has no metrics.json; is it a run directory?`, { field, file: shown(path, cwd), code: 'MetricsError' });
      }
      return loadMetricsFile(file, field, cwd);
    }
    if (kind === 'file') return loadMetricsFile(path, field, cwd);
  }
  throw new UserError(`'${field}' is neither JSON nor an existing file or run directory: '${text}'`, { field, code: 'MetricsError' });
}

async function loadMetricsFile(path: string, field: string, cwd: string): Promise<LoadedMetrics> {
  const file = shown(path, cwd);
  const text = await readFile(path, 'utf8');
  return fromValue(parseJson(extractJsonObject(text), `metrics file '${file}' is not valid JSON`, { field, file }), file, { field, file });
}

/** The JSON object in a file that may carry log lines before or after it. */
function extractJsonObject(text: string): string {
  const trimmed = text.replace(/^\uFEFF/, '').trim();
  if (trimmed.startsWith('{') && trimmed.endsWith('}')) return trimmed;
  const start = trimmed.search(/^\{/m);
  const end = trimmed.lastIndexOf('}');
  return start >= 0 && end > start ? trimmed.slice(start, end + 1) : trimmed;
}

function parseJson(text: string, what: string, where: { field: string; file?: string }): unknown {
  try {
    return parsePyJson(text);
  } catch (error) {
    throw new UserError(`${what}: ${(error as Error).message}`, { ...where, code: 'MetricsError' });
  }
}

function fromValue(value: unknown, origin: string, where: { field: string; file?: string }): LoadedMetrics {
  if (!isPlainObject(value)) {
    throw new UserError(`${where.file ? `'${where.file}'` : `'${where.field}'`} must be a JSON object of metrics like {"accuracy": 0.9}`, { ...where, code: 'MetricsError' });
  }
  const metrics: Metrics = {};
  const ignored: string[] = [];
  flattenInto(value, '', metrics, ignored);
  return { metrics, origin, ignored };
}

function flattenInto(value: Record<string, unknown>, prefix: string, metrics: Metrics, ignored: string[]): void {
  for (const [key, raw] of Object.entries(value)) {
    const name = prefix + key;
    if (isPlainObject(raw)) { flattenInto(raw, `${name}.`, metrics, ignored); continue; }
    const number = typeof raw === 'string' ? pyFloatOfString(raw) : numericValue(raw);
    if (number === undefined) ignored.push(name);
    else setMetric(metrics, name, number);
  }
}

/** Python's `float(s)` for the strings it accepts, else undefined. */
export function pyFloatOfString(s: string): number | undefined {
  const t = s.trim().toLowerCase();
  const m = /^([+-]?)(nan|inf|infinity)$/.exec(t);
  if (m) return m[2] === 'nan' ? NaN : m[1] === '-' ? -Infinity : Infinity;
  // Digits may be grouped with single underscores, as in Python literals.
  if (!/^[+-]?(\d(_?\d)*(\.(\d(_?\d)*)?)?|\.\d(_?\d)*)([e][+-]?\d(_?\d)*)?$/.test(t)) return undefined;
  return Number(t.replace(/_/g, ''));
}

/** Write a metrics file as `json.dumps(metrics, indent=4)` does (NaN/Infinity as Python writes them). */
export async function writeMetrics(file: string, metrics: Metrics): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${stringifyMetrics(metrics, 4)}\n`, 'utf8');
}

/** Metrics as Python's json would print them; `indent` 0 gives one line. */
export function stringifyMetrics(metrics: Metrics, indent = 4): string {
  const entries = Object.entries(metrics).map(([k, v]) => `${JSON.stringify(k)}: ${pythonNumber(v)}`);
  if (entries.length === 0) return '{}';
  if (indent === 0) return `{${entries.join(', ')}}`;
  const pad = ' '.repeat(indent);
  return `{\n${entries.map((e) => pad + e).join(',\n')}\n}`;
}

/**
 * Metrics as strict JSON for a step output (GitHub's `fromJSON` rejects NaN):
 * values that are not finite become null.
 */
export function metricsOutputJson(metrics: Metrics): string {
  return JSON.stringify(metrics, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v));
}

function pythonNumber(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return 'Infinity';
  if (n === -Infinity) return '-Infinity';
  return JSON.stringify(n);
}

/**
 * Combine metrics from several sources (e.g. an evaluation flow, then built-ins).
 * Later sources win; every key set twice with a different value is reported.
 */
export function mergeMetrics(...sources: Metrics[]): { metrics: Metrics; conflicts: string[] } {
  const metrics: Metrics = {};
  const conflicts: string[] = [];
  for (const source of sources) {
    for (const [key, value] of Object.entries(source)) {
      if (key in metrics && !Object.is(metrics[key], value) && !conflicts.includes(key)) conflicts.push(key);
      setMetric(metrics, key, value);
    }
  }
  return { metrics, conflicts };
}

/** Set a key even when it is `__proto__` (a plain assignment would change the prototype). */
export function setMetric(metrics: Metrics, name: string, value: number): void {
  Object.defineProperty(metrics, name, { value, enumerable: true, writable: true, configurable: true });
}

async function pathKind(path: string): Promise<'file' | 'dir' | undefined> {
  try {
    const s = await stat(path);
    return s.isDirectory() ? 'dir' : s.isFile() ? 'file' : undefined;
  } catch {
    return undefined;
  }
}

function shown(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}
