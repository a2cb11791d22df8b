import { describe, expect, test } from '@jest/globals';
import {
  computeBuiltinMetrics, escapeCell, evaluateGate, fitMarkdown, formatDelta, parseMaxRegression, parseThresholds,
  renderEvaluationReport, renderGateReport
} from '../src/index.js';

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

describe('renderEvaluationReport', () => {
  test('metrics with a baseline, confusion matrix, per class, worst lines', () => {
    const { flat, details } = computeBuiltinMetrics({
      predictions: [
        { lineNumber: 0, prediction: 'App', truth: 'App', inputs: { url: 'https://a' } },
        { lineNumber: 1, prediction: undefined, truth: 'Academic', error: 'Timed | out', inputs: { url: 'https://b' } },
        { lineNumber: 2, prediction: 'Channel', truth: 'app', inputs: { url: 'https://c', text: 'a\nb' } }
      ],
      metrics: ['accuracy', 'f1'],
      normalize: true
    });
    const report = renderEvaluationReport({
      runName: 'web_1',
      metrics: flat,
      baseline: { metrics: { accuracy: 0.5, f1_macro: 0.2, 'f1.app': 0.5, old: 1 }, origin: 'base/metrics.json' },
      details
    });
    expect(report).toBe(`## Evaluation of \`web_1\`

3 lines scored: 1 correct, 1 wrong, 1 failed (failed lines count as wrong).

| Metric | Value | Baseline | Δ |
| --- | ---: | ---: | --- |
| accuracy | 0.3333 | 0.5 | ▼ -0.1667 (worse) |
| f1_macro | 0.2222 | 0.2 | ▲ +0.0222 (better) |
| f1_micro | 0.4 | — | new |
| old | — | 1 | missing |

Baseline: \`base/metrics.json\`

### Confusion matrix

Rows are the ground truth, columns the prediction. Labels are compared after trimming and lowercasing.

| truth \\ prediction | academic | app | channel | (failed) |
| --- | ---: | ---: | ---: | ---: |
| **academic** | 0 | 0 | 0 | 1 |
| **app** | 0 | 1 | 1 | 0 |
| **channel** | 0 | 0 | 0 | 0 |

### Per class

| Class | Precision | Recall | F1 | Support |
| --- | ---: | ---: | ---: | ---: |
| academic | 0 | 0 | 0 | 1 |
| app | 1 | 0.5 | 0.6667 (▲ +0.1667) | 2 |
| channel | 0 | 0 | 0 | 0 |

<details><summary>Wrong or failed lines (2)</summary>

| Line | Inputs | Prediction | Truth | Result |
| ---: | --- | --- | --- | --- |
| 1 | url: https://b | *(failed)* | Academic | ❌ failed: Timed \\| out |
| 2 | url: https://c<br>text: a<br>b | Channel | app | ❌ wrong |

</details>
`);
  });

  test('flow metrics only, no baseline', () => {
    expect(renderEvaluationReport({ runName: 'eval_1', metrics: { accuracy: 0.67, 'gpt.coherence': 4.25 }, notes: ['accuracy was set by the flow and by built-ins'] })).toBe(`## Evaluation of \`eval_1\`

| Metric | Value |
| --- | ---: |
| accuracy | 0.67 |
| gpt.coherence | 4.25 |

> accuracy was set by the flow and by built-ins
`);
    expect(renderEvaluationReport({ runName: 'r', metrics: {} })).toBe('## Evaluation of `r`\n\nNo metrics were produced.\n');
  });

  test('worst lines are limited and say how many there are', () => {
    const predictions = Array.from({ length: 30 }, (_, i) => ({ lineNumber: i, prediction: 'x', truth: i % 3 ? 'y' : 'x' }));
    const { flat, details } = computeBuiltinMetrics({ predictions, metrics: ['accuracy'], normalize: true });
    const report = renderEvaluationReport({ runName: 'r', metrics: flat, details, worstLines: 5 });
    expect(report).toContain('<details><summary>Worst lines (5 of 20 wrong or failed)</summary>');
    expect(report.match(/❌ wrong/g)).toHaveLength(5);
    expect(renderEvaluationReport({ runName: 'r', metrics: flat, details, worstLines: 0 })).not.toContain('<details>');
  });
});

