import { afterEach, describe, expect, test } from '@jest/globals';
import { join } from 'node:path';
import { UserError } from '@llmops/common';
import { getBoolean, getChoice, getKeyValues, getMultiline, getNumber, getObject, getPath, getString } from '../src/inputs.js';
import { EnvScope } from './support/env.js';

const env = new EnvScope();
afterEach(() => env.restore());

function input(name: string, value: string | undefined) {
  env.set({ [`INPUT_${name.toUpperCase()}`]: value });
}

function userError(fn: () => unknown): UserError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    return error as UserError;
  }
  throw new Error('expected a UserError');
}

describe('getString', () => {
  test('reads INPUT_<NAME> with hyphens kept, trimmed', () => {
    input('report-file', '  out.md \n');
    expect(getString('report-file')).toBe('out.md');
  });
  test('default and required', () => {
    input('x', undefined);
    expect(getString('x', { default: 'd' })).toBe('d');
    expect(getString('x')).toBeUndefined();
    const error = userError(() => getString('x', { required: true }));
    expect(error.field).toBe('x');
    expect(error.message).toContain("Input 'x' is required");
  });
});

describe('getBoolean', () => {
  test.each([
    ['true', true], ['True', true], ['YES', true], ['1', true],
    ['false', false], ['no', false], ['0', false], ['FALSE', false]
  ])('%s → %s', (text, expected) => {
    input('fail', text);
    expect(getBoolean('fail')).toBe(expected);
  });
  test('empty uses the default', () => {
    input('fail', undefined);
    expect(getBoolean('fail', { default: true })).toBe(true);
  });
  test('anything else names the input and the accepted words', () => {
    input('fail', 'maybe');
    const error = userError(() => getBoolean('fail'));
    expect(error.field).toBe('fail');
    expect(error.message).toBe("Input 'fail' must be true or false (also accepted: yes/no, 1/0), got 'maybe'");
  });
});

describe('getNumber', () => {
  test('parses decimals within bounds', () => {
    input('concurrency', '8');
    expect(getNumber('concurrency', { integer: true, min: 1, max: 64 })).toBe(8);
    input('rate', '0.25');
    expect(getNumber('rate', { min: 0, max: 1 })).toBe(0.25);
  });
  test.each(['abc', '0x10', '1.5', '0', '65', ''])('rejects %p for an integer 1..64', (text) => {
    input('concurrency', text);
    if (text === '') {
      expect(getNumber('concurrency', { integer: true, min: 1, max: 64 })).toBeUndefined();
      return;
    }
    const error = userError(() => getNumber('concurrency', { integer: true, min: 1, max: 64 }));
    expect(error.field).toBe('concurrency');
    expect(error.message).toContain('must be an integer between 1 and 64');
  });
});

test('getPath resolves relative to GITHUB_WORKSPACE', () => {
  env.set({ GITHUB_WORKSPACE: '/ws' });
  input('metrics', 'out/metrics.json');
  expect(getPath('metrics')).toBe(join('/ws', 'out/metrics.json'));
  input('metrics', '/abs/m.json');
  expect(getPath('metrics')).toBe('/abs/m.json');
});

test('getMultiline drops blank lines', () => {
  input('thresholds', 'accuracy >= 0.9\n\n  f1 >= 0.5  \n');
  expect(getMultiline('thresholds')).toEqual(['accuracy >= 0.9', 'f1 >= 0.5']);
});

describe('getKeyValues', () => {
  test('YAML mapping, scalars as strings', () => {
    input('tags', 'team: search\nversion: 2\nlive: true');
    expect(getKeyValues('tags')).toEqual({ team: 'search', version: '2', live: 'true' });
  });
  test('JSON object', () => {
    input('tags', '{"a": "x", "b": 1}');
    expect(getKeyValues('tags')).toEqual({ a: 'x', b: '1' });
  });
  test('key=value lines, comments and blanks skipped, value may hold = and :', () => {
    input('environment-variables', '# env\nA=1\n\nURL=http://h:80/?q=a: b\n');
    expect(getKeyValues('environment-variables')).toEqual({ A: '1', URL: 'http://h:80/?q=a: b' });
  });
  test('a line without key=value is named', () => {
    input('environment-variables', 'A=1\njust words');
    const error = userError(() => getKeyValues('environment-variables'));
    expect(error.field).toBe('environment-variables');
    expect(error.line).toBe(2);
    expect(error.message).toContain("line 2: expected 'key=value'");
  });
  test('nested values are refused', () => {
    input('tags', 'a:\n  b: 1');
    expect(userError(() => getKeyValues('tags')).message).toContain("value of 'a' must be a string");
  });
  test('empty is undefined', () => {
    input('tags', '');
    expect(getKeyValues('tags')).toBeUndefined();
  });
});

test('getObject parses nested YAML and rejects non-mappings', () => {
  input('connections', 'classify:\n  connection: aoai\n  deployment_name: gpt');
  expect(getObject('connections')).toEqual({ classify: { connection: 'aoai', deployment_name: 'gpt' } });
  input('connections', '- a');
  expect(userError(() => getObject('connections')).message).toContain('must be a YAML/JSON mapping');
});

test('getChoice', () => {
  input('comment', 'ALWAYS');
  expect(getChoice('comment', ['auto', 'always', 'never'] as const, { default: 'auto' })).toBe('always');
  input('comment', 'sometimes');
  expect(userError(() => getChoice('comment', ['auto', 'always', 'never'] as const, { default: 'auto' })).message).toBe(
    "Input 'comment' must be one of auto, always, never, got 'sometimes'"
  );
});
