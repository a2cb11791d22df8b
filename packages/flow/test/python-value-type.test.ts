import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { PythonPool, pythonParamValueType } from '../src/python/index.js';
import { makeFlowDir } from './python-support.js';

describe('pythonParamValueType (ValueType.from_type)', () => {
  test.each([
    ['str', 'string'], ['int', 'int'], ['float', 'double'], ['bool', 'bool'], ['list', 'list'], ['dict', 'object'],
    [null, 'object'], ['typing.List[str]', 'object'], ['list[str]', 'object'], ['typing.Any', 'object'],
    ['PromptTemplate', 'prompt_template'], ['Secret', 'secret'], ['FilePath', 'file_path'], ['Image', 'image'],
    ['AzureOpenAIConnection', 'connection'], ['CustomConnection', 'connection'],
    ['AzureOpenAIConnection | OpenAIConnection', 'connection'], ['str | int', 'object']
  ])('%s → %s', (annotation, expected) => {
    expect(pythonParamValueType(annotation)).toBe(expected);
  });
});

const TOOL = `
from __future__ import annotations
`;

const FILES = {
  'typed.py': `
import enum
from typing import List, Optional, Union
from promptflow.core import tool
from promptflow.connections import AzureOpenAIConnection, OpenAIConnection, CustomStrongTypeConnection
from promptflow.contracts.types import PromptTemplate, Secret

class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"

class MyConn(CustomStrongTypeConnection):
    api_key: Secret
    api_base: str

@tool
def typed(
    a: Optional[int],
    b: List[str],
    c: Union[AzureOpenAIConnection, OpenAIConnection],
    d: PromptTemplate,
    e: Color,
    f: MyConn,
    g=1.5,
    h=Color.BLUE,
    i: str = None,
    **kwargs,
):
    return {"f_type": type(f).__name__, "api_base": f.api_base, "api_key": f.api_key}
`,
  'quoted.py': `${TOOL}
from promptflow.core import tool

@tool
def quoted(x: int, y: str = "a"):
    return x
`
};

let flow: ReturnType<typeof makeFlowDir>;
let pool: PythonPool;
beforeAll(() => {
  flow = makeFlowDir(FILES);
  pool = new PythonPool({ flowDir: flow.dir, size: 1 });
});
afterAll(async () => {
  await pool.close();
  flow.cleanup();
});

describe('parameter metadata → value types, as Prompt flow resolves them', () => {
  test('Optional, generics, Union of connections, PromptTemplate, enums, custom strong types, inferred defaults', async () => {
    const meta = await pool.load('typed.py');
    expect(meta.enableKwargs).toBe(true);
    const byName = Object.fromEntries(meta.parameters.map((p) => [p.name, p]));
    expect(byName.a).toMatchObject({ annotation: 'int' });
    expect(byName.b).toMatchObject({ annotation: 'typing.List[str]' });
    expect(byName.c).toMatchObject({ connection: ['AzureOpenAIConnection', 'OpenAIConnection'] });
    expect(byName.e).toMatchObject({ enum: ['red', 'blue'] });
    expect(byName.f).toMatchObject({ connection: ['CustomConnection'], customType: ['MyConn'] });
    expect(byName.h).toMatchObject({ default: 'blue', enum: ['red', 'blue'] });
    const types = Object.fromEntries(meta.parameters.map((p) => [p.name, pythonParamValueType(p)]));
    expect(types).toEqual({
      a: 'int', b: 'object', c: 'connection', d: 'prompt_template', e: 'string', f: 'connection', g: 'double', h: 'string', i: 'string'
    });
  });

  test('a custom strong-type connection parameter receives its own class built from the custom connection', async () => {
    const result = await pool.call({
      node: 't', toolPath: 'typed.py',
      kwargs: { a: 1, b: [], c: 'x', d: 'p', e: 'red', f: 'mine' },
      connections: [{ name: 'mine', type: 'custom', className: 'CustomConnection', configs: { api_base: 'https://b' }, secrets: { api_key: 'k-123' } }]
    });
    expect(result.value).toEqual({ f_type: 'MyConn', api_base: 'https://b', api_key: 'k-123' });
  });

  test('quoted (PEP 563) annotations stay strings, so Prompt flow treats them as object', async () => {
    const meta = await pool.load('quoted.py');
    expect(meta.parameters[0]).toMatchObject({ name: 'x', annotation: 'int', stringAnnotation: true });
    expect(meta.parameters.map((p) => pythonParamValueType(p))).toEqual(['object', 'object']);
  });
});
