import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { UserError, type Log } from '@llmops/common';
import type { Connection } from '../src/connections/model.js';
import { PythonPool, PythonToolError, PythonWorkerCrashError } from '../src/python/index.js';
import { PyFloat } from '../src/py/pyvalue.js';
import { makeFlowDir, rejectionOf } from './python-support.js';

const FILES: Record<string, string> = {
  'basic.py': `
from promptflow.core import tool

@tool
def echo(text: str, times: int = 2, ratio: float = 0.5, flag: bool = False, items: list = None, extra: dict = None, anything=None, guess=3):
    return {"text": text * times, "ratio": ratio, "flag": flag}
`,
  'legacy.py': `
from promptflow import tool, log_metric

@tool
def legacy(values: list):
    log_metric("count", len(values))
    return sum(values)
`,
  'metrics.py': `
from promptflow.core import tool, log_metric

@tool
def aggregate(scores: list):
    log_metric(key="accuracy", value=sum(scores) / len(scores))
    log_metric("accuracy", 0.25, variant_id="variant_1")
    return len(scores)
`,
  'klass.py': `
from promptflow.core import ToolProvider, tool

class Greeter(ToolProvider):
    def __init__(self, greeting: str, punct: str = "!"):
        super().__init__()
        self.greeting = greeting
        self.punct = punct
        self.calls = 0

    @tool
    def greet(self, name: str):
        self.calls += 1
        return f"{self.greeting}, {name}{self.punct} #{self.calls}"
`,
  'none.py': `
from promptflow.core import tool

def helper(x):
    return x
`,
  'two.py': `
from promptflow.core import tool

@tool
def first(x):
    return x

@tool
def second(x):
    return x
`,
  'sibling_helper.py': `
PREFIX = "from-sibling:"
def decorate(s):
    return PREFIX + s
`,
  'uses_sibling.py': `
from promptflow.core import tool
from sibling_helper import decorate
import os

@tool
def run(s: str):
    return {"value": decorate(s), "cwd": os.getcwd(), "env": os.environ.get("MY_FLOW_VAR")}
`,
  'noisy.py': `
import sys
from promptflow.core import tool

@tool
def noisy(x: str):
    print("hello", x)
    print('{"id": 999, "ok": true}')
    sys.stderr.write("warned\\n")
    return x.upper()
`,
  'fails.py': `
from promptflow.core import tool

def inner(v):
    raise ValueError(f"bad value {v!r}")

@tool
def fails(v):
    print("before failing")
    inner(v)
`,
  'conn.py': `
from promptflow.connections import CustomConnection, AzureOpenAIConnection
from promptflow.core import tool

@tool
def use(custom: CustomConnection, aoai: AzureOpenAIConnection, plain: str):
    print(f"key is {custom.secrets['token']}")
    return {
        "custom_type": type(custom).__name__,
        "config": custom.configs["endpoint"],
        "secret": custom.secrets["token"],
        "attr": custom.endpoint,
        "is_secret": custom.is_secret("token"),
        "aoai_type": type(aoai).__name__,
        "api_key": aoai.api_key,
        "api_base": aoai.api_base,
        "api_type": aoai.api_type,
        "api_version": aoai.api_version,
        "plain": plain,
    }
`,
  'gen.py': `
from promptflow.core import tool

@tool
def gen(n: int):
    for i in range(n):
        yield i
        yield "-"
`,
  'async_tool.py': `
import asyncio
from promptflow.core import tool

@tool
async def slow_upper(s: str):
    await asyncio.sleep(0.01)
    return s.upper()
`,
  'async_gen.py': `
from promptflow.core import tool

@tool
async def agen(n: int):
    for i in range(n):
        yield str(i)
`,
  'counter.py': `
import os, sys, time
from promptflow.core import tool

# Counted on sys, which outlives any re-import of this file.
sys.counter_imports = getattr(sys, "counter_imports", 0) + 1

@tool
def where(delay: float = 0.0):
    time.sleep(delay)
    return {"pid": os.getpid(), "imports": sys.counter_imports}
`,
  'crash.py': `
import os
from promptflow.core import tool

@tool
def crash(code: int):
    os._exit(code)
`,
  'sleepy.py': `
import time
from promptflow.core import tool

@tool
def sleepy(seconds: float):
    time.sleep(seconds)
    return "woke"
`,
  'broken.py': `
from promptflow.core import tool

@tool
def broken(x)
    return x
`,
  'bad_import.py': `
import module_that_does_not_exist
`,
  'types_in.py': `
from promptflow.core import tool

@tool
def kinds(a, b, c, d):
    return [type(a).__name__, type(b).__name__, type(c).__name__, repr(d)]
`,
  'floats_out.py': `
from promptflow.core import tool

@tool
def floats():
    return {"one": 1.0, "half": 0.5, "int": 1, "nan": float("nan"), "big": 2 ** 70, "tuple": (1, 2), "set": {3}}
`
};

