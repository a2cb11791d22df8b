/**
 * Markdown reports for the job summary, the PR comment and the report file.
 * Most important first (verdict, metrics), details last, so that `fitMarkdown`
 * drops the least useful part when a report is too big. Deterministic: metrics in
 * the order given, classes sorted, lines by line number.
 *
 * Deltas are shown in the metric's own units with a sign and an arrow for the
 * direction of change (▲ up, ▼ down), followed by (better)/(worse) according to the
 * metric's direction (see `metricDirection`).
 */
import { pyStr } from '@llmops/flow';
import { FAILED_LABEL, worstLines as pickWorstLines, type BuiltinDetails, type ConfusionMatrix, type LineResult } from './builtin.js';
import { formatNumber, metricDirection, type GateCheck, type GateResult, type MetricDirection } from './gate.js';
import { code, escapeCell, table } from './markdown.js';
import type { Metrics } from './metrics-file.js';

export interface BaselineMetrics {
  metrics: Metrics;
  /** Which baseline this is (a path, a run name, a commit): reports always say so. */
  origin: string;
}

export interface EvaluationReportOptions {
  runName: string;
  metrics: Metrics;
  baseline?: BaselineMetrics;
  details?: BuiltinDetails;
  /** How many wrong lines to show (default 10; 0 hides the section). */
  worstLines?: number;
  title?: string;
  /** Extra lines shown under the metrics (warnings, e.g. metrics set twice). */
  notes?: string[];
  runUrl?: string;
}

export function formatDelta(current: number, baseline: number, direction: MetricDirection): string {
  const delta = current - baseline;
  if (Number.isNaN(delta)) return Number.isNaN(current) && Number.isNaN(baseline) ? '0' : '—';
  if (delta === 0) return '0';
  const arrow = delta > 0 ? '▲' : '▼';
  const better = (delta > 0) === (direction === 'higher');
  return `${arrow} ${delta > 0 ? '+' : '-'}${formatNumber(Math.abs(delta))} (${better ? 'better' : 'worse'})`;
}

const PER_CLASS_KEY = /^(precision|recall|f1)\./;
const MAX_PER_CLASS_ROWS = 50;

export function renderEvaluationReport(options: EvaluationReportOptions): string {
  const { metrics, baseline, details } = options;
  const out: string[] = [];
  out.push(`## ${escapeCell(options.title ?? 'Evaluation')} of ${code(options.runName)}`, '');
  if (details) {
    const { total, correct, failed } = details.counts;
    out.push(`${total} lines scored: ${correct} correct, ${total - correct - failed} wrong, ${failed} failed${failed ? ' (failed lines count as wrong)' : ''}.`, '');
  }

  // Per-class scores get their own table when the details are there.
  const inMainTable = (key: string) => !(details && PER_CLASS_KEY.test(key));
  const names = Object.keys(metrics).filter(inMainTable);
  const baselineOnly = baseline ? Object.keys(baseline.metrics).filter((k) => !Object.hasOwn(metrics, k) && inMainTable(k)) : [];
  if (names.length + baselineOnly.length === 0) {
    out.push('No metrics were produced.', '');
  } else {
    const header = baseline ? ['Metric', 'Value', 'Baseline', 'Δ'] : ['Metric', 'Value'];
    const rows = names.map((name) => {
      const value = metrics[name]!;
      if (!baseline) return [escapeCell(name), formatNumber(value)];
      const base = Object.hasOwn(baseline.metrics, name) ? baseline.metrics[name] : undefined;
      return [escapeCell(name), formatNumber(value), base === undefined ? '—' : formatNumber(base), base === undefined ? 'new' : formatDelta(value, base, metricDirection(name))];
    });
    for (const name of baselineOnly) rows.push([escapeCell(name), '—', formatNumber(baseline!.metrics[name]!), 'missing']);
    out.push(table(header, rows, ['left', 'right', 'right', 'left']), '');
  }
  if (baseline) out.push(`Baseline: ${code(baseline.origin)}`, '');
  for (const note of options.notes ?? []) out.push(`> ${escapeCell(note, 1000)}`, '');
  if (options.runUrl) out.push(`[Workflow run](${options.runUrl})`, '');

  if (details && details.perClass.length > 0) {
    if (details.confusionMatrix) out.push(...renderConfusionMatrix(details.confusionMatrix, details.normalize), '');
    out.push(...renderPerClass(details, baseline?.metrics), '');
  }
  const limit = options.worstLines ?? 10;
  if (details && limit > 0) out.push(...renderWorstLines(details.lines, limit));
  return `${out.join('\n').trimEnd()}\n`;
}

