/**
 * The evaluation step, shared by action-evaluate and `llmops evaluate`: score a base
 * run with an evaluation flow (as `pf run create --file run_evaluation.yml --run <base>`
 * does), with built-in metrics, or both; write the flat metrics file, the details next
 * to it and a Markdown report with deltas against a baseline.
 *
 * The executor is injected (`runFlow`) so that this package does not depend on it.
 *
 * Where files go (documented in action-evaluate's README):
 * - metrics file: `<evaluation run dir>/metrics.json` when an evaluation flow ran (the
 *   run's own metrics file, rewritten flat with the built-ins merged in, so the run
 *   directory is a complete baseline by itself); else `<base run dir>/evaluation/metrics.json`.
 * - details (built-ins only): `<metrics file name>.details.json` next to the metrics file.
 * - report: `report.md` next to the metrics file.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { cp, mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { UserError, type Log } from '@llmops/common';
import { loadRunFile, numericValue, readRun, type CacheMode, type RunFlowOptions, type RunFlowResult, type RunHandle } from '@llmops/flow';
import type { BuiltinMetricName } from './builtin.js';
import { detailsFileFor, writeEvaluationDetails } from './details-file.js';
import { formatNumber } from './gate.js';
import { loadMetrics, mergeMetrics, writeMetrics, type Metrics } from './metrics-file.js';
import { renderEvaluationReport, type BaselineMetrics } from './report.js';
import { scoreRunWithBuiltins, type ScoredRun } from './score-run.js';

const DEFAULT_RUNS_DIR = '.llmops/runs';

/** What the evaluation step hands the executor: `@llmops/flow`'s run options, with the base run required. */
export type EvalFlowRunOptions = Pick<
  RunFlowOptions,
  | 'flow'
  | 'data'
  | 'runFile'
  | 'columnMapping'
  | 'connectionsFile'
  | 'environmentVariables'
  | 'concurrency'
  | 'lineTimeoutSec'
  | 'runsDir'
  | 'name'
  | 'python'
  | 'cache'
  | 'cacheDir'
  | 'cwd'
  | 'log'
> & {
  /** The base run's directory (absolute). */
  run: string;
};

/** What the evaluation step reads back from the executor. */
export type EvalFlowRunResult = Pick<
  RunFlowResult,
  'runName' | 'runDir' | 'linesTotal' | 'linesCompleted' | 'linesFailed' | 'failedLines' | 'aggregationError'
>;

export type RunFlowFunction = (options: EvalFlowRunOptions) => Promise<EvalFlowRunResult>;

export interface EvaluateOptions {
  /** The run to score: a run directory or a run name under runsDir. Default: `run:` of the run file. */
  run?: string;
  /** Evaluation flow (directory or flow.dag.yaml). */
  flow?: string;
  /** A Prompt flow run.yml (e.g. run_evaluation.yml); explicit options override its keys. */
  runFile?: string;
  /** Data for the evaluation flow and for `${data.x}` in built-ins. Default: the run file's, else the base run's. */
  data?: string;
  columnMapping?: Record<string, unknown>;
  connectionsFile?: string | string[];
  environmentVariables?: Record<string, string>;
  concurrency?: number;
  lineTimeoutSec?: number;
  runsDir?: string;
  /** Name of the evaluation run. */
  name?: string;
  python?: string;
  cache?: CacheMode;
  cacheDir?: string;
  /** The executor; required when an evaluation flow is given. */
  runFlow?: RunFlowFunction;

  /** Built-in metrics to compute over the base run. */
  metrics?: readonly BuiltinMetricName[];
  /** e.g. `${run.outputs.category}`. */
  prediction?: string;
  /** e.g. `${data.answer}`. */
  groundTruth?: string;
  /** Strip and lowercase labels before comparing (default true). */
  normalize?: boolean;