const AOAI: Connection = {
  name: 'my_aoai', type: 'azure_open_ai', className: 'AzureOpenAIConnection',
  configs: { api_base: 'https://example.openai.azure.com/', api_type: 'azure', api_version: '2024-02-01' },
  secrets: { api_key: 'aoai-secret-key-123' }
};
const CUSTOM: Connection = {
  name: 'my_custom', type: 'custom', className: 'CustomConnection',
  configs: { endpoint: 'https://custom.example' }, secrets: { token: 'custom-token-456' }
};

let flow: ReturnType<typeof makeFlowDir>;
let pool: PythonPool;

beforeAll(() => {
  flow = makeFlowDir(FILES);
  pool = new PythonPool({ flowDir: flow.dir, size: 2, env: { MY_FLOW_VAR: 'from-env' } });
});

afterAll(async () => {
  await pool.close();
  flow.cleanup();
});

describe('loading tools', () => {
  test('a function tool: parameters in order with annotations and defaults', async () => {
    const meta = await pool.load('basic.py', 'echo_node');
    expect(meta).toMatchObject({ function: 'echo', name: 'echo', className: null, isAsync: false, isGenerator: false });
    expect(meta.parameters.map((p) => [p.name, p.annotation, p.hasDefault, p.default])).toEqual([
      ['text', 'str', false, undefined],
      ['times', 'int', true, 2],
      ['ratio', 'float', true, 0.5],
      ['flag', 'bool', true, false],
      ['items', 'list', true, null],
      ['extra', 'dict', true, null],
      ['anything', null, true, null],
      ['guess', null, true, 3]
    ]);
    expect(meta.parameters.find((p) => p.name === 'guess')?.inferredType).toBe('int');
  });

  test('a ToolProvider class with __init__: init parameters apart, one instance per node', async () => {
    const meta = await pool.load('klass.py');
    expect(meta).toMatchObject({ function: 'greet', name: 'Greeter.greet', className: 'Greeter' });
    expect(meta.parameters.map((p) => p.name)).toEqual(['name']);
    expect(meta.initParameters.map((p) => [p.name, p.hasDefault])).toEqual([['greeting', false], ['punct', true]]);

    const one = new PythonPool({ flowDir: flow.dir, size: 1 });
    try {
      const call = (node: string, name: string, greeting = 'Hello') =>
        one.call({ node, toolPath: 'klass.py', kwargs: { name }, initArgs: { greeting } }).then((r) => r.value);
      expect(await call('a', 'Ann')).toBe('Hello, Ann! #1');
      expect(await call('a', 'Bob')).toBe('Hello, Bob! #2');
      expect(await call('b', 'Cy', 'Hi')).toBe('Hi, Cy! #1');
      const missing = await rejectionOf(one.call({ node: 'c', toolPath: 'klass.py', kwargs: { name: 'x' }, initArgs: {} }));
      expect(missing).toBeInstanceOf(UserError);
      expect((missing as UserError).code).toBe('MissingRequiredInputs');
      expect(missing.message).toBe("Load tool failed for node 'c'. Required inputs ['greeting'] are not provided for tool 'Greeter.greet'.");
    } finally {
      await one.close();
    }
  });

  test.each([
    ['none.py', 'NoToolDefined', "Load tool failed for node 'n'. No tool found in the python script. Please make sure you have one and only one tool definition in your script."],
    ['two.py', 'MultipleToolsDefined', "Load tool failed for node 'n'. Expected 1 but collected 2 tools: first, second. Please make sure you have one and only one tool definition in your script."]
  ])('%s is refused as Prompt flow refuses it (%s)', async (file, code, message) => {
    const error = await rejectionOf(pool.load(file, 'n'));
    expect(error).toBeInstanceOf(UserError);
    expect(error.message).toBe(message);
    expect((error as UserError).code).toBe(code);
    expect((error as UserError).file).toBe(file);
    expect((error as UserError).field).toBe('nodes.n.source.path');
  });

  test('a syntax error and an import error name the tool file and node', async () => {
    const syntax = (await rejectionOf(pool.load('broken.py', 'bad_node'))) as UserError;
    expect(syntax).toBeInstanceOf(UserError);
    expect(syntax.message).toMatch(/^Load tool failed for node 'bad_node'\. Failed to load python module from file 'broken\.py': \(SyntaxError\) /);
    expect(syntax.file).toBe('broken.py');
    const missing = (await rejectionOf(pool.call({ node: 'imp', toolPath: 'bad_import.py', kwargs: {} }))) as UserError;
    expect(missing.message).toBe(
      "Load tool failed for node 'imp'. Failed to load python module from file 'bad_import.py': (ModuleNotFoundError) No module named 'module_that_does_not_exist'"
    );
    const absent = (await rejectionOf(pool.load('nope.py', 'ghost'))) as UserError;
    expect(absent.message).toBe("Load tool failed for node 'ghost'. Tool file 'nope.py' can not be found.");
    expect(absent.code).toBe('InvalidSource');
  });
});

