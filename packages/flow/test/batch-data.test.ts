import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from '@jest/globals';
import { UserError, type Log } from '@llmops/common';
import { loadData, readJsonlSync } from '../src/batch/index.js';
import { isPyFloat, PyFloat, pyStr } from '../src/py/pyvalue.js';

const root = mkdtempSync(join(tmpdir(), 'batch-data-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let counter = 0;
function file(name: string, content: string | Buffer): string {
  const dir = join(root, `case${++counter}`);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

async function userError(promise: Promise<unknown>): Promise<UserError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    return error as UserError;
  }
  throw new Error('expected a UserError');
}

function recordingLog(): Log & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, debug: () => {}, info: () => {}, warning: (m) => warnings.push(m), error: () => {}, setSecret: () => {} };
}

describe('jsonl', () => {
  test('rows keep JSON types; floats stay Python floats; blank lines are skipped', async () => {
    const rows = await loadData(file('d.jsonl', '{"q": "a", "n": 1, "f": 1.0, "g": 0.5, "o": {"k": [1, 2]}, "z": null}\n\n{"q": "b", "n": 2, "f": 2.5, "g": 1e2, "o": {}, "z": true}\n'));
    expect(rows).toHaveLength(2);
    expect(rows[0]!.q).toBe('a');
    expect(rows[0]!.n).toBe(1);
    expect(isPyFloat(rows[0]!.f)).toBe(true);
    expect(pyStr(rows[0]!.f)).toBe('1.0');
    expect(rows[0]!.g).toBe(0.5);
    expect(pyStr(rows[1]!.g)).toBe('100.0');
    expect(rows[0]!.o).toEqual({ k: [1, 2] });
    expect(rows[0]!.z).toBeNull();
  });

  test("pandas' missing-key quirk: a key absent from some rows becomes NaN there, columns in first-seen order", async () => {
    const rows = await loadData(file('d.jsonl', '{"a": "x"}\n{"b": "y", "a": "z"}\n'));
    expect(Object.keys(rows[0]!)).toEqual(['a', 'b']);
    expect(Object.keys(rows[1]!)).toEqual(['a', 'b']);
    expect(rows[0]!.b).toBeInstanceOf(PyFloat);
    expect(pyStr(rows[0]!.b)).toBe('nan');
    expect(rows[1]).toEqual({ a: 'z', b: 'y' });
  });

  test('a UTF-8 BOM and CRLF line ends are accepted; UTF-16 too', async () => {
    const rows = await loadData(file('d.jsonl', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a": "é"}\r\n{"a": "b"}\r\n')])));
    expect(rows).toEqual([{ a: 'é' }, { a: 'b' }]);
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('{"a": "ü"}\n', 'utf16le')]);
    expect(await loadData(file('e.jsonl', utf16))).toEqual([{ a: 'ü' }]);
  });

  test('an invalid line is a UserError naming the file and the line', async () => {
    const path = file('bad.jsonl', '{"a": 1}\n{"a": 2}\n{"a": \n');
    const error = await userError(loadData(path));
    expect(error.file).toBe(path);
    expect(error.line).toBe(3);
    expect(error.message).toContain('line 3');
    const notObject = await userError(loadData(file('arr.jsonl', '{"a": 1}\n[1, 2]\n')));
    expect(notObject.line).toBe(2);
  });

  test('a missing file is a UserError naming it', async () => {
    const error = await userError(loadData(join(root, 'nope.jsonl')));
    expect(error.message).toContain('nope.jsonl');
    expect(error.field).toBe('data');
  });

  test('an empty file has no rows', async () => {
    expect(await loadData(file('empty.jsonl', ''))).toEqual([]);
  });

  test('a large file is read line by line', async () => {
    const lines = Array.from({ length: 5000 }, (_, i) => JSON.stringify({ i, text: `row ${i}` })).join('\n');
    const rows = await loadData(file('big.jsonl', lines));
    expect(rows).toHaveLength(5000);
    expect(rows[4999]).toEqual({ i: 4999, text: "row 4999" });
  });

  test('readJsonlSync applies the same quirk (used for a run’s outputs)', () => {
    const rows = readJsonlSync(file('o.jsonl', '{"line_number": 0, "a": 1}\n{"line_number": 2}\n'));
    expect(pyStr(rows[1]!.a)).toBe('nan');
  });
});

