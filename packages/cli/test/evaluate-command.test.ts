import { beforeAll, describe, expect, test } from '@jest/globals';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLog, UserError } from '@llmops/common';
import { runFlow } from '@llmops/flow';
import { evaluateCommand } from '../src/commands/evaluate.js';
import { captureIO } from './support/capture.js';

// A base run made by the real executor: a Python classifier over three tickets, one failing.
const dir = mkdtempSync(join(tmpdir(), 'llmops-cli-evaluate-'));
const runsDir = join(dir, 'runs');

function file(path: string, text: string): void {
  mkdirSync(join(dir, path, '..'), { recursive: true });
  writeFileSync(join(dir, path), text);
}

beforeAll(async () => {
  file('classifier/flow.dag.yaml', 'inputs:\n  text:\n    type: string\noutputs:\n  category:\n    type: string\n    reference: ${classify.output}\nnodes:\n- name: classify\n  type: python\n  source:\n    type: code\n    path: classify.py\n  inputs:\n    text: ${inputs.text}\n');
  file('classifier/classify.py', 'from promptflow.core import tool\n\n@tool\ndef classify(text: str) -> str:\n    if text == "boom":\n        raise ValueError("cannot classify boom")\n    return text.split()[0]\n');
  file('eval/flow.dag.yaml', 'inputs:\n  groundtruth:\n    type: string\n  prediction:\n    type: string\noutputs:\n  grade:\n    type: string\n    reference: ${grade.output}\nnodes:\n- name: grade\n  type: python\n  source:\n    type: code\n    path: grade.py\n  inputs:\n    groundtruth: ${inputs.groundtruth}\n    prediction: ${inputs.prediction}\n- name: accuracy\n  type: python\n  source:\n    type: code\n    path: accuracy.py\n  inputs:\n    grades: ${grade.output}\n  aggregation: true\n');
  file('eval/grade.py', 'from promptflow import tool\n\n@tool\ndef grade(groundtruth: str, prediction: str) -> str:\n    return "Correct" if groundtruth.lower() == prediction.lower() else "Incorrect"\n');
  file('eval/accuracy.py', 'from promptflow import log_metric, tool\n\n@tool\ndef accuracy(grades: list):\n    log_metric("accuracy", round(grades.count("Correct") / len(grades), 2))\n    return grades\n');
  file('data.jsonl', ['{"text": "bug here", "answer": "bug"}', '{"text": "boom", "answer": "bug"}', '{"text": "feature wanted", "answer": "bug"}'].join('\n') + '\n');
  const base = await runFlow({ flow: join(dir, 'classifier'), data: join(dir, 'data.jsonl'), columnMapping: { text: '${data.text}' }, runsDir, name: 'base', concurrency: 2, log: silentLog });
  expect(base.linesFailed).toBe(1);
}, 60_000);

const capture = captureIO;

describe('llmops evaluate', () => {
  test('built-in metrics: prints the metrics as pf run show-metrics does, writes metrics, details and report', async () => {
    const c = capture();
    const code = await evaluateCommand.run(
      ['--run', 'base', '--runs-dir', runsDir, '--metrics', 'accuracy', 'exact_match', '--prediction', '${run.outputs.category}', '--ground-truth', '${data.answer}'],
      c.io
    );
    expect(code).toBe(0);
    // bug right; boom failed (wrong); feature wrong.
    expect(c.stdout()).toBe(`{\n    "accuracy": 0.3333333333333333,\n    "exact_match": 0.3333333333333333\n}\n`);
    const evaluation = join(runsDir, 'base', 'evaluation');
    expect(JSON.parse(readFileSync(join(evaluation, 'metrics.json'), 'utf8'))).toEqual({ accuracy: 1 / 3, exact_match: 1 / 3 });
    expect(existsSync(join(evaluation, 'metrics.details.json'))).toBe(true);
    expect(readFileSync(join(evaluation, 'report.md'), 'utf8')).toContain('3 lines scored: 1 correct, 1 wrong, 1 failed');
    expect(c.logged('warning')).toEqual([expect.stringContaining("1 line(s) failed in run 'base' and count as wrong: line 1")]);
    expect(c.logged('info')).toContain(`Report: ${join(evaluation, 'report.md')}`);
  });

  test('an evaluation flow and built-ins together, with a baseline and explicit output files', async () => {
    const c = capture();
    const out = join(dir, 'out-both');
    const code = await evaluateCommand.run(
      [
        '--run', join(runsDir, 'base'), '--runs-dir', runsDir, '--flow', join(dir, 'eval'), '--data', join(dir, 'data.jsonl'),
        '--column-mapping', 'groundtruth=${data.answer}', 'prediction=${run.outputs.category}', '--name', 'eval_cli',
        '--metrics', 'f1', '--prediction', '${run.outputs.category}', '--ground-truth', '${data.answer}', '--no-normalize',
        '--baseline', '{"accuracy": 0.25}', '--metrics-file', join(out, 'm.json'), '--report-file', join(out, 'r.md'), '--concurrency', '2'
      ],
      c.io
    );
    expect(code).toBe(0);
    const printed = JSON.parse(c.stdout());
    // The flow graded the 2 lines the join kept: 1 correct.
    expect(printed.accuracy).toBe(0.5);
    // Built-in F1 for "bug" counts the failed line: TP 1, FN 2 (failed, "feature"), FP 0.
    expect(printed['f1.bug']).toBe(0.5);
    expect(JSON.parse(readFileSync(join(out, 'm.json'), 'utf8'))).toEqual(printed);
    expect(existsSync(join(out, 'm.details.json'))).toBe(true);
    expect(existsSync(join(runsDir, 'eval_cli', 'flow_outputs', 'output.jsonl'))).toBe(true);
    const report = readFileSync(join(out, 'r.md'), 'utf8');
    expect(report).toContain('| accuracy | 0.5 | 0.25 | ▲ +0.25 (better) |');
    expect(report).toContain('Evaluation run: eval_cli');
  });

  test('mistakes are UserErrors naming the flag', async () => {
    const c = capture();
    await expect(evaluateCommand.run(['--run', 'base', '--runs-dir', runsDir], c.io)).rejects.toThrow(
      "Nothing to evaluate: give an evaluation flow ('--flow' or '--file') and/or built-in '--metrics'"
    );
    await expect(evaluateCommand.run(['--metrics', 'accuracy', '--prediction', '${run.outputs.category}', '--ground-truth', '${data.answer}', '--runs-dir', runsDir], c.io)).rejects.toThrow(
      "No run to evaluate: give '--run'"
    );
    const missing = evaluateCommand.run(['--run', 'base', '--runs-dir', runsDir, '--metrics', 'accuracy', '--prediction', '${run.outputs.label}', '--ground-truth', '${data.answer}'], c.io);
    await expect(missing).rejects.toThrow(UserError);
    await expect(missing).rejects.toMatchObject({ field: '--prediction', message: expect.stringContaining("no column 'label'; columns: category") });
    await expect(evaluateCommand.run(['--run', 'base', '--metrics', 'acc'], c.io)).rejects.toMatchObject({ field: '--metrics' });
    await expect(evaluateCommand.run(['base'], c.io)).rejects.toThrow("give the run as --run");
  });
});