describe('calling tools', () => {
  test('the promptflow shim: `from promptflow import tool, log_metric` and `from promptflow.core import …`', async () => {
    const legacy = await pool.call({ node: 'legacy', toolPath: 'legacy.py', kwargs: { values: [1, 2, 3] } });
    expect(legacy.value).toBe(6);
    expect(legacy.metrics).toEqual([{ key: 'count', value: 3 }]);
    const agg = await pool.call({ node: 'agg', toolPath: 'metrics.py', kwargs: { scores: [1, 0, 1, 0] } });
    expect(agg.metrics).toEqual([{ key: 'accuracy', value: 0.5 }, { key: 'accuracy', value: 0.25 }]);
  });

  test('a sibling module imports from the flow dir, which is also the working dir; env reaches the worker', async () => {
    const result = await pool.call({ node: 's', toolPath: 'uses_sibling.py', kwargs: { s: 'x' } });
    expect(result.value).toEqual({ value: 'from-sibling:x', cwd: flow.dir, env: 'from-env' });
  });

  test('print() is captured with timestamps, never read as a reply', async () => {
    const result = await pool.call({ node: 'noisy', toolPath: 'noisy.py', kwargs: { x: 'abc' } });
    expect(result.value).toBe('ABC');
    const stamp = String.raw`\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000\] `;
    expect(result.stdout).toMatch(new RegExp(`^${stamp}hello${stamp} ${stamp}abc\\n${stamp}\\{"id": 999, "ok": true\\}\\n$`));
    expect(result.stderr).toMatch(new RegExp(`^${stamp}warned\\n$`));
  });

  test('a user exception becomes ToolExecutionError with type, message, traceback and logs', async () => {
    const error = await rejectionOf(pool.call({ node: 'fail_node', toolPath: 'fails.py', kwargs: { v: 7 } }));
    expect(error).toBeInstanceOf(PythonToolError);
    const e = error as PythonToolError;
    expect(e.message).toBe("Execution failure in 'fail_node': (ValueError) bad value 7");
    expect(e.code).toBe('ToolExecutionError');
    expect(e.pythonType).toBe('ValueError');
    expect(e.pythonTraceback).toMatch(/^Traceback \(most recent call last\):\n {2}File ".*fails\.py", line \d+, in fails\n/);
    expect(e.pythonTraceback).toContain('in inner');
    expect(e.pythonTraceback).not.toContain('llmops_worker');
    expect(e.stdout).toContain('before failing');
  });

  test('connections arrive as objects; secrets are masked in captured output', async () => {
    const secrets: string[] = [];
    const log: Log = { debug: () => {}, info: () => {}, warning: () => {}, error: () => {}, setSecret: (s) => secrets.push(s) };
    const own = new PythonPool({ flowDir: flow.dir, size: 1, log });
    try {
      const result = await own.call({
        node: 'conn', toolPath: 'conn.py', kwargs: { custom: 'my_custom', aoai: 'my_aoai', plain: 'my_custom' },
        connections: [AOAI, CUSTOM]
      });
      expect(result.value).toEqual({
        custom_type: 'CustomConnection', config: 'https://custom.example', secret: 'custom-token-456', attr: 'https://custom.example',
        is_secret: true, aoai_type: 'AzureOpenAIConnection', api_key: 'aoai-secret-key-123',
        api_base: 'https://example.openai.azure.com/', api_type: 'azure', api_version: '2024-02-01',
        plain: 'my_custom'
      });
      expect(result.stdout).toContain('key is ***');
      expect(result.stdout).not.toContain('custom-token-456');
      expect(secrets.sort()).toEqual(['aoai-secret-key-123', 'custom-token-456']);
    } finally {
      await own.close();
    }
  });

  test('generator output is joined with str(); async tools and async generators are awaited', async () => {
    expect((await pool.call({ node: 'g', toolPath: 'gen.py', kwargs: { n: 3 } })).value).toBe('0-1-2-');
    expect((await pool.load('gen.py')).isGenerator).toBe(true);
    expect((await pool.call({ node: 'a', toolPath: 'async_tool.py', kwargs: { s: 'abc' } })).value).toBe('ABC');
    expect((await pool.load('async_tool.py')).isAsync).toBe(true);
    expect((await pool.call({ node: 'ag', toolPath: 'async_gen.py', kwargs: { n: 4 } })).value).toBe('0123');
  });

  test('values keep their Python types both ways', async () => {
    const sent = await pool.call({
      node: 't', toolPath: 'types_in.py', kwargs: { a: new PyFloat(1), b: 1, c: 2.5, d: { k: [null, true, 'x'] } }
    });
    expect(sent.value).toEqual(['float', 'int', 'float', "{'k': [None, True, 'x']}"]);
    const got = (await pool.call({ node: 'f', toolPath: 'floats_out.py', kwargs: {} })).value as Record<string, unknown>;
    expect(got.one).toBeInstanceOf(PyFloat);
    expect(got.half).toBe(0.5);
    expect(got.int).toBe(1);
    expect(Number.isNaN((got.nan as PyFloat).valueOf())).toBe(true);
    expect(got.big).toBe(2n ** 70n);
    expect(got.tuple).toEqual([1, 2]);
    expect(got.set).toEqual([3]);
  });
});

