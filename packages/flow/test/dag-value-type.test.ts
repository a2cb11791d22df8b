import { execFileSync } from 'node:child_process';
import { describe, expect, test } from '@jest/globals';
import { coerceFlowInputs, LineError, parseValueType, ValueTypeError, type FlowInputDef, type ValueTypeName } from '../src/dag/index.js';
import { parsePyJson } from '../src/py/pyjson.js';
import { isPlainObject, isPyFloat, pyFloat, pyRepr } from '../src/py/pyvalue.js';

/** Values as JSON text, read the same way on both sides (Python json.loads / parsePyJson). */
const VALUES = [
  '"3"', '" 3 "', '"-7"', '"+5"', '"3.0"', '"3.9"', '"1_000"', '"1__0"', '"abc"', '""', '"1e3"', '".5"', '"5."', '"inf"',
  '"-Infinity"', '"nan"', '"  2.5\\n"', '"0x10"', '"1e1_0"', '"-0"', '"007"', '"True"', '"FALSE"', '"yes"',
  '3', '3.9', '-3.9', '-0.5', '3.0', '1e20', '12345678901234567890', 'NaN', 'Infinity', 'true', 'false', 'null', '1', '0',
  '[1, 2]', '{"a": 1, "b": [1.0, "x"]}', '"[1, 2.0, \\"x\\"]"', '"[1,"', '"{\\"a\\": 1}"', '"not json"', '"{\\"a\\": 1,}"', '"42"'
];
const TYPES: ValueTypeName[] = ['int', 'double', 'bool', 'string', 'list', 'object'];

const PYTHON = `
import json, sys
def parse(t, v):
    if t == 'int': return int(v)
    if t == 'double': return float(v)
    if t == 'bool':
        if isinstance(v, bool): return v
        if isinstance(v, str) and v.lower() in {'true', 'false'}: return v.lower() == 'true'
        raise ValueError(f"Invalid boolean value {v!r}")
    if t == 'string': return str(v)
    if t == 'list':
        if isinstance(v, str): v = json.loads(v)
        if not isinstance(v, list): raise ValueError(f"Invalid list value {v!r}")
        return v
    if t == 'object':
        if isinstance(v, str):
            try: return json.loads(v)
            except Exception: pass
    return v
out = []
for t, text in json.load(sys.stdin):
    try:
        r = parse(t, json.loads(text))
        out.append(['ok', type(r).__name__, repr(r)])
    except Exception as e:
        out.append(['error', type(e).__name__, str(e)])
print(json.dumps(out))
`;

function pyTypeName(value: unknown): string {
  if (value === null) return 'NoneType';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'bigint') return 'int';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  if (isPyFloat(value)) return 'float';
  if (typeof value === 'string') return 'str';
  if (Array.isArray(value)) return 'list';
  if (isPlainObject(value)) return 'dict';
  return typeof value;
}

describe('parseValueType = ValueType.parse, cross-checked against python3', () => {
  const pairs = TYPES.flatMap((type) => VALUES.map((text) => [type, text] as [ValueTypeName, string]));
  const expected = JSON.parse(
    execFileSync('python3', ['-c', PYTHON], { input: JSON.stringify(pairs), encoding: 'utf8', timeout: 20000 })
  ) as Array<[string, string, string]>;

  test.each(pairs.map(([type, text], i) => [type, text, expected[i]!] as const))('%s(%s)', (type, text, [status, pyType, pyText]) => {
    let actual: [string, string, string];
    try {
      const result = parseValueType(type, parsePyJson(text));
      actual = ['ok', pyTypeName(result), pyRepr(result)];
    } catch (error) {
      if (!(error instanceof ValueTypeError)) throw error;
      actual = ['error', error.pythonType, error.message];
    }
    expect(actual).toEqual([status, pyType, pyText]);
  });

  test('image values are kept as they are', () => {
    const image = { 'data:image/png;path': 'a.png' };
    expect(parseValueType('image', image)).toBe(image);
  });
});

describe('coerceFlowInputs (one line)', () => {
  const inputs: FlowInputDef[] = [
    { name: 'question', type: 'string' },
    { name: 'k', type: 'int', default: '3' },
    { name: 'ratio', type: 'double', default: 1 },
    { name: 'history', type: 'list', default: [] },
    { name: 'flag', type: 'bool' }
  ];
  const flow = { inputs };

  test('fills non-null defaults for absent keys, converts, keeps undeclared keys in order', () => {
    const result = coerceFlowInputs(flow, { extra: 'kept', question: 5, flag: 'TRUE' });
    expect(Object.keys(result)).toEqual(['extra', 'question', 'flag', 'k', 'ratio', 'history']);
    expect(result).toMatchObject({ extra: 'kept', question: '5', flag: true, k: 3, history: [] });
    expect(result.ratio).toEqual(pyFloat(1));
    expect(pyRepr(result.ratio)).toBe('1.0');
  });

  test('an explicit null is converted, not replaced by the default', () => {
    expect(coerceFlowInputs(flow, { question: null, flag: false, k: 2 }).question).toBe('None');
  });

  test('a missing input fails the line with InputNotFound', () => {
    const error = (() => {
      try {
        coerceFlowInputs(flow, { question: 'q' }, 4);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(LineError);
    expect(error).toMatchObject({
      code: 'InputNotFound',
      codes: ['UserError', 'ValidationError', 'InvalidFlowRequest', 'InputNotFound'],
      message:
        "The input for flow is incorrect. The value for flow input 'flag' is not provided in line 4 of input data. " +
        "Please review your input data or remove this input in your flow if it's no longer needed.",
      messageParameters: { input_name: 'flag', line_info: 'in line 4 of input data' }
    });
    // Declared order decides which missing input is reported first.
    expect(() => coerceFlowInputs(flow, {})).toThrow("The value for flow input 'question' is not provided in input data.");
  });

  test('a bad value fails the line with InputTypeError', () => {
    expect(() => coerceFlowInputs(flow, { question: 'q', flag: 'yes' }, 0)).toThrow(
      "The input for flow is incorrect. The value for flow input 'flag' in line 0 of input data does not match the expected type 'bool'. " +
        'Please change flow input type or adjust the input value in your input data.'
    );
  });

  test('an unparsable JSON list fails the line with InputParseError and the JSON error', () => {
    try {
      coerceFlowInputs(flow, { question: 'q', flag: true, history: '[1,' });
      throw new Error('expected a failure');
    } catch (error) {
      expect(error).toBeInstanceOf(LineError);
      expect((error as LineError).code).toBe('InputParseError');
      expect((error as LineError).message).toBe(
        "Failed to parse the flow input. The value for flow input 'history' was interpreted as JSON string since its type is 'list'. " +
          "However, the value '[1,' is invalid for JSON parsing. Error details: (JSONDecodeError) Expecting value: line 1 column 4 (char 3). " +
          'Please make sure your inputs are properly formatted.'
      );
    }
  });
});