function renderConfusionMatrix({ labels, columns, matrix }: ConfusionMatrix, normalize: boolean): string[] {
  const how = normalize ? ' Labels are compared after trimming and lowercasing.' : '';
  const rows = labels.map((label, i) => [`**${labelCell(label)}**`, ...matrix[i]!.map((n) => String(n))]);
  return [
    '### Confusion matrix',
    '',
    `Rows are the ground truth, columns the prediction.${how}`,
    '',
    table(['truth \\ prediction', ...columns.map((c) => (c === FAILED_LABEL ? FAILED_LABEL : labelCell(c)))], rows, ['left', ...columns.map((): 'right' => 'right')])
  ];
}

function renderPerClass(details: BuiltinDetails, baseline: Metrics | undefined): string[] {
  const cell = (kind: string, label: string, value: number) => {
    const base = baseline?.[`${kind}.${label}`];
    return base === undefined ? formatNumber(value) : `${formatNumber(value)} (${formatDelta(value, base, 'higher').replace(/ \((better|worse)\)$/, '')})`;
  };
  // Many classes (free-text answers): the most frequent ones, ties by label order.
  const shown = details.perClass.length <= MAX_PER_CLASS_ROWS
    ? details.perClass
    : [...details.perClass].sort((a, b) => b.support - a.support).slice(0, MAX_PER_CLASS_ROWS);
  const rows = shown.map((c) => [labelCell(c.label), cell('precision', c.label, c.precision), cell('recall', c.label, c.recall), cell('f1', c.label, c.f1), String(c.support)]);
  const heading = shown.length < details.perClass.length ? `### Per class (${shown.length} most frequent of ${details.perClass.length})` : '### Per class';
  return [heading, '', table(['Class', 'Precision', 'Recall', 'F1', 'Support'], rows, ['left', 'right', 'right', 'right', 'right'])];
}

function renderWorstLines(lines: readonly LineResult[], limit: number): string[] {
  const wrong = lines.filter((l) => !l.correct).length;
  if (wrong === 0) return ['All lines are correct.'];
  const shown = pickWorstLines(lines, limit);
  const rows = shown.map((l) => [
    String(l.lineNumber),
    inputsCell(l.inputs),
    l.failed ? `*${FAILED_LABEL}*` : labelCell(l.prediction ?? '', 200),
    labelCell(l.truth, 200),
    l.failed ? `❌ failed${l.error ? `: ${escapeCell(l.error, 200)}` : ''}` : '❌ wrong'
  ]);
  const summary = shown.length < wrong ? `Worst lines (${shown.length} of ${wrong} wrong or failed)` : `Wrong or failed lines (${wrong})`;
  return [
    `<details><summary>${summary}</summary>`,
    '',
    table(['Line', 'Inputs', 'Prediction', 'Truth', 'Result'], rows, ['right', 'left', 'left', 'left', 'left']),
    '',
    '</details>'
  ];
}

function labelCell(label: string, maxLength = 100): string {
  return label === '' ? '*(empty)*' : escapeCell(label, maxLength);
}

function inputsCell(inputs: Record<string, unknown> | undefined): string {
  if (!inputs || Object.keys(inputs).length === 0) return '';
  const entries = Object.entries(inputs).map(([k, v]) => `${escapeCell(k, 40)}: ${escapeCell(pyStr(v), 120)}`);
  return entries.slice(0, 6).join('<br>') + (entries.length > 6 ? `<br>… ${entries.length - 6} more` : '');
}

