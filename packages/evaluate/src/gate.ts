/**
 * The gate: checks metrics against thresholds and, given a baseline, against the
 * allowed regression. Every check is kept (passed or not) so the report can show
 * them all; `failures` lists the ones that failed.
 *
 * Direction: higher is better, except for metrics whose name says otherwise (see
 * `metricDirection`). A regression is a move in the worse direction.
 * Thresholds compare exactly, as Python would; regression checks allow a rounding
 * slack of 1e-9 so that 0.80 → 0.78 is a drop of 0.02, not 0.020000000000000018.
 */
import type { Metrics } from './metrics-file.js';
import { compare, type RegressionRule, type Threshold } from './thresholds.js';

export type MetricDirection = 'higher' | 'lower';
export type CheckKind = 'threshold' | 'regression' | 'missing';

export interface GateFailure {
  metric: string;
  kind: CheckKind;
  message: string;
}

export type GateCheck =
  | { kind: 'threshold'; metric: string; passed: boolean; actual: number; threshold: Threshold }
  | {
      kind: 'regression';
      metric: string;
      passed: boolean;
      actual: number;
      baseline: number;
      /** actual - baseline. */
      delta: number;
      /** The largest allowed drop in the metric's units (relative rules already applied). */
      allowedDrop: number;
      direction: MetricDirection;
      rule: RegressionRule;
    }
  | { kind: 'missing'; metric: string; passed: false; message: string; threshold?: Threshold; rule?: RegressionRule };

export interface GateResult {
  passed: boolean;
  checks: GateCheck[];
  failures: GateFailure[];
  /** Things worth saying that did not fail the gate (e.g. a rule with no baseline value). */
  notes: string[];
}

export interface GateOptions {
  metrics: Metrics;
  thresholds: readonly Threshold[];
  baseline?: Metrics;
  maxRegression?: readonly RegressionRule[];
  /** Overrides the name-based direction rule for some metrics. */
  direction?: (metric: string) => MetricDirection | undefined;
}

/** Name parts that mean "lower is better". */
const LOWER_IS_BETTER = new Set([
  'loss', 'error', 'errors', 'err', 'latency', 'duration', 'time', 'seconds', 'ms', 'cost', 'price',
  'tokens', 'token', 'failed', 'failures', 'failure', 'fail', 'perplexity', 'mae', 'mse', 'rmse', 'wer', 'cer',
  'toxicity', 'hallucination', 'hallucinations'
]);
/** Built-in per-class metrics: `f1.<class>` is higher-is-better whatever the class is called. */
const HIGHER_PREFIXES = ['accuracy', 'exact_match', 'precision', 'recall', 'f1'];

/**
 * Whether a metric improves upward or downward, from its name: it is lower-is-better
 * when a word of its name (split at `_ - . /`, spaces and camelCase humps) is one of
 * loss, error(s), err, latency, duration, time, seconds, ms, cost, price, token(s),
 * fail(ed/ure/ures), perplexity, mae, mse, rmse, wer, cer, toxicity, hallucination(s).
 * Names starting with a built-in metric (`f1.<class>`, `precision_macro`) are higher-is-better.
 */
export function metricDirection(metric: string): MetricDirection {
  const first = metric.split(/[._]/)[0]!.toLowerCase();
  if (HIGHER_PREFIXES.includes(first) || HIGHER_PREFIXES.some((p) => metric.toLowerCase().startsWith(`${p}.`))) return 'higher';
  const words = metric.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);
  return words.some((w) => LOWER_IS_BETTER.has(w)) ? 'lower' : 'higher';
}

const SLACK = 1e-9;

