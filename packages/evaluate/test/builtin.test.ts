import { spawnSync } from 'node:child_process';
import { describe, expect, test } from '@jest/globals';
import { PyFloat } from '@llmops/flow';
import { UserError } from '@llmops/common';
import { computeBuiltinMetrics, parseMetricList, toLabel, worstLines, FAILED_LABEL, BUILTIN_METRICS, type LinePrediction } from '../src/index.js';

const ALL = BUILTIN_METRICS;
const lines = (pairs: Array<[unknown, unknown]>): LinePrediction[] =>
  pairs.map(([prediction, truth], lineNumber) => ({ lineNumber, prediction, truth }));

describe('computeBuiltinMetrics: hand-checked', () => {
  // truth:      a a a b b c
  // prediction: a a b b c (failed)
  const result = computeBuiltinMetrics({
    predictions: lines([['a', 'a'], ['a', 'a'], ['b', 'a'], ['b', 'b'], ['c', 'b'], [undefined, 'c']]),
    metrics: ALL,
    normalize: true
  });

  test('accuracy counts the failed line as wrong', () => {
    expect(result.flat.accuracy).toBeCloseTo(3 / 6, 12);
    expect(result.flat.exact_match).toBeCloseTo(3 / 6, 12);
    expect(result.details.counts).toEqual({ total: 6, correct: 3, failed: 1 });
  });

  test('per-class scores', () => {
    // a: tp2 fp0 fn1 -> p1 r2/3 f1 0.8; b: tp1 fp1 fn1 -> .5 .5 .5; c: tp0 fp1 fn1 -> 0 0 0
    expect(result.details.perClass).toEqual([
      { label: 'a', precision: 1, recall: 2 / 3, f1: 0.8, support: 3 },
      { label: 'b', precision: 0.5, recall: 0.5, f1: 0.5, support: 2 },
      { label: 'c', precision: 0, recall: 0, f1: 0, support: 1 }
    ]);
    expect(result.flat['f1.a']).toBe(0.8);
    expect(result.flat['recall.c']).toBe(0);
  });

  test('macro and micro averages (failed is not a class; it is a false negative)', () => {
    expect(result.flat.precision_macro).toBeCloseTo(0.5, 12);
    expect(result.flat.recall_macro).toBeCloseTo((2 / 3 + 0.5) / 3, 12);
    expect(result.flat.f1_macro).toBeCloseTo(1.3 / 3, 12);
    // TP 3, FP 2 (b->a? no: a->b and b->c), FN 3
    expect(result.flat.precision_micro).toBeCloseTo(3 / 5, 12);
    expect(result.flat.recall_micro).toBeCloseTo(3 / 6, 12);
    expect(result.flat.f1_micro).toBeCloseTo(6 / 11, 12);
  });

  test('flat keys are in a stable, documented order', () => {
    expect(Object.keys(result.flat)).toEqual([
      'accuracy', 'exact_match',
      'precision_macro', 'precision_micro', 'precision.a', 'precision.b', 'precision.c',
      'recall_macro', 'recall_micro', 'recall.a', 'recall.b', 'recall.c',
      'f1_macro', 'f1_micro', 'f1.a', 'f1.b', 'f1.c'
    ]);
  });

  test('confusion matrix has a (failed) column', () => {
    expect(result.details.confusionMatrix).toEqual({
      labels: ['a', 'b', 'c'],
      columns: ['a', 'b', 'c', FAILED_LABEL],
      matrix: [[2, 1, 0, 0], [0, 1, 1, 0], [0, 0, 0, 1]]
    });
  });

  test('only the metrics asked for', () => {
    const r = computeBuiltinMetrics({ predictions: lines([['x', 'x']]), metrics: ['accuracy', 'confusion_matrix'], normalize: true });
    expect(r.flat).toEqual({ accuracy: 1 });
    expect(computeBuiltinMetrics({ predictions: lines([['x', 'x']]), metrics: ['confusion_matrix'], normalize: true }).flat).toEqual({});
  });

  test('no lines: every ratio is 0 (zero_division=0), not NaN', () => {
    const r = computeBuiltinMetrics({ predictions: [], metrics: ALL, normalize: true });
    expect(r.flat).toEqual({ accuracy: 0, exact_match: 0, precision_macro: 0, precision_micro: 0, recall_macro: 0, recall_micro: 0, f1_macro: 0, f1_micro: 0 });
  });

  test('a predicted label that is no true class drags precision, as in sklearn', () => {
    const r = computeBuiltinMetrics({ predictions: lines([['a', 'a'], ['zzz', 'a']]), metrics: ['precision', 'recall'], normalize: true });
    expect(r.flat['precision.zzz']).toBe(0);
    expect(r.flat['recall.zzz']).toBe(0);
    expect(r.flat.precision_macro).toBe(0.5);
    expect(r.flat.recall_macro).toBe(0.25);
  });
});

describe('normalization', () => {
  test('str(), strip, lower; exact_match never normalizes', () => {
    const r = computeBuiltinMetrics({
      predictions: lines([[' Academic ', 'academic'], ['APP', 'App'], ['App', 'App'], [true, 'true'], [new PyFloat(1), '1.0'], [1, '1.0']]),
      metrics: ['accuracy', 'exact_match'],
      normalize: true
    });
    expect(r.details.lines.map((l) => l.correct)).toEqual([true, true, true, true, true, false]);
    expect(r.flat.accuracy).toBeCloseTo(5 / 6, 12);
    expect(r.flat.exact_match).toBeCloseTo(2 / 6, 12); // 'App'=='App' and str(1.0)=='1.0'
  });

  test('off: labels are str() exactly', () => {
    const r = computeBuiltinMetrics({ predictions: lines([[' a', 'a'], ['A', 'a'], ['a', 'a']]), metrics: ['accuracy'], normalize: false });
    expect(r.flat.accuracy).toBeCloseTo(1 / 3, 12);
  });

  test("Python's strip, not JavaScript's trim", () => {
    expect(toLabel('\x1fCat\x85', true)).toBe('cat');
    expect(toLabel('\ufeffCat', true)).toBe('\ufeffcat');
    expect(toLabel(null, true)).toBe('none');
    expect(toLabel({ a: 1 }, false)).toBe("{'a': 1}");
  });
});

