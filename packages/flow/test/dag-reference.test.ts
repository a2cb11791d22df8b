import { describe, expect, test } from '@jest/globals';
import { LineError, parseInputAssignment, propertyParts, referencedNodes, resolvePropertyPath, serializeInputAssignment } from '../src/dag/index.js';

describe('parseInputAssignment: the reference grammar', () => {
  test.each([
    ['${inputs.question}', { kind: 'flowInput', name: 'question' }],
    ['${flow.question}', { kind: 'flowInput', name: 'question' }],
    // The name is taken whole: no nested access on flow inputs.
    ['${inputs.a.b}', { kind: 'flowInput', name: 'a.b' }],
    ['${fetch}', { kind: 'nodeOutput', node: 'fetch', section: 'output', path: '' }],
    ['${fetch.output}', { kind: 'nodeOutput', node: 'fetch', section: 'output', path: '' }],
    ['${fetch.output.a.b[0]}', { kind: 'nodeOutput', node: 'fetch', section: 'output', path: 'a.b[0]' }],
    // Split on the first two dots, as `deserialize_node_reference` does: the section here is "output['k".
    ["${fetch.output['k.x']}", { kind: 'nodeOutput', node: 'fetch', section: "output['k", path: "x']" }],
    ['${inputs}', { kind: 'nodeOutput', node: 'inputs', section: 'output', path: '' }],
    ['${}', { kind: 'nodeOutput', node: '', section: 'output', path: '' }],
    // Any section loads; only reading it fails (per line, at run time).
    ['${node.outputs}', { kind: 'nodeOutput', node: 'node', section: 'outputs', path: '' }],
    ['${node.output[0]}', { kind: 'nodeOutput', node: 'node', section: 'output[0]', path: '' }],
    ['${node.inputs.x}', { kind: 'nodeOutput', node: 'node', section: 'inputs', path: 'x' }],
    ['${node.result.x.y}', { kind: 'nodeOutput', node: 'node', section: 'result', path: 'x.y' }]
  ] as const)('%s', (text, expected) => {
    expect(parseInputAssignment(text)).toEqual(expected);
  });

  test.each([
    ['plain text'],
    ['a ${inputs.x}'],
    ['${inputs.x} b'],
    ['$x'],
    ['${'],
    ['$[inputs.x]'],
    ['${inputs.x'],
    [5],
    [0.5],
    [null],
    [true],
    [{ a: '${inputs.x}' }],
    [['${inputs.x}']]
  ] as const)('%j is a literal', (value) => {
    expect(parseInputAssignment(value)).toEqual({ kind: 'literal', value });
  });

  test('serialize gives the YAML form back', () => {
    expect(serializeInputAssignment(parseInputAssignment('${flow.q}'))).toBe('${inputs.q}');
    expect(serializeInputAssignment(parseInputAssignment('${n}'))).toBe('${n.output}');
    expect(serializeInputAssignment(parseInputAssignment('${n.output.a[0]}'))).toBe('${n.output.a[0]}');
    expect(serializeInputAssignment(parseInputAssignment('${n.outputs}'))).toBe('${n.outputs}');
    expect(serializeInputAssignment(parseInputAssignment('${n.foo.bar}'))).toBe('${n.foo.bar}');
    expect(serializeInputAssignment(parseInputAssignment(3))).toBe(3);
  });
});

describe('property paths (re.findall semantics)', () => {
  test('parts', () => {
    expect(propertyParts("a.b['c.d'][0].e")).toEqual(['a', 'b', "['c.d']", '[0]', 'e']);
    expect(propertyParts('["k"]')).toEqual(['k']);
    expect(propertyParts('')).toEqual([]);
    expect(propertyParts('naïve.日本')).toEqual(['naïve', '日本']);
  });

  const output = { a: { b: [10, { c: 'x' }] }, 'a.b': { a: { b: 5 } }, 'k.x': 1, s: 'abc', none: null };
  test.each([
    ['', output],
    ['a.b[1].c', 'x'],
    ["a['b'][0]", 10],
    ["['k.x']", 1],
    // A dotted path naming a key of the dict is taken as that key first, then walked again (Prompt flow's quirk).
    ['a.b', 5],
    ['s[1]', 'b'],
    ['none', null]
  ])('%s', (path, expected) => {
    expect(resolvePropertyPath(output, path, 'n')).toEqual(expected);
  });

  test.each([
    [{ a: 1 }, 'b'],
    [{ a: [1] }, 'a[3]'],
    [[1, 2], 'length'],
    [null, 'a'],
    [null, 'a.b'],
    ['text', 'upper'],
    [{ a: { '0': 'zero' } }, 'a[0]'],
    [5, '[0]']
  ])('%j . %s raises InvalidReferenceProperty', (value, path) => {
    try {
      resolvePropertyPath(value, path, 'node1');
      throw new Error('expected InvalidReferenceProperty');
    } catch (error) {
      expect(error).toBeInstanceOf(LineError);
      expect(error).toMatchObject({
        code: 'InvalidReferenceProperty',
        codes: ['UserError', 'NodeReferenceError', 'InvalidReferenceProperty'],
        message: `Flow execution failed. Invalid property '${path}' when accessing the node 'node1'. Please check the property and try again.`
      });
    }
  });

  test('lists index by position, dict keys are strings', () => {
    expect(resolvePropertyPath([[0, 1], [2, 3]], '[1][0]')).toBe(2);
    expect(resolvePropertyPath({ list: ['a'] }, 'list[0]')).toBe('a');
  });
});

describe('referencedNodes', () => {
  test('node inputs then activate.when, each once', () => {
    const node = {
      inputs: {
        a: parseInputAssignment('${x.output.v}'),
        b: parseInputAssignment('${inputs.q}'),
        c: parseInputAssignment('${y}'),
        d: parseInputAssignment('${x}'),
        e: parseInputAssignment('literal')
      },
      activate: { when: parseInputAssignment('${z.output}'), is: true }
    };
    expect(referencedNodes(node)).toEqual(['x', 'y', 'z']);
    expect(referencedNodes({ inputs: {} })).toEqual([]);
  });
});