  /** Metrics to compare with: JSON, a metrics file or a run directory. */
  baseline?: string;
  /** Where the flat metrics file goes (see the module comment for the default). */
  metricsFile?: string;
  /** Where the Markdown report goes (default: report.md next to the metrics file). */
  reportFile?: string;
  /** Wrong lines shown in the report (default 10). */
  worstLines?: number;
  runUrl?: string;
  /** Relative paths resolve against this directory (the workspace). */
  cwd?: string;
  /** How inputs are named in messages: `ground-truth` for the action, `--ground-truth` for the CLI. */
  fieldName?: (input: string) => string;
}

export interface EvaluateResult {
  /** The flat metrics written to metricsFile. */
  metrics: Metrics;
  metricsFile: string;
  /** Confusion matrix, per-class scores and per-line results; set when built-ins ran. */
  detailsFile?: string;
  reportFile: string;
  report: string;
  /** The evaluation run's directory when a flow ran, else the base run's. */
  runDir: string;
  baseRun: { name: string; dir: string };
  evalRun?: EvalFlowRunResult;
  builtins?: ScoredRun;
  baseline?: BaselineMetrics;
  /** Everything worth a warning, also shown as notes in the report. */
  warnings: string[];
}

/** Runs the whole evaluation step. Every user mistake is a UserError naming the input. */
export async function evaluate(options: EvaluateOptions, log: Log): Promise<EvaluateResult> {
  const cwd = options.cwd ?? process.cwd();
  const field = options.fieldName ?? ((name: string) => name);
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(cwd, p));
  const runsDir = abs(options.runsDir ?? DEFAULT_RUNS_DIR);
  const runFile = options.runFile ? loadRunFile(abs(options.runFile)) : undefined;
  const hasFlow = Boolean(options.flow || options.runFile);
  const builtinNames = options.metrics ?? [];
  validate(options, hasFlow, builtinNames, field);

  const runRef = options.run ?? runFile?.run;
  if (!runRef) {
    throw new UserError(`No run to evaluate: give '${field('run')}' (a run directory, or a run name under ${options.runsDir ?? DEFAULT_RUNS_DIR})`, { field: field('run'), code: 'MissingInput' });
  }
  const base = findRun(runRef, cwd, runsDir, field('run'));
  base.ensureCompleted(field('run'));
  log.info(`Evaluating run '${base.name}' (${base.dir})`);

  const warnings: string[] = [];
  const warn = (message: string) => {
    warnings.push(message);
    log.warning(message);
  };

  let flowMetrics: Metrics = {};
  let evalRun: EvalFlowRunResult | undefined;
  if (hasFlow) {
    evalRun = await options.runFlow!({
      flow: options.flow,
      data: options.data,
      runFile: options.runFile,
      columnMapping: options.columnMapping,
      run: base.dir,
      connectionsFile: options.connectionsFile,
      environmentVariables: options.environmentVariables,
      concurrency: options.concurrency,
      lineTimeoutSec: options.lineTimeoutSec,
      runsDir,
      name: options.name,
      python: options.python,
      cache: options.cache,
      cacheDir: options.cacheDir,
      cwd,
      log
    });
    log.info(`Evaluation run '${evalRun.runName}': ${evalRun.linesCompleted}/${evalRun.linesTotal} lines completed`);
    if (evalRun.linesFailed > 0) {
      const shown = evalRun.failedLines.slice(0, 5).map((l) => `line ${l.lineNumber}: ${l.message.split('\n')[0]}`);
      warn(`${evalRun.linesFailed} of ${evalRun.linesTotal} lines of the evaluation flow failed and are left out of its metrics (${shown.join('; ')}${evalRun.linesFailed > 5 ? '; …' : ''})`);
    }
    if (evalRun.aggregationError) warn(`Aggregation node '${evalRun.aggregationError.node}' of the evaluation flow failed: ${evalRun.aggregationError.message.split('\n')[0]}`);
    const logged = await loadMetrics(evalRun.runDir, { field: field('flow'), cwd });
    flowMetrics = logged.metrics;
    if (logged.ignored.length) warn(`Metrics logged by the evaluation flow that are not numbers were left out: ${logged.ignored.join(', ')}`);
    const baseFailed = failedLinesOf(base);
    if (baseFailed.length && builtinNames.length === 0) {
      warn(`${baseFailed.length} line(s) failed in run '${base.name}' (${listLines(baseFailed)}); Prompt flow's join leaves them out of the evaluation flow, so its metrics do not count them. Add built-in '${field('metrics')}' to count them as wrong.`);
    }
  }

  let builtins: ScoredRun | undefined;
  if (builtinNames.length > 0) {
    const dataFile = options.data ? abs(options.data) : runFile?.data;
    builtins = await scoreRunWithBuiltins({
      runDir: base.dir,
      prediction: options.prediction!,
      groundTruth: options.groundTruth!,
      dataFile,
      cwd,
      metrics: builtinNames,
      normalize: options.normalize ?? true,
      fields: { prediction: field('prediction'), groundTruth: field('ground-truth'), dataFile: field('data') }
    });
    if (builtins.failedLines.length) {
      warn(`${builtins.failedLines.length} line(s) failed in run '${base.name}' and count as wrong: ${listLines(builtins.failedLines)}`);
    }
    if (builtins.unmatchedLines.length) {
      warn(`${builtins.unmatchedLines.length} line(s) of run '${base.name}' have no row in the data file and were not scored: ${listLines(builtins.unmatchedLines)}`);
    }
    if (builtins.skippedRecords) warn(`${builtins.skippedRecords} malformed record(s) in run '${base.name}' were skipped`);
  }

  // Built-ins win: they are computed the same way everywhere, a flow's metric may not be.
  const merged = mergeMetrics(flowMetrics, builtins?.flat ?? {});
  if (merged.conflicts.length) {
    const shown = merged.conflicts.map((k) => `${k} (flow ${formatNumber(flowMetrics[k]!)}, built-in ${formatNumber(merged.metrics[k]!)})`);
    warn(`Both the evaluation flow and the built-in metrics set ${shown.join(', ')}; the built-in values are kept`);
  }
  if (Object.keys(merged.metrics).length === 0) warn('No metrics were produced: the evaluation flow logged none (log_metric in an aggregation node)');

  const runDir = evalRun?.runDir ?? base.dir;
  const metricsFile = options.metricsFile ? abs(options.metricsFile) : evalRun ? join(evalRun.runDir, 'metrics.json') : join(base.dir, 'evaluation', 'metrics.json');
  await writeMetrics(metricsFile, merged.metrics);
  let detailsFile: string | undefined;
  if (builtins) {
    detailsFile = detailsFileFor(metricsFile);
    await writeEvaluationDetails(detailsFile, builtins.details);
  }

  let baseline: BaselineMetrics | undefined;
  if (options.baseline) {
    const loaded = await loadMetrics(options.baseline, { field: field('baseline'), cwd, runsDir });
    baseline = { metrics: loaded.metrics, origin: loaded.origin };
    log.info(`Baseline: ${loaded.origin}`);
  }

  const report = renderEvaluationReport({
    runName: base.name,
    metrics: merged.metrics,
    baseline,
    details: builtins?.details,
    worstLines: options.worstLines,
    notes: evalRun ? [`Evaluation run: ${evalRun.runName}`, ...warnings] : warnings,
    runUrl: options.runUrl
  });
  const reportFile = options.reportFile ? abs(options.reportFile) : join(dirname(metricsFile), 'report.md');
  await mkdir(dirname(reportFile), { recursive: true });
  await writeFile(reportFile, report, 'utf8');

  const result: EvaluateResult = {
    metrics: merged.metrics,
    metricsFile,
    reportFile,
    report,
    runDir,
    baseRun: { name: base.name, dir: base.dir },
    warnings
  };
  if (detailsFile) result.detailsFile = detailsFile;
  if (evalRun) result.evalRun = evalRun;
  if (builtins) result.builtins = builtins;
  if (baseline) result.baseline = baseline;
  return result;
}

