import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from '@jest/globals';
import { UserError } from '@llmops/common';
import { RunStore, completedLines, defaultRunName, formatDisplayName, readRun, type LineResult, type NodeRunResult } from '../src/run/index.js';
import { PyFloat, pyStr } from '../src/py/pyvalue.js';

const here = dirname(fileURLToPath(import.meta.url));
const SAMPLE = JSON.parse(readFileSync(join(here, 'fixtures/run/pf-sample-shapes.json'), 'utf8')) as Record<string, unknown>;
const keys = (name: string) => SAMPLE[name] as string[];

const root = mkdtempSync(join(tmpdir(), 'run-store-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const T0 = Date.UTC(2024, 1, 7, 8, 56, 35, 238);
const at = (ms: number) => new Date(T0 + ms);

/** A small flow directory with things the snapshot must leave out. */
function makeFlow(name: string): string {
  const flow = join(root, name);
  for (const dir of ['.git', '__pycache__', 'node_modules/x', '.promptflow', 'sub']) mkdirSync(join(flow, dir), { recursive: true });
  writeFileSync(join(flow, 'flow.dag.yaml'), 'original: true\n');
  writeFileSync(join(flow, 'convert.py'), 'print(1)\n');
  writeFileSync(join(flow, 'sub', 'prompt.jinja2'), 'hi\n');
  writeFileSync(join(flow, '.git', 'HEAD'), 'ref\n');
  writeFileSync(join(flow, '__pycache__', 'x.pyc'), '');
  return flow;
}

function node(name: string, line: number, extra: Partial<NodeRunResult> = {}): NodeRunResult {
  return {
    node: name,
    status: 'Completed',
    inputs: { url: `https://example.com/${line}` },
    output: `${name}-${line}`,
    startTime: at(line * 1000),
    endTime: at(line * 1000 + 500),
    ...extra
  };
}

function line(n: number, status: 'Completed' | 'Failed' = 'Completed'): LineResult {
  const failedError = { message: `Execution failure in 'classify': (ValueError) bad ${n}`, code: 'UserError', innerError: { code: 'ToolExecutionError', innerError: null } };
  return {
    lineNumber: n,
    inputs: { url: `https://example.com/${n}`, line_number: n },
    status,
    ...(status === 'Completed' ? { output: { category: `cat${n}`, evidence: 'Both', score: new PyFloat(1) } } : { error: failedError }),
    startTime: at(n * 1000),
    endTime: at(n * 1000 + 1500),
    nodeRuns: [
      node('fetch', n),
      node('classify', n, {
        startTime: at(n * 1000 + 100),
        usage: { promptTokens: 10, completionTokens: 5, totalTokens: 15 },
        logs: { stdout: `printed ${n}\n`, stderr: '' },
        ...(status === 'Failed' ? { status: 'Failed' as const, output: null, error: failedError } : {})
      }),
      node('skipped', n, { status: 'Bypassed', output: null, startTime: at(n * 1000 + 200) })
    ],
    usage: { promptTokens: 10, completionTokens: 5, totalTokens: 15 }
  };
}

function readJson(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path, 'utf8').replace(/\bNaN\b/g, 'null')) as Record<string, unknown>;
}

