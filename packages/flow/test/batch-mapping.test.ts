import { describe, expect, test } from '@jest/globals';
import { UserError } from '@llmops/common';
import type { FlowInputDef } from '../src/dag/model.js';
import { parseColumnMapping, parseConnectionOverrides, parseEnvironmentVariables, resolveBatchInputs, type BatchInputsOptions } from '../src/batch/index.js';

const input = (name: string, extra: Partial<FlowInputDef> = {}): FlowInputDef => ({ name, type: 'string', ...extra });

function userError(fn: () => unknown): UserError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    return error as UserError;
  }
  throw new Error('expected a UserError');
}

const resolve = (options: BatchInputsOptions) => resolveBatchInputs(options).lines;

describe('default mapping and user mapping', () => {
  test('only inputs without a default are mapped to ${data.<name>}; unmapped columns are dropped; line_number comes last', () => {
    const lines = resolve({
      flowInputs: [input('url'), input('mode', { default: 'fast' })],
      data: [{ url: 'u0', mode: 'slow', extra: 1 }, { url: 'u1', mode: 'slow', extra: 2 }]
    });
    expect(lines).toEqual([
      { lineNumber: 0, inputs: { url: 'u0', line_number: 0 } },
      { lineNumber: 1, inputs: { url: 'u1', line_number: 1 } }
    ]);
    expect(Object.keys(lines[0]!.inputs)).toEqual(['url', 'line_number']);
  });

  test('the user mapping overrides the default and may give literals, even dicts; line_number in the mapping is ignored', () => {
    const lines = resolve({
      flowInputs: [input('question'), input('config', { type: 'object' })],
      data: [{ q: 'why?' }],
      columnMapping: { question: '${data.q}', config: { temperature: 0 }, tag: 'plain text', line_number: '${data.q}' }
    });
    expect(lines).toEqual([{ lineNumber: 0, inputs: { question: 'why?', config: { temperature: 0 }, tag: 'plain text', line_number: 0 } }]);
  });

  test('a mapping of only literals is rejected: at least one value must be a ${…} reference', () => {
    const error = userError(() => resolve({ flowInputs: [input('a')], data: [{ a: 1 }], columnMapping: { a: 'x', b: 2 }, mappingFile: 'run.yml' }));
    expect(error.field).toBe('column_mapping');
    expect(error.file).toBe('run.yml');
  });

  test('a dotted reference tries inputs["a"]["b.c"] before inputs["a.b"]["c"]; there is no nested navigation', () => {
    const lines = resolve({
      flowInputs: [],
      data: [{ 'x.y': 'flat', x: { y: 'nested' } }],
      runOutputs: [{ line_number: 0, answer: 'A' }],
      columnMapping: { flat: '${data.x.y}', fromRun: '${run.outputs.answer}' }
    });
    expect(lines[0]!.inputs).toEqual({ flat: 'flat', fromRun: 'A', line_number: 0 });
    const error = userError(() => resolve({ flowInputs: [], data: [{ x: { y: 'nested' } }], columnMapping: { v: '${data.x.y}' } }));
    expect(error.field).toBe('column_mapping.v');
  });
});

describe('the join on line_number', () => {
  const evalInputs = [input('groundtruth'), input('prediction')];

  test('a line missing from the base run outputs is dropped, and the original line numbers are kept', () => {
    const lines = resolve({
      flowInputs: evalInputs,
      data: [{ answer: 'a0' }, { answer: 'a1' }, { answer: 'a2' }, { answer: 'a3' }],
      runOutputs: [{ line_number: 0, category: 'c0' }, { line_number: 2, category: 'c2' }, { line_number: 3, category: 'c3' }],
      columnMapping: { groundtruth: '${data.answer}', prediction: '${run.outputs.category}' }
    });
    expect(lines.map((l) => l.lineNumber)).toEqual([0, 2, 3]);
    expect(lines[1]!.inputs).toEqual({ groundtruth: 'a2', prediction: 'c2', line_number: 2 });
  });

  test('run.inputs (the base run’s data) joins by position with data', () => {
    const lines = resolve({
      flowInputs: [input('url'), input('category')],
      data: [{ answer: 'App' }, { answer: 'Channel' }],
      runInputs: [{ url: 'u0' }, { url: 'u1' }],
      runOutputs: [{ line_number: 1, category: 'Channel' }],
      columnMapping: { url: '${run.inputs.url}', category: '${run.outputs.category}', truth: '${data.answer}' }
    });
    expect(lines).toEqual([{ lineNumber: 1, inputs: { url: 'u1', category: 'Channel', truth: 'Channel', line_number: 1 } }]);
  });

  test('sources without line_number must have the same length', () => {
    const error = userError(() => resolve({ flowInputs: [input('a')], data: [{ a: 1 }, { a: 2 }], runInputs: [{ a: 1 }] }));
    expect(error.code).toBe('InputMappingError');
    expect(error.message).toContain("'data': 2");
    expect(error.message).toContain("'run.inputs': 1");
  });

  test('data that itself carries line_number is keyed by it', () => {
    const lines = resolve({ flowInputs: [input('a')], data: [{ line_number: 5, a: 'x' }, { line_number: 7, a: 'y' }] });
    expect(lines.map((l) => [l.lineNumber, l.inputs.line_number])).toEqual([[5, 5], [7, 7]]);
  });

  test('no complete line at all, an empty source, and no data at all are errors', () => {
    expect(userError(() => resolve({ flowInputs: [], data: [{ a: 1 }], runOutputs: [{ line_number: 4, b: 1 }], columnMapping: { a: '${data.a}' } })).code).toBe('InputMappingError');
    expect(userError(() => resolve({ flowInputs: [], data: [], runOutputs: [{ line_number: 0 }], columnMapping: { a: '${data.a}' } })).message).toContain("'data' is an empty list");
    expect(userError(() => resolve({ flowInputs: [input('a')], data: [], dataFile: 'empty.jsonl' })).code).toBe('EmptyInputsData');
    expect(userError(() => resolve({ flowInputs: [input('a')] })).field).toBe('data');
  });
});

