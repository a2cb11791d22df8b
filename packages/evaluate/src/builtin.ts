/**
 * Built-in classification metrics, so that scoring a run needs no evaluation flow.
 *
 * Labels: each value is turned into text with Python's `str()`; with `normalize` on
 * (the default) the text is also stripped of surrounding whitespace (Python's
 * `str.strip()`) and lowercased (`str.lower()`), as the classic grade script does
 * (`groundtruth.lower() == prediction.lower()`).
 *
 * Failed lines (no prediction) count as wrong: they are in every denominator, appear
 * in the confusion matrix under the predicted label `(failed)`, and are false negatives
 * for their true class. `(failed)` is not a class of its own, so it is left out of the
 * per-class scores and of the macro/micro averages, exactly as sklearn does when
 * given `labels=` without it.
 *
 * Formulas are sklearn's `precision_recall_fscore_support(..., zero_division=0)`:
 * a division by zero gives 0. Classes are the sorted union of true and predicted
 * labels; per class, precision = TP/(TP+FP), recall = TP/(TP+FN),
 * F1 = 2TP/(2TP+FP+FN). Macro = the plain mean over classes; micro pools the counts.
 *
 * Flat metric names (stable, table-friendly):
 *   accuracy, exact_match,
 *   precision_macro, precision_micro, precision.<class>,
 *   recall_macro, recall_micro, recall.<class>,
 *   f1_macro, f1_micro, f1.<class>
 * where <class> is the (normalized) label. `confusion_matrix` adds no flat metric;
 * it goes to the details. `exact_match` compares `str()` texts character for
 * character, never normalized, whatever `normalize` says; `accuracy` compares labels.
 */
import { UserError } from '@llmops/common';
import { pyStr } from '@llmops/flow';
import { setMetric, type Metrics } from './metrics-file.js';

export const BUILTIN_METRICS = ['accuracy', 'precision', 'recall', 'f1', 'confusion_matrix', 'exact_match'] as const;
export type BuiltinMetricName = (typeof BUILTIN_METRICS)[number];

/** Above this many classes there is no confusion matrix (its size grows with the square). */
export const MAX_MATRIX_CLASSES = 50;

/** The predicted label shown for a failed line. */
export const FAILED_LABEL = '(failed)';

export interface LinePrediction {
  lineNumber: number;
  /** The run's output for this line; undefined when the line failed. */
  prediction: unknown;
  truth: unknown;
  /** Set when the line failed even if a prediction value is present. */
  failed?: boolean;
  /** Why the line failed, when known. */
  error?: string;
  /** The line's inputs, shown next to wrong lines in the report. */
  inputs?: Record<string, unknown>;
}

export interface LineResult {
  lineNumber: number;
  /** `str()` of the prediction, or undefined for a failed line. */
  prediction?: string;
  /** `str()` of the ground truth. */
  truth: string;
  /** The labels compared (normalized when normalization is on). */
  predictedLabel: string;
  trueLabel: string;
  correct: boolean;
  failed: boolean;
  error?: string;
  inputs?: Record<string, unknown>;
}

export interface ClassScores {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  /** How many lines have this true label. */
  support: number;
}

export interface ConfusionMatrix {
  /** Row labels: the true classes (sorted). */
  labels: string[];
  /** Column labels: the same classes, then `(failed)` when any line failed. */
  columns: string[];
  /** matrix[row][column] = number of lines with that true and predicted label. */
  matrix: number[][];
}

export interface BuiltinDetails {
  normalize: boolean;
  counts: { total: number; correct: number; failed: number };
  /** Left out above MAX_MATRIX_CLASSES classes (free-text answers), where it means nothing. */
  confusionMatrix?: ConfusionMatrix;
  perClass: ClassScores[];
  lines: LineResult[];
}

export interface BuiltinResult {
  flat: Metrics;
  details: BuiltinDetails;
}

/** Python's `str.strip()` whitespace (differs from JavaScript's trim at \x1c-\x1f, \x85 and \ufeff). */
const PY_SPACE = '[\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
const PY_STRIP = new RegExp(`^${PY_SPACE}+|${PY_SPACE}+$`, 'gu');

/** The label a value is compared as. */
export function toLabel(value: unknown, normalize: boolean): string {
  const text = pyStr(value);
  return normalize ? text.replace(PY_STRIP, '').toLowerCase() : text;
}