describe('the pool', () => {
  test('N parallel calls use N workers; each worker imports a tool file once', async () => {
    const own = new PythonPool({ flowDir: flow.dir, size: 3 });
    try {
      const first = await Promise.all([0, 1, 2].map(() => own.call({ node: 'w', toolPath: 'counter.py', kwargs: { delay: 0.3 } })));
      const pids = new Set(first.map((r) => (r.value as { pid: number }).pid));
      expect(pids.size).toBe(3);
      const more = await Promise.all(Array.from({ length: 12 }, () => own.call({ node: 'w', toolPath: 'counter.py', kwargs: {} })));
      for (const r of [...first, ...more]) expect((r.value as { imports: number }).imports).toBe(1);
      for (const r of more) expect(pids.has((r.value as { pid: number }).pid)).toBe(true);
      expect(own.stats).toMatchObject({ alive: 3, started: 3, idle: 3 });
    } finally {
      await own.close();
    }
  });

  test('calls queue when every worker is busy', async () => {
    const own = new PythonPool({ flowDir: flow.dir, size: 1 });
    try {
      const results = await Promise.all(['a', 'b', 'c'].map((s) => own.call({ node: 'q', toolPath: 'async_tool.py', kwargs: { s } })));
      expect(results.map((r) => r.value)).toEqual(['A', 'B', 'C']);
      expect(own.stats.started).toBe(1);
    } finally {
      await own.close();
    }
  });

  test('a worker that dies mid-call fails that call and is replaced', async () => {
    const own = new PythonPool({ flowDir: flow.dir, size: 1 });
    try {
      const error = await rejectionOf(own.call({ node: 'boom', toolPath: 'crash.py', kwargs: { code: 3 } }));
      expect(error).toBeInstanceOf(PythonWorkerCrashError);
      expect(error.message).toBe("The Python worker exited with code 3 while running node 'boom'.");
      const after = await own.call({ node: 'ok', toolPath: 'counter.py', kwargs: {} });
      expect((after.value as { imports: number }).imports).toBe(1);
      expect(own.stats).toMatchObject({ alive: 1, started: 2 });
    } finally {
      await own.close();
    }
  });

  test('aborting a call kills its worker at once and rejects with the reason', async () => {
    const own = new PythonPool({ flowDir: flow.dir, size: 1 });
    try {
      await own.call({ node: 'warm', toolPath: 'sleepy.py', kwargs: { seconds: 0 } });
      const controller = new AbortController();
      const started = Date.now();
      const pending = own.call({ node: 'slow', toolPath: 'sleepy.py', kwargs: { seconds: 30 }, signal: controller.signal });
      const queued = own.call({ node: 'next', toolPath: 'sleepy.py', kwargs: { seconds: 0 } });
      setTimeout(() => controller.abort(new Error('Line 0 execution timeout for exceeding 0.2 seconds')), 200);
      const error = await rejectionOf(pending);
      expect(error.message).toBe('Line 0 execution timeout for exceeding 0.2 seconds');
      expect(Date.now() - started).toBeLessThan(5000);
      expect((await queued).value).toBe('woke');
      expect(own.stats.started).toBe(2);
      const already = AbortSignal.abort(new Error('gone'));
      expect((await rejectionOf(own.call({ node: 'x', toolPath: 'sleepy.py', kwargs: { seconds: 0 }, signal: already }))).message).toBe('gone');
    } finally {
      await own.close();
    }
  });

  test('a bad interpreter is a UserError naming the python input', async () => {
    const own = new PythonPool({ flowDir: flow.dir, python: '/no/such/python3', size: 1 });
    try {
      const error = (await rejectionOf(own.call({ node: 'n', toolPath: 'basic.py', kwargs: { text: 'x' } }))) as UserError;
      expect(error).toBeInstanceOf(UserError);
      expect(error.field).toBe('python');
      expect(error.message).toBe(
        "Cannot run Python nodes with interpreter '/no/such/python3': it was not found. Set the 'python' input (--python) to a Python 3.8+ executable."
      );
      const notPython = new PythonPool({ flowDir: flow.dir, python: 'false', size: 1 });
      const failed = (await rejectionOf(notPython.load('basic.py'))) as UserError;
      expect(failed.message).toMatch(/^Cannot run Python nodes with interpreter 'false': the worker exited with code 1 before it started/);
      await notPython.close();
    } finally {
      await own.close();
    }
  });

  test('close() stops every worker and later calls fail', async () => {
    const own = new PythonPool({ flowDir: flow.dir, size: 2 });
    await Promise.all([0, 1].map(() => own.call({ node: 'w', toolPath: 'counter.py', kwargs: { delay: 0.05 } })));
    expect(own.stats.alive).toBe(2);
    await own.close();
    expect(own.stats.alive).toBe(0);
    expect((await rejectionOf(own.call({ node: 'w', toolPath: 'counter.py', kwargs: {} }))).message).toMatch(/closed/);
  });
});