function validate(options: EvaluateOptions, hasFlow: boolean, builtinNames: readonly string[], field: (name: string) => string): void {
  if (!hasFlow && builtinNames.length === 0) {
    throw new UserError(
      `Nothing to evaluate: give an evaluation flow ('${field('flow')}' or '${field('run-file')}') and/or built-in '${field('metrics')}' (e.g. accuracy) with '${field('prediction')}' and '${field('ground-truth')}'`,
      { field: field('metrics'), code: 'MissingInput' }
    );
  }
  if (builtinNames.length > 0) {
    if (!options.prediction) {
      throw new UserError(`Built-in '${field('metrics')}' need '${field('prediction')}', a reference to the run's output such as \${run.outputs.category}`, { field: field('prediction'), code: 'MissingInput' });
    }
    if (!options.groundTruth) {
      throw new UserError(`Built-in '${field('metrics')}' need '${field('ground-truth')}', a reference to the expected answer such as \${data.answer}`, { field: field('ground-truth'), code: 'MissingInput' });
    }
  } else if (options.prediction || options.groundTruth) {
    throw new UserError(`'${field('prediction')}' and '${field('ground-truth')}' are for built-in metrics: also give '${field('metrics')}' (e.g. accuracy)`, { field: field('metrics'), code: 'MissingInput' });
  }
  if (hasFlow && !options.runFlow) throw new Error('evaluate: an evaluation flow was given but no runFlow executor');
}