export function computeBuiltinMetrics(options: { predictions: LinePrediction[]; metrics: readonly BuiltinMetricName[]; normalize: boolean }): BuiltinResult {
  const { predictions, normalize } = options;
  const wanted = new Set(options.metrics);
  const lines: LineResult[] = predictions.map((p) => {
    const failed = p.failed === true || p.prediction === undefined;
    const trueLabel = toLabel(p.truth, normalize);
    const predictedLabel = failed ? FAILED_LABEL : toLabel(p.prediction, normalize);
    const line: LineResult = {
      lineNumber: p.lineNumber,
      prediction: failed ? undefined : pyStr(p.prediction),
      truth: pyStr(p.truth),
      predictedLabel,
      trueLabel,
      correct: !failed && predictedLabel === trueLabel,
      failed
    };
    if (p.error !== undefined) line.error = p.error;
    if (p.inputs !== undefined) line.inputs = p.inputs;
    return line;
  });

  const classes = sortedUnique([...lines.map((l) => l.trueLabel), ...lines.filter((l) => !l.failed).map((l) => l.predictedLabel)]);
  const perClass = scoreClasses(classes, lines);
  const total = lines.length;
  const correct = lines.filter((l) => l.correct).length;
  const failedCount = lines.filter((l) => l.failed).length;

  const flat: Metrics = {};
  if (wanted.has('accuracy')) setMetric(flat, 'accuracy', ratio(correct, total));
  if (wanted.has('exact_match')) {
    setMetric(flat, 'exact_match', ratio(lines.filter((l) => !l.failed && l.prediction === l.truth).length, total));
  }
  const pooled = poolCounts(classes, lines);
  const averages = {
    precision: { macro: mean(perClass.map((c) => c.precision)), micro: ratio(pooled.tp, pooled.tp + pooled.fp) },
    recall: { macro: mean(perClass.map((c) => c.recall)), micro: ratio(pooled.tp, pooled.tp + pooled.fn) },
    f1: { macro: mean(perClass.map((c) => c.f1)), micro: ratio(2 * pooled.tp, 2 * pooled.tp + pooled.fp + pooled.fn) }
  };
  for (const kind of ['precision', 'recall', 'f1'] as const) {
    if (!wanted.has(kind)) continue;
    setMetric(flat, `${kind}_macro`, averages[kind].macro);
    setMetric(flat, `${kind}_micro`, averages[kind].micro);
    for (const c of perClass) setMetric(flat, `${kind}.${c.label}`, c[kind]);
  }

  return {
    flat,
    details: {
      normalize,
      counts: { total, correct, failed: failedCount },
      confusionMatrix: classes.length <= MAX_MATRIX_CLASSES ? confusionMatrix(classes, lines, failedCount > 0) : undefined,
      perClass,
      lines
    }
  };
}

/** Per-class scores in one pass over the lines (free-text answers can make thousands of classes). */
function scoreClasses(classes: string[], lines: LineResult[]): ClassScores[] {
  const tp = new Map<string, number>();
  const predicted = new Map<string, number>();
  const actual = new Map<string, number>();
  const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  for (const l of lines) {
    bump(actual, l.trueLabel);
    if (!l.failed) bump(predicted, l.predictedLabel);
    if (l.correct) bump(tp, l.trueLabel);
  }
  return classes.map((label) => {
    const t = tp.get(label) ?? 0;
    const fp = (predicted.get(label) ?? 0) - t;
    const support = actual.get(label) ?? 0;
    const fn = support - t;
    return { label, precision: ratio(t, t + fp), recall: ratio(t, t + fn), f1: ratio(2 * t, 2 * t + fp + fn), support };
  });
}

function poolCounts(classes: string[], lines: LineResult[]): { tp: number; fp: number; fn: number } {
  const known = new Set(classes);
  let tp = 0, fp = 0, fn = 0;
  for (const l of lines) {
    if (l.correct) tp++;
    else {
      if (!l.failed && known.has(l.predictedLabel)) fp++;
      if (known.has(l.trueLabel)) fn++;
    }
  }
  return { tp, fp, fn };
}

function confusionMatrix(classes: string[], lines: LineResult[], anyFailed: boolean): ConfusionMatrix {
  const columns = anyFailed ? [...classes, FAILED_LABEL] : [...classes];
  const rowIndex = new Map(classes.map((c, i) => [c, i]));
  const matrix = classes.map(() => columns.map(() => 0));
  for (const l of lines) {
    const row = matrix[rowIndex.get(l.trueLabel)!]!;
    const column = l.failed ? columns.length - 1 : rowIndex.get(l.predictedLabel)!;
    row[column]!++;
  }
  return { labels: classes, columns, matrix };
}

/** Division where 0/0 (and x/0) gives 0, like sklearn's zero_division=0. */
function ratio(numerator: number, denominator: number): number {
  return denominator === 0 ? 0 : numerator / denominator;
}

function mean(values: number[]): number {
  return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
}

/** Sorted by code point, as Python's `sorted()` orders str. */
export function compareCodePoints(a: string, b: string): number {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done || y.done) return x.done === y.done ? 0 : x.done ? -1 : 1;
    const d = x.value.codePointAt(0)! - y.value.codePointAt(0)!;
    if (d !== 0) return d;
  }
}

function sortedUnique(values: string[]): string[] {
  return [...new Set(values)].sort(compareCodePoints);
}

/**
 * The `metrics` input: names separated by commas, spaces or newlines (a YAML-style
 * `- accuracy` list works too). Duplicates are dropped; an unknown name is a UserError.
 */
export function parseMetricList(text: string, field = 'metrics'): BuiltinMetricName[] {
  const names = text.split(/[\s,;]+/).map((t) => t.replace(/^-+$/, '').trim().toLowerCase()).filter(Boolean);
  const out: BuiltinMetricName[] = [];
  for (const name of names) {
    const canonical = (BUILTIN_METRICS as readonly string[]).includes(name) ? (name as BuiltinMetricName) : ALIASES[name];
    if (!canonical) {
      throw new UserError(`unknown built-in metric '${name}'; valid names: ${BUILTIN_METRICS.join(', ')}`, { field, code: 'MetricsError' });
    }
    if (!out.includes(canonical)) out.push(canonical);
  }
  return out;
}

const ALIASES: Record<string, BuiltinMetricName> = {
  f1_score: 'f1',
  'f1-score': 'f1',
  'confusion-matrix': 'confusion_matrix',
  'exact-match': 'exact_match'
};

/** Lines worth a look, worst first: failed lines, then wrong ones, each by line number. */
export function worstLines(lines: readonly LineResult[], limit: number): LineResult[] {
  const bad = lines.filter((l) => !l.correct);
  bad.sort((a, b) => Number(b.failed) - Number(a.failed) || a.lineNumber - b.lineNumber);
  return bad.slice(0, Math.max(0, limit));
}