describe('renderGateReport', () => {
  test('failed: thresholds, missing metric, regressions both ways', () => {
    const result = evaluateGate({
      metrics: { accuracy: 0.5, latency: 3, other: 1 },
      thresholds: parseThresholds('0.6\nacc >= 1'),
      baseline: { accuracy: 0.55, latency: 2 },
      maxRegression: parseMaxRegression('* 0.01')
    });
    expect(renderGateReport(result, { metrics: { accuracy: 0.5, latency: 3, other: 1 }, baselineOrigin: 'main@abc123', runUrl: 'https://github.com/o/r/actions/runs/1' })).toBe(`## ❌ Gate failed

4 of 4 checks failed:

- accuracy = 0.5, required &gt;= 0.6 (line 1: 0.6)
- metric 'acc' is missing. Did you mean 'accuracy'? Available: accuracy, latency, other
- accuracy dropped from 0.55 to 0.5 (0.05), more than the allowed 0.01
- latency rose from 2 to 3 (1), more than the allowed 0.01 (lower is better)

| Metric | Value | Baseline | Δ | Condition | Result |
| --- | ---: | ---: | --- | --- | :-: |
| accuracy | 0.5 |  |  | &gt;= 0.6 | ❌ |
| acc | missing |  |  | &gt;= 1 | ❌ |
| accuracy | 0.5 | 0.55 | ▼ -0.05 (worse) | drop ≤ 0.01 (higher is better) | ❌ |
| latency | 3 | 2 | ▲ +1 (worse) | rise ≤ 0.01 (lower is better) | ❌ |

Baseline: \`main@abc123\`

[Workflow run](https://github.com/o/r/actions/runs/1)

<details><summary>Other metrics (1)</summary>

| Metric | Value |
| --- | ---: |
| other | 1 |

</details>
`);
  });

  test('passed, thresholds only', () => {
    const result = evaluateGate({ metrics: { accuracy: 0.9 }, thresholds: parseThresholds('accuracy >= 0.8') });
    expect(renderGateReport(result, { title: 'Quality', metricsOrigin: 'result.json' })).toBe(`## ✅ Quality: gate passed

The check passed.

| Metric | Value | Condition | Result |
| --- | ---: | --- | :-: |
| accuracy | 0.9 | &gt;= 0.8 | ✅ |

Metrics: \`result.json\`
`);
    expect(renderGateReport(evaluateGate({ metrics: {}, thresholds: [] }))).toBe('## ✅ Gate passed\n\nNo conditions were checked.\n');
  });
});

describe('cells and deltas', () => {
  test('escapeCell defuses tables, HTML, mentions; truncates by characters', () => {
    expect(escapeCell('a|b\n<script>&`@team')).toBe('a\\|b<br>&lt;script&gt;&amp;\\`@\u200bteam');
    expect(escapeCell('😀'.repeat(5), 3)).toBe('😀😀😀…');
  });

  test('formatDelta', () => {
    expect(formatDelta(0.8, 0.75, 'higher')).toBe('▲ +0.05 (better)');
    expect(formatDelta(120, 100, 'lower')).toBe('▲ +20 (worse)');
    expect(formatDelta(90, 100, 'lower')).toBe('▼ -10 (better)');
    expect(formatDelta(0.5, 0.5, 'higher')).toBe('0');
    expect(formatDelta(NaN, 0.5, 'higher')).toBe('—');
  });
});

describe('fitMarkdown', () => {
  const big = [
    '## Evaluation', '', 'intro', '',
    '### Confusion matrix', '', '| a | b |', '| --- | --- |', ...Array.from({ length: 50 }, (_, i) => `| ${i} | é |`), '',
    '<details><summary>Worst lines</summary>', '', '| Line | x |', '| --- | --- |', ...Array.from({ length: 2000 }, (_, i) => `| ${i} | ${'ü'.repeat(40)} |`), '', '</details>', ''
  ].join('\n');

  test('unchanged when it fits', () => {
    expect(fitMarkdown('# small\n', 100, 'see more')).toBe('# small\n');
  });

  test.each([900 * 1024, 65536, 4000, 1200])('fits %i bytes, keeps whole sections first, closes <details>', (budget) => {
    const pointer = 'Report truncated; the full report is in the `evaluation-report` artifact.';
    const fitted = fitMarkdown(big, budget, pointer);
    expect(bytes(fitted)).toBeLessThanOrEqual(budget);
    if (bytes(big) <= budget) {
      expect(fitted).toBe(big);
      return;
    }
    expect(fitted.endsWith(`\n\n${pointer}\n`)).toBe(true);
    expect(fitted.startsWith('## Evaluation\n\nintro\n\n### Confusion matrix')).toBe(true);
    expect(fitted).toContain('| 49 | é |');
    const opened = fitted.match(/<details>/g)?.length ?? 0;
    expect(fitted.match(/<\/details>/g)?.length ?? 0).toBe(opened);
    // Cut at line boundaries: every table row that is kept is complete.
    for (const line of fitted.split('\n').filter((l) => l.startsWith('| '))) expect(line.endsWith(' |')).toBe(true);
  });

  test('a budget smaller than the first section keeps what whole lines fit', () => {
    const fitted = fitMarkdown(big, 700, 'more');
    expect(bytes(fitted)).toBeLessThanOrEqual(700);
    expect(fitted.startsWith('## Evaluation\n\nintro\n\n### Confusion matrix\n')).toBe(true);
    expect(fitted.endsWith('\n\nmore\n')).toBe(true);
  });

  test('a pointer larger than the budget is a bug', () => {
    expect(() => fitMarkdown('x'.repeat(100), 10, 'a pointer that is far too long')).toThrow('fitMarkdown: the pointer alone is larger than 10 bytes');
  });
});

test('many classes: no confusion matrix, the most frequent classes only', () => {
  const predictions = Array.from({ length: 120 }, (_, i) => ({ lineNumber: i, prediction: `p${i}`, truth: i < 20 ? 'common' : `t${i}` }));
  const { flat, details } = computeBuiltinMetrics({ predictions, metrics: ['accuracy'], normalize: true });
  const report = renderEvaluationReport({ runName: 'r', metrics: flat, details, worstLines: 0 });
  expect(report).not.toContain('### Confusion matrix');
  expect(report).toContain('### Per class (50 most frequent of 221)');
  expect(report).toContain('\n| common | 0 | 0 | 0 | 20 |\n');
});
