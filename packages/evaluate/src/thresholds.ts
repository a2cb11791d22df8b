/**
 * The gate's rules as users write them.
 *
 * `thresholds`: one condition a line, `<metric> <op> <number>`, op one of
 * `>= > <= < == !=`. A bare number means `accuracy >= N` (as the classic
 * `assert.py result.json 0.6` did). A number may end in `%` (`90%` is 0.9).
 * Blank lines and `#` comments are ignored; `;` also separates conditions. A comma
 * never does, so that `0,9` is reported instead of being read as two conditions.
 *
 * `max-regression`: one rule a line, `<metric> <number>` (or `<metric>: <number>`);
 * `*` is every metric shared with the baseline that has no rule of its own. A plain
 * number is an absolute drop in the metric's own units (`accuracy 0.02`); a number
 * with `%` is relative to the baseline value (`latency 10%`). A bare number means
 * `accuracy N`, like thresholds.
 */
import { UserError } from '@llmops/common';

export const COMPARISON_OPS = ['>=', '>', '<=', '<', '==', '!='] as const;
export type ComparisonOp = (typeof COMPARISON_OPS)[number];

export interface Threshold {
  metric: string;
  op: ComparisonOp;
  value: number;
  /** 1-based line of the input it came from. */
  line: number;
  /** The condition as written (comment removed). */
  text: string;
}

export interface RegressionRule {
  /** A metric name, or `*` for every shared metric without a rule of its own. */
  metric: string;
  /** The largest allowed drop: absolute, or a fraction of the baseline when `relative`. */
  allowed: number;
  relative: boolean;
  line: number;
  text: string;
}

const OP_CHARS = '<>=!≥≤≠';
const CONDITION = new RegExp(`^(.*[^\\s${OP_CHARS}])\\s*([${OP_CHARS}]+)\\s*([^\\s${OP_CHARS}]*)$`, 'u');
const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?%?$/;
const TYPOS: Record<string, ComparisonOp> = {
  '=>': '>=', '=<': '<=', '=': '==', '===': '==', '<>': '!=', '!==': '!=', '=!': '!=', '≥': '>=', '≤': '<=', '≠': '!='
};
const EXAMPLE = "write one condition a line, like 'accuracy >= 0.9'";

interface Part { text: string; line: number }

/** Split into non-empty condition texts with their line numbers, comments removed. */
function splitParts(text: string): Part[] {
  const parts: Part[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const withoutComment = raw.replace(/(^|\s)#.*$/, '');
    for (const piece of withoutComment.split(';')) {
      const t = piece.trim();
      if (t) parts.push({ text: t, line: index + 1 });
    }
  });
  return parts;
}

/** A number as users write it (`0.9`, `.5`, `1e-3`, `90%`), or undefined. */
export function parseNumber(text: string): number | undefined {
  if (!NUMBER.test(text)) return undefined;
  return text.endsWith('%') ? Number(text.slice(0, -1)) / 100 : Number(text);
}

export function parseThresholds(text: string, field = 'thresholds'): Threshold[] {
  return splitParts(text).map((part) => parseCondition(part, field));
}

function parseCondition({ text, line }: Part, field: string): Threshold {
  const fail = (why: string): never => {
    throw new UserError(`${field} line ${line}: '${text}' ${why}`, { field, line, code: 'ThresholdError' });
  };
  const bare = parseNumber(text);
  if (bare !== undefined) return { metric: 'accuracy', op: '>=', value: bare, line, text };

  const match = CONDITION.exec(text);
  if (!match) {
    if (new RegExp(`^[${OP_CHARS}]`, 'u').test(text)) fail(`has no metric name before the operator; ${EXAMPLE}`);
    const noOp = /^(.*\S)\s+(\S+)$/.exec(text);
    if (noOp && parseNumber(noOp[2]!) !== undefined) fail(`has no comparison operator; did you mean '${noOp[1]} >= ${noOp[2]}'?`);
    return fail(`is not a condition; ${EXAMPLE} (operators: ${COMPARISON_OPS.join(' ')})`);
  }
  const [, metricText, opText, valueText] = match as unknown as [string, string, string, string];
  const metric = metricText.trim();
  if (/\s(?:>=|<=|==|!=|>|<)\s*[+-]?[\d.]/.test(metric)) {
    fail(`holds more than one condition; put each on its own line (in YAML use 'thresholds: |', not '>')`);
  }
  const op = (COMPARISON_OPS as readonly string[]).includes(opText) ? (opText as ComparisonOp) : undefined;
  if (!op) {
    const suggestion = TYPOS[opText];
    fail(suggestion
      ? `uses '${opText}'; did you mean '${suggestion}' ('${metric} ${suggestion} ${valueText || '0.9'}')?`
      : `uses the unknown operator '${opText}'; use one of ${COMPARISON_OPS.join(' ')}`);
  }
  if (!valueText) fail(`is missing the number after '${op}'; e.g. '${metric} ${op} 0.9'`);
  const value = parseNumber(valueText);
  if (value === undefined) {
    if (/^[+-]?\d*,\d+%?$/.test(valueText)) fail(`uses a decimal comma; write '${metric} ${op} ${valueText.replace(',', '.')}'`);
    fail(`compares with '${valueText}', which is not a number; e.g. '${metric} ${op} 0.9'`);
  }
  return { metric, op: op!, value: value!, line, text };
}

export function parseMaxRegression(text: string, field = 'max-regression'): RegressionRule[] {
  const rules: RegressionRule[] = [];
  for (const { text: part, line } of splitParts(text)) {
    const fail = (why: string): never => {
      throw new UserError(`${field} line ${line}: '${part}' ${why}`, { field, line, code: 'ThresholdError' });
    };
    // `<metric> <n>`, `<metric>: <n>`, `<metric>:<n>`, or a bare `<n>` for accuracy.
    const match = /^(.*?)\s*:?\s+(\S+)$/.exec(part) ?? /^(.+?):(\S+)$/.exec(part);
    const bare = !match;
    const metric = match ? match[1]!.trim() : 'accuracy';
    const amountText = match ? match[2]! : part;
    if (!metric) fail(`has no metric name; write e.g. 'accuracy 0.02' or '* 0.01'`);
    const allowed = parseNumber(amountText);
    if (allowed === undefined) {
      const hint = /^[+-]?\d*,\d+%?$/.test(amountText) ? `uses a decimal comma; write '${amountText.replace(',', '.')}'` : `does not end with the allowed drop; write e.g. '${bare ? 'accuracy' : metric} 0.02' or '* 0.01'`;
      fail(hint);
    }
    if (allowed! < 0) fail('allows a negative drop; give the largest allowed drop as a positive number');
    if (rules.some((r) => r.metric === metric)) fail(`repeats the rule for '${metric}'; give each metric one rule`);
    rules.push({ metric, allowed: allowed!, relative: amountText.endsWith('%'), line, text: part });
  }
  return rules;
}

/** The comparison as Python evaluates it on floats (NaN compares false, except `!=`). */
export function compare(actual: number, op: ComparisonOp, expected: number): boolean {
  switch (op) {
    case '>=': return actual >= expected;
    case '>': return actual > expected;
    case '<=': return actual <= expected;
    case '<': return actual < expected;
    case '==': return actual === expected;
    case '!=': return actual !== expected;
  }
}