describe('a run directory in Prompt flow’s local layout', () => {
  const flow = makeFlow('web-classification');
  const runsDir = join(flow, '.llmops', 'runs'); // inside the flow dir: the snapshot must not copy itself
  const name = 'web_classification_variant_0_20240207_165606_643000';
  const dir = join(runsDir, name);
  let finalRecord: Awaited<ReturnType<RunStore['finalize']>>;

  test('open, append lines concurrently, finalize', async () => {
    const store = await RunStore.open({
      runsDir,
      name,
      flowDir: flow,
      flowYaml: 'overridden: true\n',
      record: {
        flowPath: flow,
        data: join(flow, 'data.jsonl'),
        variant: '${summarize.variant_0}',
        columnMapping: { url: '${data.url}' },
        displayName: 'web-${variant_id}',
        tags: { team: 'ml' }
      },
      now: at(-5000)
    });
    const running = readJson(join(dir, 'run.json'));
    expect(running.status).toBe('Running');
    expect(readFileSync(join(dir, 'meta.json'), 'utf8')).toBe('{"batch_size": 1}');
    await Promise.all([store.appendLine(line(2)), store.appendLine(line(0)), store.appendLine(line(1, 'Failed'))]);
    const aggregation = { nodeRuns: [node('accuracy', 0, { inputs: { grades: ['a', 'b'] }, output: null, usage: { promptTokens: 1, completionTokens: 1, totalTokens: 2 } })] };
    finalRecord = await store.finalize({ metrics: { accuracy: 0.5, count: new PyFloat(2) }, aggregation, now: at(10000) });
  });

  test('the snapshot is the flow dir minus .git, __pycache__, node_modules, .promptflow and the runs dir, with the overridden YAML', () => {
    const snapshot = join(dir, 'snapshot');
    expect(readdirSync(snapshot).sort()).toEqual(['convert.py', 'flow.dag.yaml', 'sub']);
    expect(readFileSync(join(snapshot, 'flow.dag.yaml'), 'utf8')).toBe('overridden: true\n');
    expect(readFileSync(join(snapshot, 'sub', 'prompt.jinja2'), 'utf8')).toBe('hi\n');
  });

  test('one flow_artifacts file per line (batch size 1), one object each, keys in Prompt flow order', () => {
    expect(readdirSync(join(dir, 'flow_artifacts')).sort()).toEqual(['000000000_000000000.jsonl', '000000001_000000001.jsonl', '000000002_000000002.jsonl']);
    const text = readFileSync(join(dir, 'flow_artifacts', '000000000_000000000.jsonl'), 'utf8');
    expect(text.split('\n')).toHaveLength(1);
    const record = JSON.parse(text) as Record<string, unknown>;
    expect(Object.keys(record)).toEqual(keys('flowRecordKeys'));
    const info = record.run_info as Record<string, unknown>;
    // 1.18 dropped variant_id and added otel_trace_id and message_format.
    expect(Object.keys(info)).toEqual([...keys('flowRunInfoKeys').filter((k) => k !== 'variant_id'), 'otel_trace_id', 'message_format']);
    expect(Object.keys(info.system_metrics as object)).toEqual(keys('flowRunInfoSystemMetricsKeys'));
    const flowCall = (info.api_calls as Array<Record<string, unknown>>)[0]!;
    expect(Object.keys(flowCall)).toEqual([...keys('flowApiCallKeys'), 'system_metrics']);
    expect(Object.keys((flowCall.children as Array<Record<string, unknown>>)[0]!)).toEqual(keys('toolCallKeys'));
    expect(info.run_id).toBe(`${name}_0`);
    expect(info.root_run_id).toBe(name);
    expect(info.parent_run_id).toBe(name);
    expect(info.flow_id).toBe('default_flow_id');
    expect(info.start_time).toBe('2024-02-07T08:56:35.238000Z');
    expect(record.start_time).toBe('2024-02-07T08:56:35.238000');
    expect(String(SAMPLE.runInfoTimeExample)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(text).toContain('"score": 1.0');
    expect(info.system_metrics).toEqual({ duration: 1.5, prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 });
  });

  test('node_artifacts/<node>/<n:09d>.jsonl per line; aggregation nodes in 000000000.jsonl with line_number null', () => {
    expect(readdirSync(join(dir, 'node_artifacts')).sort()).toEqual(['accuracy', 'classify', 'fetch', 'skipped']);
    expect(readdirSync(join(dir, 'node_artifacts', 'classify')).sort()).toEqual(['000000000.jsonl', '000000001.jsonl', '000000002.jsonl']);
    const record = readJson(join(dir, 'node_artifacts', 'classify', '000000001.jsonl'));
    expect(Object.keys(record)).toEqual(keys('nodeRecordKeys'));
    const info = record.run_info as Record<string, unknown>;
    expect(Object.keys(info)).toEqual([...keys('nodeRunInfoKeys').filter((k) => k !== 'variant_id'), 'message_format']);
    expect(Object.keys(info.system_metrics as object)).toEqual(keys('llmNodeSystemMetricsKeys'));
    expect(info.run_id).toBe(`${name}_classify_1`);
    expect(info.parent_run_id).toBe(`${name}_1`);
    expect(info.status).toBe('Failed');
    expect(info.logs).toEqual({ stdout: 'printed 1\n', stderr: '' });
    const skipped = readJson(join(dir, 'node_artifacts', 'skipped', '000000000.jsonl'));
    expect(skipped.status).toBe('Bypassed');
    const reduce = readJson(join(dir, 'node_artifacts', 'accuracy', '000000000.jsonl'));
    expect(reduce.line_number).toBeNull();
    expect((reduce.run_info as Record<string, unknown>).run_id).toBe(`${name}_accuracy_reduce`);
    expect((reduce.run_info as Record<string, unknown>).parent_run_id).toBe(name);
  });

  test('flow_outputs/output.jsonl: completed lines only, sorted, line_number first, Python json.dumps', () => {
    expect(readFileSync(join(dir, 'flow_outputs', 'output.jsonl'), 'utf8')).toBe(
      '{"line_number": 0, "category": "cat0", "evidence": "Both", "score": 1.0}\n{"line_number": 2, "category": "cat2", "evidence": "Both", "score": 1.0}\n'
    );
    expect(String(SAMPLE.outputJsonlLine)).toMatch(/^\{"line_number": 0, /);
  });

  test('inputs.jsonl and outputs.jsonl in pandas’ compact format with escaped slashes', () => {
    const inputs = readFileSync(join(dir, 'inputs.jsonl'), 'utf8').split('\n');
    expect(inputs[0]).toBe('{"url":"https:\\/\\/example.com\\/0","line_number":0}');
    expect(inputs).toHaveLength(4);
    expect(String(SAMPLE.inputsJsonlLine)).toMatch(/^\{"url":"https:\\\/\\\/www/);
    expect(readFileSync(join(dir, 'outputs.jsonl'), 'utf8')).toBe(
      '{"category":"cat0","evidence":"Both","score":1.0,"line_number":0}\n{"category":"cat2","evidence":"Both","score":1.0,"line_number":2}\n'
    );
  });

  test('metrics.json is json.dump of the logged metrics', () => {
    expect(readFileSync(join(dir, 'metrics.json'), 'utf8')).toBe('{"accuracy": 0.5, "count": 2.0}');
  });

  test('error.json is the BulkRunException dict naming the failed lines', () => {
    const error = readJson(join(dir, 'error.json'));
    expect(Object.keys(error)).toEqual(['message', 'messageFormat', 'messageParameters', 'referenceCode', 'code', 'innerError', 'additionalInfo', 'debugInfo']);
    expect(error.message).toBe("Failed to run 1/3 lines. First error message is: Execution failure in 'classify': (ValueError) bad 1");
    expect(error.code).toBe('UserError');
    expect(error.innerError).toEqual({ code: 'SDKError', innerError: { code: 'BulkRunException', innerError: null } });
    const info = (error.additionalInfo as Array<Record<string, unknown>>)[0]!;
    expect(info.type).toBe('BulkRunErrors');
    expect((info.info as { errors: unknown[] }).errors).toEqual([
      { line_number: 1, error: { message: "Execution failure in 'classify': (ValueError) bad 1", code: 'UserError', innerError: { code: 'ToolExecutionError', innerError: null } } }
    ]);
  });

  test('logs.txt and flow_logs follow Prompt flow’s log line format', () => {
    const logs = readFileSync(join(dir, 'logs.txt'), 'utf8').trim().split('\n');
    const format = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4} [ \d]{7} .{18} .{8} .+$/;
    expect(String(SAMPLE.logsTxtLine)).toMatch(format);
    for (const l of logs) expect(l).toMatch(format);
    expect(logs.some((l) => l.endsWith('execution.bulk     INFO     Finished 3 / 3 lines.'))).toBe(true);
    expect(logs.some((l) => l.endsWith('1/3 flow run failed, indexes: [1]'))).toBe(true);
    const lineLog = readFileSync(join(dir, 'flow_logs', '000000001.log'), 'utf8');
    expect(lineLog).toContain('[classify in line 1 (index starts from 0)] stdout> printed 1');
  });

  test('run.json is what `pf run show` prints, plus line and token counts', () => {
    const record = readJson(join(dir, 'run.json'));
    expect(Object.keys(record)).toEqual([
      'name', 'created_on', 'status', 'display_name', 'description', 'tags', 'properties', 'flow_name', 'data', 'output', 'error',
      'lines', 'tokens', 'start_time', 'end_time', 'duration'
    ]);
    expect(record.status).toBe('Completed');
    expect(record.display_name).toBe('web-variant_0');
    expect(record.flow_name).toBe('web-classification');
    expect(record.tags).toEqual({ team: 'ml' });
    expect(record.output).toBe(`${dir}/flow_outputs`);
    const properties = record.properties as Record<string, unknown>;
    expect(properties.flow_path).toBe(flow);
    expect(properties.output_path).toBe(dir);
    expect(properties.node_variant).toBe('${summarize.variant_0}');
    expect(properties.column_mapping).toEqual({ url: '${data.url}' });
    expect(properties.system_metrics).toMatchObject({ total_tokens: 47, prompt_tokens: 31, completion_tokens: 16, '__pf__.lines.completed': 2, '__pf__.lines.failed': 1, '__pf__.nodes.skipped.bypassed': 3 });
    expect(record.lines).toEqual({ total: 3, completed: 2, failed: 1 });
    expect(record.tokens).toEqual({ prompt: 31, completion: 16, total: 47 });
    expect(record.duration).toBe(15);
    expect(readFileSync(join(dir, 'run.json'), 'utf8')).toContain('"duration": 15.0');
    expect(finalRecord.lines.failed).toBe(1);
    expect((record.error as Record<string, unknown>).message).toContain('Failed to run 1/3 lines.');
  });

  test('readRun finds the run by name under runs-dir and by path', () => {
    for (const ref of [name, dir]) {
      const run = readRun(ref, runsDir);
      expect(run.dir).toBe(dir);
      expect(run.record.status).toBe('Completed');
      expect(run.outputs().map((r) => r.line_number)).toEqual([0, 2]);
      expect(pyStr(run.outputs()[0]!.score)).toBe('1.0');
      expect(run.inputs()).toHaveLength(3);
      expect(run.metrics()).toEqual({ accuracy: 0.5, count: expect.any(PyFloat) });
      expect(() => run.ensureCompleted()).not.toThrow();
    }
    expect(() => readRun('no-such-run', runsDir)).toThrow(UserError);
  });

  test('opening an existing run without resume is a UserError', async () => {
    await expect(RunStore.open({ runsDir, name, flowDir: flow, flowYaml: '', record: { flowPath: flow } })).rejects.toThrow(UserError);
  });
});

describe('crash and resume', () => {
  test('lines appended before a crash are found again on reopen, and the run can finish', async () => {
    const flow = makeFlow('resumable');
    const runsDir = join(root, 'runs-resume');
    const options = { runsDir, name: 'resumable_run', flowDir: flow, flowYaml: 'x: 1\n', record: { flowPath: flow } };
    const first = await RunStore.open(options);
    await Promise.all([first.appendLine(line(0)), first.appendLine(line(1, 'Failed')), first.appendLine(line(2))]);
    // The process "dies": no finalize. A half-written temp file must not confuse the reader.
    writeFileSync(join(runsDir, 'resumable_run', 'flow_artifacts', '000000003_000000003.jsonl.999.1.tmp'), '{"line_nu');
    const done = await completedLines(join(runsDir, 'resumable_run'));
    expect(done.map((l) => l.lineNumber)).toEqual([0, 2]);
    expect(done[0]!.output).toEqual({ category: 'cat0', evidence: 'Both', score: expect.any(PyFloat) });
    expect(done[0]!.nodeRuns.map((n) => n.node)).toEqual(['fetch', 'classify', 'skipped']);
    expect(done[0]!.nodeRuns[1]!.usage).toEqual({ promptTokens: 10, completionTokens: 5, totalTokens: 15 });
    expect(done[0]!.startTime.getTime()).toBe(T0);

    const second = await RunStore.open({ ...options, resume: true });
    expect(second.finishedLines().map((l) => [l.lineNumber, l.status])).toEqual([[0, 'Completed'], [1, 'Failed'], [2, 'Completed']]);
    await second.appendLine(line(1)); // the failed line, rerun
    const record = await second.finalize({ now: at(5000) });
    expect(record.lines).toEqual({ total: 3, completed: 3, failed: 0 });
    expect(existsSync(join(runsDir, 'resumable_run', 'error.json'))).toBe(false);
    expect(readFileSync(join(runsDir, 'resumable_run', 'flow_outputs', 'output.jsonl'), 'utf8').trim().split('\n')).toHaveLength(3);
  });
});

describe('a run that fails as a whole', () => {
  test('status Failed and error.json with the user error’s message', async () => {
    const flow = makeFlow('failing');
    const runsDir = join(root, 'runs-fail');
    const store = await RunStore.open({ runsDir, name: 'failing_run', flowDir: flow, flowYaml: '', record: { flowPath: flow, run: 'base_run' } });
    const record = await store.finalize({ error: new UserError("Column mapping for input 'url' references ${data.url}, but column 'url' does not exist.") });
    expect(record.status).toBe('Failed');
    expect(record.run).toBe('base_run');
    const error = readJson(join(runsDir, 'failing_run', 'error.json'));
    expect(error.message).toBe("First error message is: Column mapping for input 'url' references ${data.url}, but column 'url' does not exist.");
    expect(readFileSync(join(runsDir, 'failing_run', 'flow_outputs', 'output.jsonl'), 'utf8')).toBe('');
    expect(() => readRun('failing_run', runsDir).ensureCompleted()).toThrow('is not completed, got status Failed');
  });
});

describe('names', () => {
  test('default run name: flow dir, variant id, timestamp, sanitized', () => {
    const now = new Date(2024, 1, 7, 16, 56, 6, 643);
    expect(defaultRunName('/x/web-classification', undefined, now)).toBe('web_classification_variant_0_20240207_165606_643000');
    expect(defaultRunName('/x/Web Classification/', '${summarize.variant_1}', now)).toBe('web_classification_variant_1_20240207_165606_643000');
    expect(defaultRunName('/x/2nd--flow', 'variant_2', now)).toBe('n2nd_flow_variant_2_20240207_165606_643000');
  });

  test('display name macros', () => {
    const now = new Date(2024, 1, 7, 16, 56, 6);
    expect(formatDisplayName('eval-${run}-${variant_id}-${timestamp}', { name: 'n', run: 'base', variant: '${a.variant_3}', now })).toBe('eval-base-variant_3-202402071656');
    expect(formatDisplayName(undefined, { name: 'run_name' })).toBe('run_name');
  });
});

describe('secrets', () => {
  test('the mask applies to every file the store writes', async () => {
    const flow = makeFlow('masked');
    const runsDir = join(root, 'runs-masked');
    const secret = 'sk-very-secret-value';
    const store = await RunStore.open({
      runsDir,
      name: 'masked_run',
      flowDir: flow,
      flowYaml: 'x: 1\n',
      record: { flowPath: flow },
      mask: (text) => text.split(secret).join('***')
    });
    const leaky = line(0);
    leaky.output = { category: `echo ${secret}` };
    leaky.nodeRuns[1]!.logs = { stdout: `printed ${secret}\n`, stderr: '' };
    await store.appendLine(leaky);
    const failed = line(1, 'Failed');
    failed.error = { message: `bad key ${secret}`, code: 'UserError' };
    await store.appendLine(failed);
    await store.finalize({ status: 'Completed' });
    const dir = join(runsDir, 'masked_run');
    const files = (readdirSync(dir, { recursive: true }) as string[]).filter((f) => !f.startsWith('snapshot') && statSync(join(dir, f)).isFile());
    expect(files.length).toBeGreaterThan(8);
    for (const file of files) expect([file, readFileSync(join(dir, file), 'utf8').includes(secret)]).toEqual([file, false]);
    expect(readFileSync(join(dir, 'flow_outputs', 'output.jsonl'), 'utf8')).toContain('echo ***');
  });
});