/** A run directory (relative to cwd), else a run name under runsDir. */
function findRun(ref: string, cwd: string, runsDir: string, field: string): RunHandle {
  const candidates = [isAbsolute(ref) ? ref : resolve(cwd, ref), resolve(runsDir, ref)];
  const dir = candidates.find((c) => isDirectory(c) && (existsSync(join(c, 'run.json')) || existsSync(join(c, 'flow_outputs'))));
  if (!dir) {
    const near = isDirectory(runsDir) ? listRunNames(runsDir) : [];
    const hint = near.length ? `; runs there: ${near.slice(0, 10).join(', ')}${near.length > 10 ? ', …' : ''}` : '';
    throw new UserError(`Run '${ref}' not found: it is neither a run directory nor a run name under ${relative(cwd, runsDir) || runsDir}${hint}`, { field, code: 'RunNotFound' });
  }
  return readRun(dir, runsDir);
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function listRunNames(runsDir: string): string[] {
  try {
    return readdirSync(runsDir).filter((n) => existsSync(join(runsDir, n, 'run.json'))).sort();
  } catch {
    return [];
  }
}

/** Lines of the base run with no output (they failed), from its inputs or its line count. */
function failedLinesOf(run: RunHandle): number[] {
  const done = new Set(run.outputs().map((r) => numericValue(r.line_number)));
  const all = run.inputs().map((r) => numericValue(r.line_number)).filter((n): n is number => n !== undefined);
  const total = numericValue(run.record.lines?.total);
  if (all.length === 0 && total !== undefined) for (let i = 0; i < total; i++) all.push(i);
  return [...new Set(all)].filter((n) => !done.has(n)).sort((a, b) => a - b);
}

function listLines(lines: number[], max = 20): string {
  return `line${lines.length === 1 ? '' : 's'} ${lines.slice(0, max).join(', ')}${lines.length > max ? ', …' : ''}`;
}

/**
 * Lays out an artifact of the evaluation in `dir`, so a later job (or the next PR's
 * gate, through `baseline-artifact`) finds `metrics.json` at its root:
 *   metrics.json, metrics.details.json, report.md, runs/<base run>/, runs/<evaluation run>/
 * Returns the files to upload (absolute).
 */
export async function stageEvaluationArtifact(result: EvaluateResult, dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  await cp(result.metricsFile, join(dir, 'metrics.json'));
  if (result.detailsFile) await cp(result.detailsFile, join(dir, 'metrics.details.json'));
  await cp(result.reportFile, join(dir, 'report.md'));
  const runs = [result.baseRun.dir, ...(result.evalRun ? [result.evalRun.runDir] : [])];
  for (const run of runs) await cp(run, join(dir, 'runs', basename(run)), { recursive: true });
  return listFiles(dir);
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}
