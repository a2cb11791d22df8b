import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { UserError } from '@llmops/common';
import { PyFloat } from '@llmops/flow';
import { loadMetrics, mergeMetrics, metricsOutputJson, pyFloatOfString, stringifyMetrics, writeMetrics } from '../src/index.js';
import { parsePyJson } from '@llmops/flow';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'llmops-metrics-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function userError(promise: Promise<unknown>): Promise<UserError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    return error as UserError;
  }
  throw new Error('expected a UserError');
}

describe('loadMetrics', () => {
  test('inline JSON', async () => {
    expect(await loadMetrics(' {"accuracy": 0.75} ', { field: 'metrics', cwd: dir })).toEqual({ metrics: { accuracy: 0.75 }, origin: 'inline JSON', ignored: [] });
  });

  test('`pf run show-metrics` output with log lines around it, Python NaN', async () => {
    await writeFile(join(dir, 'eval_result.json'), 'WARNING: something noisy\n{\n    "accuracy": 0.67,\n    "gpt_score": NaN\n}\nRun finished\n');
    const loaded = await loadMetrics('eval_result.json', { field: 'metrics', cwd: dir });
    expect(loaded.origin).toBe('eval_result.json');
    expect(loaded.metrics.accuracy).toBe(0.67);
    expect(loaded.metrics.gpt_score).toBeNaN();
  });

  test('the old result.json: numeric strings kept as float() would, other values ignored, nested flattened', async () => {
    await writeFile(join(dir, 'result.json'), JSON.stringify({ accuracy: '0.7', run: 'abc', ok: true, n: null, per_class: { cat: 0.5, dog: { f1: '1_000' } }, list: [1] }));
    expect(await loadMetrics('result.json', { field: 'metrics', cwd: dir })).toEqual({
      metrics: { accuracy: 0.7, 'per_class.cat': 0.5, 'per_class.dog.f1': 1000 },
      origin: 'result.json',
      ignored: ['run', 'ok', 'n', 'list']
    });
  });

  test('a run directory, by path or by name under the runs dir', async () => {
    await mkdir(join(dir, 'runs', 'eval_1'), { recursive: true });
    await writeFile(join(dir, 'runs', 'eval_1', 'metrics.json'), '{"accuracy": 1.0}');
    expect((await loadMetrics('runs/eval_1', { field: 'baseline', cwd: dir })).metrics).toEqual({ accuracy: 1 });
    const byName = await loadMetrics('eval_1', { field: 'baseline', cwd: dir, runsDir: 'runs' });
    expect(byName).toEqual({ metrics: { accuracy: 1 }, origin: join('runs', 'eval_1', 'metrics.json'), ignored: [] });
  });

  test('errors name the field and file', async () => {
    let e = await userError(loadMetrics('{"accuracy": 0.7,}', { field: 'metrics', cwd: dir }));
    expect(e.message).toMatch(/^'metrics' is not valid JSON: Expecting property name enclosed in double quotes: line 1 column 18 \(char 17\)$/);
    expect(e.field).toBe('metrics');
    e = await userError(loadMetrics('nope.json', { field: 'baseline', cwd: dir }));
    expect(e.message).toBe("'baseline' is neither JSON nor an existing file or run directory: 'nope.json'");
    await writeFile(join(dir, 'list.json'), '[0.5]');
    e = await userError(loadMetrics('list.json', { field: 'metrics', cwd: dir }));
    expect([e.message, e.file]).toEqual(['\'list.json\' must be a JSON object of metrics like {"accuracy": 0.9}', 'list.json']);
    await mkdir(join(dir, 'empty-run'));
    e = await userError(loadMetrics('empty-run', { field: 'baseline', cwd: dir }));
    expect(e.message).toBe("run directory 'empty-run' has no metrics.json; is it a run directory?");
    e = await userError(loadMetrics('  ', { field: 'metrics', cwd: dir }));
    expect(e.message).toBe("'metrics' is empty; give metrics as JSON, a metrics file, or a run directory");
  });

  test('a key named __proto__ stays a key', async () => {
    const { metrics } = await loadMetrics('{"__proto__": 1, "a": 2}', { field: 'metrics' });
    expect(Object.keys(metrics)).toEqual(['__proto__', 'a']);
    expect(Object.getPrototypeOf(metrics)).toBe(Object.prototype);
  });
});

describe('writing', () => {
  test('writeMetrics writes what `pf run show-metrics` prints, and reads back', async () => {
    const file = join(dir, 'out', 'metrics.json');
    await writeMetrics(file, { accuracy: 0.75, 'f1.App': 1, odd: NaN });
    expect(await readFile(file, 'utf8')).toBe('{\n    "accuracy": 0.75,\n    "f1.App": 1,\n    "odd": NaN\n}\n');
    const back = await loadMetrics(file, { field: 'metrics', cwd: dir });
    expect(back.metrics.accuracy).toBe(0.75);
    expect(back.metrics.odd).toBeNaN();
    expect(stringifyMetrics({})).toBe('{}');
    expect(metricsOutputJson({ a: 0.5, b: NaN })).toBe('{"a":0.5,"b":null}');
  });

  test('mergeMetrics: later wins, conflicts reported', () => {
    expect(mergeMetrics({ accuracy: 0.7, x: 1 }, { accuracy: 0.6, x: 1, f1_macro: 0.5 })).toEqual({ metrics: { accuracy: 0.6, x: 1, f1_macro: 0.5 }, conflicts: ['accuracy'] });
  });
});

describe('pyjson and float()', () => {
  test('floats stay floats, NaN/Infinity accepted, big ints exact', () => {
    const v = parsePyJson('{"a": 1.0, "b": 2, "c": -Infinity, "d": 12345678901234567890, "e": "x\\u00e9\\n", "f": [1e2]}') as Record<string, unknown>;
    expect(v.a).toEqual(new PyFloat(1));
    expect(v.b).toBe(2);
    expect((v.c as PyFloat).value).toBe(-Infinity);
    expect(v.d).toBe(12345678901234567890n);
    expect(v.e).toBe('xé\n');
    expect(v.f).toEqual([new PyFloat(100)]);
    expect(() => parsePyJson('{"a": 1} x')).toThrow('Extra data: line 1 column 10 (char 9)');
  });

  test.each([
    ['0.7', 0.7], [' 1e-3 ', 0.001], ['-inf', -Infinity], ['1_000.5', 1000.5], ['.5', 0.5], ['5.', 5],
    ['ninety', undefined], ['', undefined], ['1__0', undefined], ['0x10', undefined], ['1,5', undefined]
  ])('float(%j)', (text, expected) => {
    expect(pyFloatOfString(text)).toBe(expected);
  });
});
