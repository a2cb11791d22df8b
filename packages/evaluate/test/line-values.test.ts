import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { UserError } from '@llmops/common';
import { computeBuiltinMetrics, detailsFileFor, loadDataRows, parseValueReference, resolveLineValues, scoreRunWithBuiltins, writeEvaluationDetails } from '../src/index.js';
import { readFile } from 'node:fs/promises';

let root: string;
const run = () => join(root, 'runs', 'web_1');

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'llmops-lines-'));
  await mkdir(join(run(), 'flow_outputs'), { recursive: true });
  await mkdir(join(run(), 'flow_artifacts'), { recursive: true });
  await mkdir(join(root, 'data'));
  // The data has the ground truth; one answer has stray spaces and case.
  await writeFile(join(root, 'data', 'data.jsonl'), [
    { url: 'https://a', answer: 'App' },
    { url: 'https://b', answer: 'Academic' },
    { url: 'https://c', answer: ' channel ' },
    { url: 'https://d', answer: 'Profile' }
  ].map((r) => JSON.stringify(r)).join('\n') + '\n');
  await writeFile(join(run(), 'run.json'), JSON.stringify({ name: 'web_1', status: 'Completed', data: 'data/data.jsonl', properties: {}, lines: { total: 4, completed: 3, failed: 1 } }));
  await writeFile(join(run(), 'inputs.jsonl'), [0, 1, 2, 3].map((n) => `{"url":"https:\\/\\/${'abcd'[n]}","line_number":${n}}`).join('\n') + '\n');
  // Line 1 failed; the last record is torn (a run killed mid-write).
  await writeFile(join(run(), 'flow_outputs', 'output.jsonl'),
    '{"line_number": 0, "category": "App", "evidence": "Both"}\n{"line_number": 2, "category": "Channel", "evidence": "Url"}\n{"line_number": 3, "category": "App", "evidence": "Url"}\n{"line_numb');
  await writeFile(join(run(), 'flow_artifacts', '000000000_000000003.jsonl'), [
    { line_number: 0, run_info: { status: 'Completed', error: null } },
    { line_number: 1, run_info: { status: 'Failed', error: { message: 'Connection timed out' } } }
  ].map((r) => JSON.stringify(r)).join('\n'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function userError(promise: Promise<unknown>): Promise<UserError> {
  try { await promise; } catch (error) { expect(error).toBeInstanceOf(UserError); return error as UserError; }
  throw new Error('expected a UserError');
}

describe('resolveLineValues', () => {
  test('joins outputs, inputs and data on line_number; failed lines have no prediction', async () => {
    const resolved = await resolveLineValues({ runDir: 'runs/web_1', prediction: '${run.outputs.category}', groundTruth: '${data.answer}', cwd: root });
    expect(resolved.runName).toBe('web_1');
    expect(resolved.failedLines).toEqual([1]);
    expect(resolved.skippedRecords).toBe(1);
    expect(resolved.unmatchedLines).toEqual([]);
    expect(resolved.lines).toEqual([
      { lineNumber: 0, prediction: 'App', truth: 'App', inputs: { url: 'https://a' } },
      { lineNumber: 1, prediction: undefined, truth: 'Academic', failed: true, error: 'Connection timed out', inputs: { url: 'https://b' } },
      { lineNumber: 2, prediction: 'Channel', truth: ' channel ', inputs: { url: 'https://c' } },
      { lineNumber: 3, prediction: 'App', truth: 'Profile', inputs: { url: 'https://d' } }
    ]);
    const scored = computeBuiltinMetrics({ predictions: resolved.lines, metrics: ['accuracy'], normalize: true });
    expect(scored.flat.accuracy).toBe(0.5);
  });

  test('${run.inputs.x} reads the line inputs; another data file can hold the truth', async () => {
    await writeFile(join(root, 'data', 'truth.csv'), 'answer,note\n"App","a, quoted ""note"""\nAcademic,\nChannel,x\nProfile,y\n');
    const resolved = await resolveLineValues({ runDir: run(), prediction: '${run.inputs.url}', groundTruth: '${data.note}', dataFile: 'data/truth.csv', cwd: root });
    expect(resolved.lines.map((l) => [l.prediction, l.truth])).toEqual([['https://a', 'a, quoted "note"'], [undefined, ''], ['https://c', 'x'], ['https://d', 'y']]);
  });

  test('a missing column lists the columns that exist', async () => {
    let e = await userError(resolveLineValues({ runDir: run(), prediction: '${run.outputs.label}', groundTruth: '${data.answer}', cwd: root }));
    expect([e.message, e.field]).toEqual(["'${run.outputs.label}': the run's outputs have no column 'label'; columns: category, evidence", 'prediction']);
    e = await userError(resolveLineValues({ runDir: run(), prediction: '${run.outputs.category}', groundTruth: '${data.truth}', cwd: root, fields: { groundTruth: 'ground-truth' } }));
    expect([e.message, e.field]).toEqual(["'${data.truth}': data file 'data/data.jsonl' has no column 'truth'; columns: url, answer", 'ground-truth']);
  });

  test('data matched by position must have one row per line; rows keyed by line_number may leave lines out', async () => {
    await writeFile(join(root, 'data', 'short.csv'), 'answer\nApp\n');
    const e = await userError(resolveLineValues({ runDir: run(), prediction: '${run.outputs.category}', groundTruth: '${data.answer}', dataFile: 'data/short.csv', cwd: root }));
    expect([e.message, e.code]).toEqual(["data file 'data/short.csv' has 1 row but the run has 4 lines; give the data file the run was made from", 'InputMappingError']);
    await writeFile(join(root, 'data', 'keyed.jsonl'), '{"line_number": 0, "answer": "App"}\n{"line_number": 3, "answer": "App"}\n');
    const resolved = await resolveLineValues({ runDir: run(), prediction: '${run.outputs.category}', groundTruth: '${data.answer}', dataFile: 'data/keyed.jsonl', cwd: root });
    expect(resolved.lines.map((l) => [l.lineNumber, l.truth])).toEqual([[0, 'App'], [3, 'App']]);
    expect(resolved.unmatchedLines).toEqual([1, 2]);
  });

  test('bad references and non-runs are UserErrors', async () => {
    expect(() => parseValueReference('category', 'prediction')).toThrow("'category' is not a reference; write ${run.outputs.<column>}, ${run.inputs.<column>} or ${data.<column>}, e.g. ${run.outputs.category}");
    expect(parseValueReference(' ${data.a.b} ', 'x')).toEqual({ source: 'data', column: 'a.b', text: '${data.a.b}' });
    const e = await userError(resolveLineValues({ runDir: 'data', prediction: '${run.outputs.category}', groundTruth: '${data.answer}', cwd: root }));
    expect(e.message).toBe("'data' is not a run directory: it has no flow_outputs/output.jsonl, inputs.jsonl or run.json");
  });

  test('a run whose lines all failed scores every line as failed', async () => {
    const dir = join(root, 'runs', 'all_failed');
    await mkdir(join(dir, 'flow_outputs'), { recursive: true });
    await writeFile(join(dir, 'flow_outputs', 'output.jsonl'), '');
    await writeFile(join(dir, 'run.json'), JSON.stringify({ name: 'all_failed', data: join(root, 'data', 'data.jsonl'), lines: { total: 4, completed: 0, failed: 4 } }));
    const resolved = await resolveLineValues({ runDir: dir, prediction: '${run.outputs.category}', groundTruth: '${data.answer}' });
    expect(resolved.failedLines).toEqual([0, 1, 2, 3]);
    expect(resolved.lines[0]).toEqual({ lineNumber: 0, prediction: undefined, truth: 'App', failed: true, error: 'no output for this line', inputs: { url: 'https://a', answer: 'App' } });
  });
});

describe('scoreRunWithBuiltins', () => {
  test('scores a run directory and writes the details next to the metrics file', async () => {
    const scored = await scoreRunWithBuiltins({ runDir: run(), prediction: '${run.outputs.category}', groundTruth: '${data.answer}', metrics: ['accuracy', 'confusion_matrix'], cwd: root });
    expect(scored.flat).toEqual({ accuracy: 0.5 });
    expect([scored.runName, scored.failedLines, scored.unmatchedLines, scored.skippedRecords]).toEqual(['web_1', [1], [], 1]);
    const strict = await scoreRunWithBuiltins({ runDir: run(), prediction: '${run.outputs.category}', groundTruth: '${data.answer}', metrics: ['accuracy'], normalize: false, cwd: root });
    expect(strict.flat).toEqual({ accuracy: 0.25 });

    const file = detailsFileFor(join(root, 'out', 'metrics.json'));
    expect(file).toBe(join(root, 'out', 'metrics.details.json'));
    await writeEvaluationDetails(file, scored.details);
    const written = JSON.parse(await readFile(file, 'utf8'));
    expect(written.confusionMatrix).toEqual({ labels: ['academic', 'app', 'channel', 'profile'], columns: ['academic', 'app', 'channel', 'profile', '(failed)'], matrix: [[0, 0, 0, 0, 1], [0, 1, 0, 0, 0], [0, 0, 1, 0, 0], [0, 1, 0, 0, 0]] });
    expect(written.lines[1]).toEqual({ lineNumber: 1, prediction: null, truth: 'Academic', predictedLabel: '(failed)', trueLabel: 'academic', correct: false, failed: true, error: 'Connection timed out', inputs: { url: 'https://b' } });
  });
});

describe('loadDataRows', () => {
  test('json array, tsv, and errors naming the line', async () => {
    await writeFile(join(root, 'd.json'), '[{"a": 1}]');
    expect(await loadDataRows(join(root, 'd.json'))).toEqual([{ a: 1 }]);
    await writeFile(join(root, 'd.tsv'), 'a\tb\r\n1\t2\r\n');
    expect(await loadDataRows(join(root, 'd.tsv'))).toEqual([{ a: '1', b: '2' }]);
    await writeFile(join(root, 'bad.jsonl'), '{"a": 1}\n{"a": \n');
    const e = await userError(loadDataRows(join(root, 'bad.jsonl')));
    expect([e.line, e.file]).toEqual([2, join(root, 'bad.jsonl')]);
    expect(e.message).toMatch(/line 2/);
  });
});