export interface GateReportOptions {
  /** All metrics, so that the ones no rule checks can be listed too. */
  metrics?: Metrics;
  metricsOrigin?: string;
  baselineOrigin?: string;
  runUrl?: string;
  title?: string;
}

export function renderGateReport(result: GateResult, options: GateReportOptions = {}): string {
  const out: string[] = [];
  const failed = result.failures.length;
  const total = result.checks.length;
  const verdict = result.passed ? 'passed' : 'failed';
  const heading = options.title ? `${escapeCell(options.title)}: gate ${verdict}` : `Gate ${verdict}`;
  out.push(`## ${result.passed ? '✅' : '❌'} ${heading}`, '');
  if (total === 0) out.push('No conditions were checked.', '');
  else if (result.passed) out.push(total === 1 ? 'The check passed.' : `All ${total} checks passed.`, '');
  else {
    out.push(`${failed} of ${total} checks failed:`, '');
    for (const f of result.failures) out.push(`- ${escapeCell(f.message, 1000)}`);
    out.push('');
  }

  if (total > 0) {
    const hasBaseline = result.checks.some((c) => c.kind === 'regression');
    const header = hasBaseline ? ['Metric', 'Value', 'Baseline', 'Δ', 'Condition', 'Result'] : ['Metric', 'Value', 'Condition', 'Result'];
    const rows = result.checks.map((c) => checkRow(c, hasBaseline));
    out.push(table(header, rows, hasBaseline ? ['left', 'right', 'right', 'left', 'left', 'center'] : ['left', 'right', 'left', 'center']), '');
  }
  if (options.metricsOrigin) out.push(`Metrics: ${code(options.metricsOrigin)}`, '');
  if (options.baselineOrigin) out.push(`Baseline: ${code(options.baselineOrigin)}`, '');
  for (const note of result.notes) out.push(`> ${escapeCell(note, 1000)}`, '');
  if (options.runUrl) out.push(`[Workflow run](${options.runUrl})`, '');

  if (options.metrics) {
    const checked = new Set(result.checks.map((c) => c.metric));
    const others = Object.keys(options.metrics).filter((m) => !checked.has(m));
    if (others.length > 0) {
      out.push(`<details><summary>Other metrics (${others.length})</summary>`, '');
      out.push(table(['Metric', 'Value'], others.map((m) => [escapeCell(m), formatNumber(options.metrics![m]!)]), ['left', 'right']), '', '</details>');
    }
  }
  return `${out.join('\n').trimEnd()}\n`;
}

function checkRow(check: GateCheck, withBaseline: boolean): string[] {
  const name = escapeCell(check.metric);
  const mark = check.passed ? '✅' : '❌';
  switch (check.kind) {
    case 'threshold': {
      const condition = escapeCell(`${check.threshold.op} ${formatNumber(check.threshold.value)}`);
      return withBaseline ? [name, formatNumber(check.actual), '', '', condition, mark] : [name, formatNumber(check.actual), condition, mark];
    }
    case 'regression': {
      const rule = check.rule;
      const limit = rule.relative ? `${formatNumber(rule.allowed * 100)}% (${formatNumber(check.allowedDrop)})` : formatNumber(check.allowedDrop);
      const condition = `${check.direction === 'higher' ? 'drop' : 'rise'} ≤ ${limit} (${check.direction} is better)`;
      return [name, formatNumber(check.actual), formatNumber(check.baseline), formatDelta(check.actual, check.baseline, check.direction), condition, mark];
    }
    case 'missing': {
      const condition = check.threshold
        ? escapeCell(`${check.threshold.op} ${formatNumber(check.threshold.value)}`)
        : check.rule ? `max drop ${check.rule.relative ? `${formatNumber(check.rule.allowed * 100)}%` : formatNumber(check.rule.allowed)}` : '';
      return withBaseline ? [name, 'missing', '', '', condition, mark] : [name, 'missing', condition, mark];
    }
  }
}
