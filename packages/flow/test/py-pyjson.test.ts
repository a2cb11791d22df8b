import { spawnSync } from 'node:child_process';
import { PyFloat, pyRepr, pyStr } from '../src/py/pyvalue.js';
import { PyJsonDecodeError, dumpsPandasRecord, dumpsPandasRecords, dumpsPy, pandasDouble, parsePyJson } from '../src/py/pyjson.js';

/** JSON texts decoded by both sides: json.loads keeps int vs float, so must we. */
const CASES = [
  '0', '-0', '1', '-17', '1.0', '-0.0', '2.5', '0.1', '1e-05', '1E5', '1e16', '1.5e300', '123456789012345678901234567890',
  '9007199254740993', '0.30000000000000004', '3.141592653589793', '100.0', '1e22', '5e-324', 'NaN', 'Infinity', '-Infinity',
  'true', 'false', 'null', '""', '"abc"', '"it\'s"', '"say \\"hi\\""', '"both \' and \\""', '"tab\\tnew\\nline\\r"',
  '"\\u0000\\u001f\\u007f\\u0080\\u00ad"', '"é ü 中文 😀"', '"\\ud83d\\ude00"', '"back\\\\slash /"', '"\\u2028\\u2029"', '"\\u00a0\\u200b\\u3000 x"',
  '[]', '{}', '[1, 2.0, "x", null, true]', '{"a": 1, "b": [1.5, {"c": null}], "d": {}}', '[[], [[]], {"k": []}]',
  '{"inputs": {"question": "What?"}, "outputs": {"answer": "It\'s 42."}}', '{"z": 1, "a": 2, "é": 3, "B": 4}',
  '  {"spaced" :  [ 1 , 2 ] }  ',
];

const PY = `
import json, sys
cases = json.loads(sys.stdin.read())
out = []
for text in cases:
    v = json.loads(text)
    out.append({
        "dumps": json.dumps(v, ensure_ascii=False),
        "ascii": json.dumps(v),
        "indent": json.dumps(v, ensure_ascii=False, indent=2),
        "sorted": json.dumps(v, ensure_ascii=False, sort_keys=True, indent=4),
        "str": str(v),
        "repr": repr(v),
    })
sys.stdout.write(json.dumps(out))
`;

function python(): { dumps: string; ascii: string; indent: string; sorted: string; str: string; repr: string }[] | undefined {
  const r = spawnSync('python3', ['-c', PY], { input: JSON.stringify(CASES), encoding: 'utf8', timeout: 20000 });
  if (r.status !== 0) return undefined;
  return JSON.parse(r.stdout);
}

describe('parsePyJson + dumpsPy against python3 json', () => {
  const expected = python();
  const maybe = expected ? test : test.skip;
  if (!expected) console.warn('python3 not available: differential JSON tests skipped');

  maybe.each(CASES.map((c, i) => [c, i] as const))('%s', (text, i) => {
    const want = expected![i]!;
    const v = parsePyJson(text);
    expect(dumpsPy(v)).toBe(want.dumps);
    expect(dumpsPy(v, { ensureAscii: true })).toBe(want.ascii);
    expect(dumpsPy(v, { indent: 2 })).toBe(want.indent);
    expect(dumpsPy(v, { indent: 4, sortKeys: true })).toBe(want.sorted);
    expect(pyStr(v)).toBe(want.str);
    expect(pyRepr(v)).toBe(want.repr);
  });
});