describe('a mapping that references a missing column fails the whole run', () => {
  test('the error names the column, the available columns and column_mapping.<input>', () => {
    const error = userError(() =>
      resolve({ flowInputs: [input('url')], data: [{ link: 'x', text: 't' }], dataFile: 'data/web.jsonl', mappingFile: 'run.yml' })
    );
    expect(error.field).toBe('column_mapping.url');
    expect(error.file).toBe('run.yml');
    expect(error.message).toContain("column 'url'");
    expect(error.message).toContain('data/web.jsonl');
    expect(error.message).toContain('Available columns: link, text');
  });

  test('${run.outputs.x} without a base run says so', () => {
    const error = userError(() => resolve({ flowInputs: [], data: [{ a: 1 }], columnMapping: { p: '${run.outputs.category}' } }));
    expect(error.field).toBe('column_mapping.p');
    expect(error.message).toContain("no 'run.outputs' source");
  });

  test('a missing output column of the base run lists the outputs', () => {
    const error = userError(() =>
      resolve({ flowInputs: [], data: [{ a: 1 }], runOutputs: [{ line_number: 0, category: 'c' }], columnMapping: { p: '${run.outputs.label}' } })
    );
    expect(error.message).toContain('Available columns: line_number, category');
  });
});

describe('parsing mapping text', () => {
  test('key=value lines, with shell-style quotes stripped', () => {
    expect(parseColumnMapping("url='${data.url}'\n# comment\nanswer=${run.outputs.category}\n")).toEqual({ url: '${data.url}', answer: '${run.outputs.category}' });
    expect(parseColumnMapping(['a=${data.x}', 'b=1'])).toEqual({ a: '${data.x}', b: '1' });
  });

  test('YAML or JSON objects, literals kept', () => {
    expect(parseColumnMapping('url: ${data.url}\nconfig: {temperature: 0}')).toEqual({ url: '${data.url}', config: { temperature: 0 } });
    expect(parseColumnMapping('{"url": "${data.url}"}')).toEqual({ url: '${data.url}' });
    expect(parseColumnMapping('   ')).toEqual({});
  });

  test('anything else is a UserError naming the field', () => {
    expect(userError(() => parseColumnMapping('- a\n- b', 'column-mapping')).field).toBe('column-mapping');
    expect(userError(() => parseColumnMapping('url: [unclosed', 'column-mapping')).field).toBe('column-mapping');
  });

  test('connection overrides: node.field=value lines or YAML', () => {
    expect(parseConnectionOverrides('classify.connection=my_aoai\nclassify.deployment_name=gpt-4o\nsummarize.connection=other')).toEqual({
      classify: { connection: 'my_aoai', deployment_name: 'gpt-4o' },
      summarize: { connection: 'other' }
    });
    expect(parseConnectionOverrides('classify:\n  connection: my_aoai')).toEqual({ classify: { connection: 'my_aoai' } });
    expect(userError(() => parseConnectionOverrides('classify=my_aoai')).field).toBe('connections.classify');
  });

  test('environment variables: K=V lines or YAML, values as strings', () => {
    expect(parseEnvironmentVariables('A=1\nB=two words')).toEqual({ A: '1', B: 'two words' });
    expect(parseEnvironmentVariables('PORT: 8080')).toEqual({ PORT: '8080' });
  });
});
