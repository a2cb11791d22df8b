import { describe, expect, test } from '@jest/globals';
import { evaluateGate, formatNumber, metricDirection, parseMaxRegression, parseThresholds } from '../src/index.js';

describe('evaluateGate: thresholds', () => {
  test('passes and fails per condition', () => {
    const result = evaluateGate({ metrics: { accuracy: 0.75, f1_macro: 0.4 }, thresholds: parseThresholds('0.6\nf1_macro >= 0.5') });
    expect(result.passed).toBe(false);
    expect(result.checks.map((c) => [c.metric, c.kind, c.passed])).toEqual([['accuracy', 'threshold', true], ['f1_macro', 'threshold', false]]);
    expect(result.failures).toEqual([{ metric: 'f1_macro', kind: 'threshold', message: 'f1_macro = 0.4, required >= 0.5 (line 2: f1_macro >= 0.5)' }]);
  });

  test('the bare number rule equals the old assert.py (float(acc) >= expected)', () => {
    expect(evaluateGate({ metrics: { accuracy: 0.6 }, thresholds: parseThresholds('0.6') }).passed).toBe(true);
    expect(evaluateGate({ metrics: { accuracy: 0.59 }, thresholds: parseThresholds('0.6') }).passed).toBe(false);
  });

  test('a missing metric fails, suggesting the close name and listing the others', () => {
    const result = evaluateGate({ metrics: { accuracy: 0.9, f1_macro: 0.8 }, thresholds: parseThresholds('acuracy >= 0.5') });
    expect(result.passed).toBe(false);
    expect(result.failures).toEqual([{ metric: 'acuracy', kind: 'missing', message: "metric 'acuracy' is missing. Did you mean 'accuracy'? Available: accuracy, f1_macro" }]);
    const none = evaluateGate({ metrics: {}, thresholds: parseThresholds('0.5') });
    expect(none.failures[0]!.message).toBe("metric 'accuracy' is missing. Available: (none)");
  });

  test('NaN fails every comparison but !=, as in Python', () => {
    const r = evaluateGate({ metrics: { score: NaN }, thresholds: parseThresholds('score >= 0\nscore != 1') });
    expect(r.checks.map((c) => c.passed)).toEqual([false, true]);
  });

  test('no conditions at all passes, with nothing checked', () => {
    expect(evaluateGate({ metrics: { accuracy: 0.1 }, thresholds: [] })).toEqual({ passed: true, checks: [], failures: [], notes: [] });
  });
});

describe('evaluateGate: regressions', () => {
  const baseline = { accuracy: 0.8, f1_macro: 0.7, latency_ms: 1000, total_tokens: 500, only_in_base: 1 };

  test('absolute drop, with rounding slack (0.80 -> 0.78 is exactly 0.02)', () => {
    const ok = evaluateGate({ metrics: { accuracy: 0.78 }, thresholds: [], baseline, maxRegression: parseMaxRegression('accuracy 0.02') });
    expect(ok.passed).toBe(true);
    const bad = evaluateGate({ metrics: { accuracy: 0.77 }, thresholds: [], baseline, maxRegression: parseMaxRegression('accuracy 0.02') });
    expect(bad.failures).toEqual([{ metric: 'accuracy', kind: 'regression', message: 'accuracy dropped from 0.8 to 0.77 (0.03), more than the allowed 0.02' }]);
  });

  test('* covers every shared metric without its own rule; lower-is-better metrics regress upward', () => {
    const metrics = { accuracy: 0.85, f1_macro: 0.65, latency_ms: 1200, total_tokens: 400, new_metric: 3 };
    const r = evaluateGate({ metrics, thresholds: [], baseline, maxRegression: parseMaxRegression('* 0.01\nlatency_ms 10%') });
    expect(r.checks.map((c) => [c.metric, c.passed, c.kind === 'regression' ? c.direction : ''])).toEqual([
      ['latency_ms', false, 'lower'],
      ['accuracy', true, 'higher'],
      ['f1_macro', false, 'higher'],
      ['total_tokens', true, 'lower']
    ]);
    expect(r.failures.map((f) => f.message)).toEqual([
      'latency_ms rose from 1000 to 1200 (200), more than the allowed 10% of baseline = 100 (lower is better)',
      'f1_macro dropped from 0.7 to 0.65 (0.05), more than the allowed 0.01'
    ]);
    expect(r.notes).toEqual(['in the baseline but not in these metrics (not compared): only_in_base']);
  });

  test('a rule for a metric missing now fails; missing only in the baseline is a note', () => {
    const r = evaluateGate({ metrics: { accuracy: 0.9, f1_macro: 0.1 }, thresholds: [], baseline: { accuracy: 0.9 }, maxRegression: parseMaxRegression('recall_macro 0.1\nf1_macro 0.1') });
    expect(r.failures.map((f) => [f.metric, f.kind])).toEqual([['recall_macro', 'missing']]);
    expect(r.notes).toEqual(["'f1_macro' is not in the baseline; its max-regression rule was not checked"]);
  });

  test('rules without a baseline are a note, not a pass in disguise', () => {
    const r = evaluateGate({ metrics: { accuracy: 0.9 }, thresholds: parseThresholds('0.5'), maxRegression: parseMaxRegression('* 0') });
    expect(r.passed).toBe(true);
    expect(r.notes).toEqual(['max-regression is set but no baseline was given; regression rules were not checked']);
  });

  test('a metric that became NaN regresses', () => {
    const r = evaluateGate({ metrics: { accuracy: NaN }, thresholds: [], baseline, maxRegression: parseMaxRegression('* 0.5') });
    expect(r.passed).toBe(false);
  });

  test('direction override', () => {
    const r = evaluateGate({ metrics: { weirdness: 2 }, thresholds: [], baseline: { weirdness: 1 }, maxRegression: parseMaxRegression('* 0'), direction: (m) => (m === 'weirdness' ? 'lower' : undefined) });
    expect(r.passed).toBe(false);
  });
});

describe('metricDirection', () => {
  test.each([
    ['accuracy', 'higher'], ['f1_macro', 'higher'], ['f1.error', 'higher'], ['precision.Time', 'higher'], ['exact_match', 'higher'],
    ['gpt_groundedness', 'higher'], ['loss', 'lower'], ['error_rate', 'lower'], ['latency_ms', 'lower'], ['avgLatency', 'lower'],
    ['total_tokens', 'lower'], ['cost.usd', 'lower'], ['lines-failed', 'lower'], ['response time', 'lower'], ['timeliness', 'higher']
  ])('%s is %s-is-better', (name, direction) => {
    expect(metricDirection(name)).toBe(direction);
  });
});

test('formatNumber', () => {
  expect([0.75, 2 / 3, 1, 0, -0.00001, 1200.5, NaN, Infinity, 0.1 + 0.2].map(formatNumber)).toEqual(['0.75', '0.6667', '1', '0', '-1e-5', '1200.5', 'NaN', 'inf', '0.3']);
});