describe('parsePyJson', () => {
  it('keeps Python number types', () => {
    expect(parsePyJson('1')).toBe(1);
    expect(parsePyJson('1.0')).toEqual(new PyFloat(1));
    expect(parsePyJson('1.5')).toBe(1.5);
    expect(parsePyJson('12345678901234567890')).toBe(12345678901234567890n);
    expect(Number.isNaN((parsePyJson('NaN') as PyFloat).value)).toBe(true);
  });

  it.each([
    ['[1,', 'Expecting value: line 1 column 4 (char 3)'],
    ['{"a" 1}', "Expecting ':' delimiter: line 1 column 6 (char 5)"],
    ['{"a":1,}', 'Expecting property name enclosed in double quotes: line 1 column 8 (char 7)'],
    ['"abc', 'Unterminated string starting at: line 1 column 1 (char 0)'],
    ['[1] x', 'Extra data: line 1 column 5 (char 4)'],
    ['', 'Expecting value: line 1 column 1 (char 0)'],
    ['"\\q"', 'Invalid \\escape: line 1 column 2 (char 1)'],
    ['"a\nb"', 'Invalid control character at: line 1 column 3 (char 2)'],
    ['01', 'Extra data: line 1 column 2 (char 1)'],
    ['[1 2]', "Expecting ',' delimiter: line 1 column 4 (char 3)"],
    ['"\\u12x4"', 'Invalid \\uXXXX escape: line 1 column 3 (char 2)'],
    ['[\n  1,\n  x]', 'Expecting value: line 3 column 3 (char 9)'],
    ['["😀", x]', 'Expecting value: line 1 column 7 (char 6)'],
  ])('reports %j like JSONDecodeError', (text, message) => {
    expect(() => parsePyJson(text)).toThrow(PyJsonDecodeError);
    expect(() => parsePyJson(text)).toThrow(message);
  });

  it('does not let a __proto__ key change the prototype', () => {
    const v = parsePyJson('{"__proto__": {"x": 1}}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect(Object.keys(v)).toEqual(['__proto__']);
  });
});

describe('dumpsPy', () => {
  it('skips undefined dict values and honours toJSON', () => {
    expect(dumpsPy({ a: undefined, b: new Date(0) })).toBe('{"b": "1970-01-01T00:00:00.000Z"}');
    expect(dumpsPy({ line_number: 0, category: 'App', evidence: 'Both' })).toBe('{"line_number": 0, "category": "App", "evidence": "Both"}');
  });
  it('rejects values Python could not serialize', () => {
    expect(() => dumpsPy({ f: () => 1 })).toThrow('Object of type function is not JSON serializable');
  });
});

describe('pandas records', () => {
  // Pinned from pandas' vendored ujson encoder (Buffer_AppendDoubleUnchecked, double_precision=10);
  // pandas is not installed here, so these follow its C source rather than a live run.
  it.each([
    [1 / 3, '0.3333333333'],
    [2 / 3, '0.6666666667'],
    [0.1 + 0.2, '0.3'],
    [1.5, '1.5'],
    [-2.25, '-2.25'],
    [123456.789, '123456.789'],
    [0.99999999999, '1.0'],
    [1e-11, '0.0'],
    [1e-16, '1e-16'],
    [1.2345e20, '1.2345e+20'],
    [NaN, 'null'],
    [Infinity, 'null'],
  ])('formats %p as %s', (n, text) => {
    expect(pandasDouble(n)).toBe(text);
  });

  it('writes a compact line with escaped slashes', () => {
    expect(dumpsPandasRecord({ url: 'https://arxiv.org/abs/2307.04767', line_number: 1 }))
      .toBe('{"url":"https:\\/\\/arxiv.org\\/abs\\/2307.04767","line_number":1}');
    expect(dumpsPandasRecord({ a: new PyFloat(1), b: null, c: 'é\n"', d: [1, { e: 0.5 }], f: true }))
      .toBe('{"a":1.0,"b":null,"c":"é\\n\\"","d":[1,{"e":0.5}],"f":true}');
  });

  it('applies DataFrame column dtypes across records', () => {
    expect(dumpsPandasRecords([{ x: 1, s: 'a' }, { x: 2.5 }, { x: 3, s: 'c', t: true }])).toBe(
      '{"x":1.0,"s":"a","t":null}\n{"x":2.5,"s":null,"t":null}\n{"x":3.0,"s":"c","t":true}\n',
    );
    expect(dumpsPandasRecords([{ n: 1 }, { n: 2 }])).toBe('{"n":1}\n{"n":2}\n');
  });
});