describe('json', () => {
  test('a list of objects', async () => {
    expect(await loadData(file('d.json', '[{"a": 1}, {"a": 2, "b": "x"}]'))).toEqual([{ a: 1, b: expect.any(PyFloat) }, { a: 2, b: 'x' }]);
  });
  test('one object of scalars is one row', async () => {
    expect(await loadData(file('d.json', '{"question": "q", "n": 3}'))).toEqual([{ question: 'q', n: 3 }]);
  });
  test("one object of column lists (pandas' default orient)", async () => {
    expect(await loadData(file('d.json', '{"a": [1, 2], "b": ["x", "y"]}'))).toEqual([{ a: 1, b: 'x' }, { a: 2, b: 'y' }]);
  });
  test('invalid JSON is a UserError naming the file', async () => {
    const path = file('d.json', '[{"a": 1},');
    expect((await userError(loadData(path))).file).toBe(path);
  });
});

describe('csv and tsv', () => {
  test('every cell is a string; empty stays ""; RFC 4180 quoting with commas, quotes and newlines', async () => {
    const csv = 'name,age,notes\r\n"Smith, J",42,"He said ""hi""\nand left"\r\nDoe,,\r\n\r\nRoe,7,"x"\r\n';
    const rows = await loadData(file('d.csv', csv));
    expect(rows).toEqual([
      { name: 'Smith, J', age: '42', notes: 'He said "hi"\nand left' },
      { name: 'Doe', age: '', notes: '' },
      { name: 'Roe', age: '7', notes: 'x' }
    ]);
  });

  test('a short row gets NaN for its missing cells; duplicate and empty headers are renamed as pandas does', async () => {
    const rows = await loadData(file('d.csv', 'a,a,\n1,2,3\n4\n'));
    expect(Object.keys(rows[0]!)).toEqual(['a', 'a.1', 'Unnamed: 2']);
    expect(rows[1]!.a).toBe('4');
    expect(pyStr(rows[1]!['a.1'])).toBe('nan');
  });

  test('a row with too many fields names its line; an unclosed quote too', async () => {
    const error = await userError(loadData(file('d.csv', 'a,b\n1,2\n1,2,3\n')));
    expect(error.line).toBe(3);
    const unclosed = await userError(loadData(file('e.csv', 'a,b\n1,"oops\n2,3\n')));
    expect(unclosed.line).toBe(2);
  });

  test('tsv uses tabs', async () => {
    expect(await loadData(file('d.tsv', 'q\ta\nwhat?\t"4\t2"\n'))).toEqual([{ q: 'what?', a: '4\t2' }]);
  });

  test('a UTF-8 BOM does not become part of the first header', async () => {
    const rows = await loadData(file('d.csv', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('url\nhttp://x\n')])));
    expect(rows).toEqual([{ url: 'http://x' }]);
  });
});

describe('directories and other extensions', () => {
  test('breadth first, files sorted by name within a level, concatenated', async () => {
    const dir = join(root, 'tree');
    mkdirSync(join(dir, 'a-sub', 'deeper'), { recursive: true });
    writeFileSync(join(dir, 'b.jsonl'), '{"v": "b"}\n');
    writeFileSync(join(dir, 'a.csv'), 'v\na\n');
    writeFileSync(join(dir, 'a-sub', 'c.jsonl'), '{"v": "c"}\n');
    writeFileSync(join(dir, 'a-sub', 'deeper', 'd.jsonl'), '{"v": "d"}\n');
    writeFileSync(join(dir, 'z.jsonl'), '{"v": "z"}\n');
    const rows = await loadData(dir);
    expect(rows.map((r) => r.v)).toEqual(['a', 'b', 'z', 'c', 'd']);
  });

  test('an unknown extension is tried as jsonl, and skipped with a warning when it is not', async () => {
    const dir = join(root, 'mixed');
    mkdirSync(dir);
    writeFileSync(join(dir, 'data.txt'), '{"v": 1}\n');
    writeFileSync(join(dir, 'README.md'), '# not data\n');
    const log = recordingLog();
    expect(await loadData(dir, { log })).toEqual([{ v: 1 }]);
    expect(log.warnings).toEqual(['File README.md is not supported format: csv, tsv, json, jsonl, parquet. Ignoring it.']);
  });
});