describe('cross-check with sklearn formulas in python3', () => {
  test('random labelled data with failures and stray labels', () => {
    let seed = 42;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const classes = ['App', 'Academic', 'Channel', 'Profile'];
    const preds: LinePrediction[] = [];
    for (let i = 0; i < 300; i++) {
      const truth = classes[Math.floor(rand() * 4)]!;
      const r = rand();
      const prediction = r < 0.05 ? undefined : r < 0.08 ? 'None' : r < 0.6 ? truth.toUpperCase() : classes[Math.floor(rand() * 4)];
      preds.push({ lineNumber: i, prediction, truth });
    }
    const ours = computeBuiltinMetrics({ predictions: preds, metrics: ALL, normalize: true });
    const script = `
import json, sys
d = json.load(sys.stdin)
yt = [t.strip().lower() for t in d["truth"]]
yp = [None if p is None else p.strip().lower() for p in d["pred"]]
labels = sorted(set(yt) | set(p for p in yp if p is not None))
out = {"accuracy": sum(1 for t, p in zip(yt, yp) if t == p) / len(yt)}
tp = {l: 0 for l in labels}; ps = dict(tp); ts = dict(tp)
for t, p in zip(yt, yp):
    ts[t] += 1
    if p is not None: ps[p] += 1
    if t == p: tp[t] += 1
def div(a, b): return a / b if b else 0.0
P = {l: div(tp[l], ps[l]) for l in labels}; R = {l: div(tp[l], ts[l]) for l in labels}
F = {l: div(2 * P[l] * R[l], P[l] + R[l]) for l in labels}
for k, m in (("precision", P), ("recall", R), ("f1", F)):
    out[k + "_macro"] = sum(m.values()) / len(labels)
    for l in labels: out[k + "." + l] = m[l]
T, PS, TS = sum(tp.values()), sum(ps.values()), sum(ts.values())
out["precision_micro"] = div(T, PS); out["recall_micro"] = div(T, TS)
out["f1_micro"] = div(2 * out["precision_micro"] * out["recall_micro"], out["precision_micro"] + out["recall_micro"])
print(json.dumps(out))
`;
    const run = spawnSync('python3', ['-c', script], {
      input: JSON.stringify({ truth: preds.map((p) => p.truth), pred: preds.map((p) => p.prediction ?? null) }),
      encoding: 'utf8',
      timeout: 10000
    });
    expect(run.stderr).toBe('');
    const expected = JSON.parse(run.stdout) as Record<string, number>;
    expect(Object.keys(ours.flat).filter((k) => k !== 'exact_match').sort()).toEqual(Object.keys(expected).sort());
    for (const [k, v] of Object.entries(expected)) expect([k, ours.flat[k]!]).toEqual([k, expect.closeTo(v, 12)]);
    expect(ours.details.counts.failed).toBeGreaterThan(0);
    expect(ours.details.perClass.some((c) => c.label === 'none')).toBe(true);
  });
});

describe('worstLines', () => {
  test('failed first, then wrong, by line number; limit', () => {
    const r = computeBuiltinMetrics({ predictions: lines([['b', 'a'], ['a', 'a'], [undefined, 'a'], ['c', 'a']]), metrics: ['accuracy'], normalize: true });
    expect(worstLines(r.details.lines, 10).map((l) => l.lineNumber)).toEqual([2, 0, 3]);
    expect(worstLines(r.details.lines, 2).map((l) => l.lineNumber)).toEqual([2, 0]);
  });
});

describe('parseMetricList', () => {
  test.each([
    ['accuracy, f1', ['accuracy', 'f1']],
    ['accuracy\nprecision\nrecall\n', ['accuracy', 'precision', 'recall']],
    ['- Accuracy\n- confusion_matrix\n- accuracy', ['accuracy', 'confusion_matrix']],
    ['exact-match f1_score', ['exact_match', 'f1']],
    ['', []]
  ])('%j', (text, expected) => {
    expect(parseMetricList(text)).toEqual(expected);
  });

  test('unknown name lists the valid ones', () => {
    expect(() => parseMetricList('accuracy, bleu', 'metrics')).toThrow(
      new UserError("unknown built-in metric 'bleu'; valid names: accuracy, precision, recall, f1, confusion_matrix, exact_match")
    );
    try { parseMetricList('bleu', 'metrics'); } catch (e) { expect((e as UserError).field).toBe('metrics'); }
  });
});

describe('many classes (free-text answers)', () => {
  test('scores stay linear; no confusion matrix above the class limit', () => {
    const predictions = Array.from({ length: 20000 }, (_, i) => ({ lineNumber: i, prediction: `answer ${i % 7 ? i : i + 1}`, truth: `answer ${i}` }));
    const started = Date.now();
    const r = computeBuiltinMetrics({ predictions, metrics: ['accuracy', 'exact_match', 'f1'], normalize: true });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(r.details.confusionMatrix).toBeUndefined();
    expect(r.details.perClass.length).toBeGreaterThan(20000);
    expect(r.flat.accuracy).toBeCloseTo(17142 / 20000, 12);
  });
});