export function evaluateGate(options: GateOptions): GateResult {
  const { metrics, baseline } = options;
  const directionOf = (m: string) => options.direction?.(m) ?? metricDirection(m);
  const checks: GateCheck[] = [];
  const notes: string[] = [];
  const available = Object.keys(metrics);

  for (const threshold of options.thresholds) {
    const actual = metrics[threshold.metric];
    if (!Object.hasOwn(metrics, threshold.metric) || actual === undefined) {
      checks.push({ kind: 'missing', metric: threshold.metric, passed: false, message: missingMessage(threshold.metric, available), threshold });
      continue;
    }
    checks.push({ kind: 'threshold', metric: threshold.metric, passed: compare(actual, threshold.op, threshold.value), actual, threshold });
  }

  const rules = options.maxRegression ?? [];
  if (rules.length > 0 && !baseline) notes.push('max-regression is set but no baseline was given; regression rules were not checked');
  if (rules.length > 0 && baseline) {
    const explicit = new Map(rules.filter((r) => r.metric !== '*').map((r) => [r.metric, r]));
    const wildcard = rules.find((r) => r.metric === '*');
    for (const rule of explicit.values()) {
      if (!Object.hasOwn(metrics, rule.metric)) {
        checks.push({ kind: 'missing', metric: rule.metric, passed: false, message: missingMessage(rule.metric, available), rule });
      } else if (!Object.hasOwn(baseline, rule.metric)) {
        notes.push(`'${rule.metric}' is not in the baseline; its max-regression rule was not checked`);
      } else {
        checks.push(regressionCheck(rule.metric, metrics[rule.metric]!, baseline[rule.metric]!, rule, directionOf(rule.metric)));
      }
    }
    if (wildcard) {
      const shared = available.filter((m) => Object.hasOwn(baseline, m) && !explicit.has(m));
      for (const metric of shared) checks.push(regressionCheck(metric, metrics[metric]!, baseline[metric]!, wildcard, directionOf(metric)));
      const gone = Object.keys(baseline).filter((m) => !Object.hasOwn(metrics, m) && !explicit.has(m));
      if (gone.length > 0) notes.push(`in the baseline but not in these metrics (not compared): ${gone.join(', ')}`);
    }
  }

  const failures: GateFailure[] = checks.filter((c) => !c.passed).map((c) => ({ metric: c.metric, kind: c.kind, message: failureMessage(c) }));
  return { passed: failures.length === 0, checks, failures, notes };
}

function regressionCheck(metric: string, actual: number, baseline: number, rule: RegressionRule, direction: MetricDirection): GateCheck {
  const allowedDrop = rule.relative ? Math.abs(baseline) * rule.allowed : rule.allowed;
  const drop = direction === 'higher' ? baseline - actual : actual - baseline;
  const passed = Number.isNaN(actual) ? Number.isNaN(baseline) : !(drop - allowedDrop > SLACK * Math.max(1, Math.abs(baseline)));
  return { kind: 'regression', metric, passed, actual, baseline, delta: actual - baseline, allowedDrop, direction, rule };
}

function missingMessage(metric: string, available: string[]): string {
  const close = closest(metric, available);
  const hint = close ? ` Did you mean '${close}'?` : '';
  return `metric '${metric}' is missing.${hint} Available: ${available.length ? available.join(', ') : '(none)'}`;
}

function failureMessage(check: GateCheck): string {
  switch (check.kind) {
    case 'missing':
      return check.message;
    case 'threshold': {
      const t = check.threshold;
      return `${check.metric} = ${formatNumber(check.actual)}, required ${t.op} ${formatNumber(t.value)} (line ${t.line}: ${t.text})`;
    }
    case 'regression': {
      const worse = check.direction === 'higher' ? 'dropped' : 'rose';
      const allowed = check.rule.relative ? `${formatNumber(check.rule.allowed * 100)}% of baseline = ${formatNumber(check.allowedDrop)}` : formatNumber(check.allowedDrop);
      return `${check.metric} ${worse} from ${formatNumber(check.baseline)} to ${formatNumber(check.actual)} (${formatNumber(Math.abs(check.delta))}), more than the allowed ${allowed}${check.direction === 'lower' ? ' (lower is better)' : ''}`;
    }
  }
}

/** Up to 4 decimals, trailing zeros dropped: stable and readable in messages and tables. */
export function formatNumber(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  if (Number.isInteger(n)) return String(n);
  const abs = Math.abs(n);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e15)) return n.toExponential(3).replace(/\.?0+e/, 'e');
  const text = n.toFixed(4).replace(/\.?0+$/, '');
  return text === '-0' ? '0' : text;
}

/** The most similar name, when one is close enough to be a likely typo. */
function closest(name: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(name.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) { best = c; bestDistance = d; }
  }
  const prefixHit = candidates.find((c) => c.toLowerCase().startsWith(name.toLowerCase()) && name.length >= 3);
  if (bestDistance <= Math.max(1, Math.floor(name.length / 3))) return best;
  return prefixHit;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]!;
}
