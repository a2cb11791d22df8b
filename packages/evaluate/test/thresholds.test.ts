import { describe, expect, test } from '@jest/globals';
import { UserError } from '@llmops/common';
import { parseMaxRegression, parseThresholds } from '../src/index.js';

function errorOf(fn: () => unknown): UserError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    return error as UserError;
  }
  throw new Error('expected a UserError');
}

describe('parseThresholds', () => {
  test.each([
    ['accuracy >= 0.9', [{ metric: 'accuracy', op: '>=', value: 0.9 }]],
    ['0.6', [{ metric: 'accuracy', op: '>=', value: 0.6 }]],
    ['  .75  ', [{ metric: 'accuracy', op: '>=', value: 0.75 }]],
    ['f1_macro>0.5', [{ metric: 'f1_macro', op: '>', value: 0.5 }]],
    ['latency_ms <= 1200\nerror_rate < 1e-2', [{ metric: 'latency_ms', op: '<=', value: 1200 }, { metric: 'error_rate', op: '<', value: 0.01 }]],
    ['accuracy >= 90%', [{ metric: 'accuracy', op: '>=', value: 0.9 }]],
    ['score == -1; score != 2', [{ metric: 'score', op: '==', value: -1 }, { metric: 'score', op: '!=', value: 2 }]],
    ['f1.Academic Paper >= 0.5', [{ metric: 'f1.Academic Paper', op: '>=', value: 0.5 }]],
    ['f1.<=50k >= 0.5', [{ metric: 'f1.<=50k', op: '>=', value: 0.5 }]],
    ['# quality bar\n\naccuracy >= 0.8  # agreed with PM\n', [{ metric: 'accuracy', op: '>=', value: 0.8 }]],
    ['', []]
  ])('%j', (text, expected) => {
    expect(parseThresholds(text).map(({ metric, op, value }) => ({ metric, op, value }))).toEqual(expected);
  });

  test('keeps the line number and text for messages', () => {
    expect(parseThresholds('# c\n\n  accuracy >= 0.9  ')).toEqual([{ metric: 'accuracy', op: '>=', value: 0.9, line: 3, text: 'accuracy >= 0.9' }]);
  });

  test.each([
    ['accuracy >=', "thresholds line 1: 'accuracy >=' is missing the number after '>='; e.g. 'accuracy >= 0.9'"],
    ['acc => 0.5', "thresholds line 1: 'acc => 0.5' uses '=>'; did you mean '>=' ('acc >= 0.5')?"],
    ['accuracy >= ninety', "thresholds line 1: 'accuracy >= ninety' compares with 'ninety', which is not a number; e.g. 'accuracy >= 0.9'"],
    ['accuracy = 1', "thresholds line 1: 'accuracy = 1' uses '='; did you mean '==' ('accuracy == 1')?"],
    ['accuracy =< 1', "thresholds line 1: 'accuracy =< 1' uses '=<'; did you mean '<=' ('accuracy <= 1')?"],
    ['accuracy >>> 1', "thresholds line 1: 'accuracy >>> 1' uses the unknown operator '>>>'; use one of >= > <= < == !="],
    ['accuracy 0.9', "thresholds line 1: 'accuracy 0.9' has no comparison operator; did you mean 'accuracy >= 0.9'?"],
    ['>= 0.9', "thresholds line 1: '>= 0.9' has no metric name before the operator; write one condition a line, like 'accuracy >= 0.9'"],
    ['accuracy >= 0,9', "thresholds line 1: 'accuracy >= 0,9' uses a decimal comma; write 'accuracy >= 0.9'"],
    ['accuracy >= 0.9 f1 >= 0.8', "thresholds line 1: 'accuracy >= 0.9 f1 >= 0.8' holds more than one condition; put each on its own line (in YAML use 'thresholds: |', not '>')"],
    ['accuracy', "thresholds line 1: 'accuracy' is not a condition; write one condition a line, like 'accuracy >= 0.9' (operators: >= > <= < == !=)"]
  ])('malformed %j', (text, message) => {
    const error = errorOf(() => parseThresholds(text));
    expect(error.message).toBe(message);
    expect(error.field).toBe('thresholds');
    expect(error.line).toBe(1);
  });

  test('names the right line among several', () => {
    const error = errorOf(() => parseThresholds('accuracy >= 0.9\n# ok\nf1_macro => 0.5', 'thresholds'));
    expect(error.line).toBe(3);
    expect(error.message).toMatch(/^thresholds line 3: 'f1_macro => 0.5' uses '=>'/);
  });
});

describe('parseMaxRegression', () => {
  test.each([
    ['accuracy 0.02', [{ metric: 'accuracy', allowed: 0.02, relative: false }]],
    ['accuracy: 0.02', [{ metric: 'accuracy', allowed: 0.02, relative: false }]],
    ['accuracy:0.02', [{ metric: 'accuracy', allowed: 0.02, relative: false }]],
    ['* 0.01', [{ metric: '*', allowed: 0.01, relative: false }]],
    ['0.05', [{ metric: 'accuracy', allowed: 0.05, relative: false }]],
    ['latency_ms 10%\n* 0', [{ metric: 'latency_ms', allowed: 0.1, relative: true }, { metric: '*', allowed: 0, relative: false }]],
    ['f1.Academic Paper 0.1 # per class', [{ metric: 'f1.Academic Paper', allowed: 0.1, relative: false }]]
  ])('%j', (text, expected) => {
    expect(parseMaxRegression(text).map(({ metric, allowed, relative }) => ({ metric, allowed, relative }))).toEqual(expected);
  });

  test.each([
    ['accuracy two', "max-regression line 1: 'accuracy two' does not end with the allowed drop; write e.g. 'accuracy 0.02' or '* 0.01'"],
    ['accuracy -0.1', "max-regression line 1: 'accuracy -0.1' allows a negative drop; give the largest allowed drop as a positive number"],
    ['accuracy 0,02', "max-regression line 1: 'accuracy 0,02' uses a decimal comma; write '0.02'"],
    ['* 0.01\n* 0.02', "max-regression line 2: '* 0.02' repeats the rule for '*'; give each metric one rule"]
  ])('malformed %j', (text, message) => {
    const error = errorOf(() => parseMaxRegression(text));
    expect(error.message).toBe(message);
    expect(error.field).toBe('max-regression');
  });
});
