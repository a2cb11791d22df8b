/**
 * Reading a node reference at run time (`executor/_input_assignment_parser.py` parse_value,
 * `_dag_manager.py`, `flow_executor.py` _extract_outputs / extract_aggregation_inputs):
 * a section other than `output` loads, then fails each line that reads it with
 * UnsupportedReference; a bypassed node is never read, so its section is never checked.
 */
import { describe, expect, test } from '@jest/globals';
import { parseInputAssignment } from '../src/dag/index.js';
import type { Flow, FlowNode } from '../src/dag/model.js';
import { runAggregation } from '../src/exec/aggregation.js';
import { LineExecutor } from '../src/exec/line.js';
import type { LineRunResult, PreparedNode } from '../src/exec/types.js';

const UNSUPPORTED_CODES = ['UserError', 'NodeReferenceError', 'UnsupportedReference'];

function unsupportedMessage(section: string, node: string): string {
  return (
    `Flow execution failed. The section '${section}' of reference is currently unsupported. ` +
    `Please specify the output part of the node '${node}'.`
  );
}

interface NodeSpec {
  inputs?: Record<string, unknown>;
  activate?: { when: unknown; is: unknown };
  aggregation?: boolean;
  /** The tool: kwargs in, output out (default: echo the kwargs). */
  tool?: (kwargs: Record<string, unknown>) => unknown;
}

/** A flow of fake tools, with a log of every invocation (node name and kwargs). */
function makeFlow(nodes: Record<string, NodeSpec>, outputs: Record<string, string> = {}, inputNames: string[] = ['q']) {
  const calls: Array<{ node: string; kwargs: Record<string, unknown> }> = [];
  const flowNodes: FlowNode[] = Object.entries(nodes).map(([name, spec]) => ({
    name,
    type: 'python',
    source: { type: 'code', path: `${name}.py` },
    inputs: Object.fromEntries(Object.entries(spec.inputs ?? {}).map(([k, v]) => [k, parseInputAssignment(v)])),
    aggregation: spec.aggregation ?? false,
    useVariants: false,
    ...(spec.activate ? { activate: { when: parseInputAssignment(spec.activate.when), is: spec.activate.is } } : {})
  }));
  const flow: Flow = {
    dir: '/flow',
    file: '/flow/flow.dag.yaml',
    name: 'flow',
    inputs: inputNames.map((name) => ({ name, type: 'string' as const })),
    outputs: Object.entries(outputs).map(([name, reference]) => ({ name, type: 'string' as const, reference: parseInputAssignment(reference) })),
    nodes: flowNodes,
    environmentVariables: {},
    additionalIncludes: [],
    raw: {}
  };
  const prepared = new Map<string, PreparedNode>(
    flowNodes.map((node) => {
      const literalInputs = Object.fromEntries(
        Object.entries(node.inputs).flatMap(([k, a]) => (a.kind === 'literal' ? [[k, a.value]] : []))
      );
      const tool = nodes[node.name]!.tool ?? ((kwargs) => kwargs);
      return [
        node.name,
        {
          node,
          literalInputs,
          paramHasDefault: () => false,
          invoke: async (kwargs: Record<string, unknown>) => {
            calls.push({ node: node.name, kwargs });
            return { output: tool(kwargs) };
          }
        }
      ];
    })
  );
  return { flow, prepared, calls };
}

async function runLine(setup: ReturnType<typeof makeFlow>, inputs: Record<string, unknown>, lineNumber = 0): Promise<LineRunResult> {
  return new LineExecutor(setup.flow, setup.prepared).run(lineNumber, inputs, { nodeConcurrency: 4, signal: new AbortController().signal });
}

describe('node inputs', () => {
  test.each([
    ['${a.output[0]}', 'output[0]'],
    ['${a.outputs}', 'outputs'],
    ['${a.outputs.x}', 'outputs'],
    ['${a.foo.bar}', 'foo']
  ])('%s fails the line with UnsupportedReference, before the node runs', async (reference, section) => {
    const setup = makeFlow({
      a: { inputs: { x: '${inputs.q}' }, tool: () => ['first', 'second'] },
      b: { inputs: { x: reference } }
    });
    const line = await runLine(setup, { q: 'hi' });
    expect(line.status).toBe('Failed');
    expect(line.error).toEqual({
      message: unsupportedMessage(section, 'a'),
      messageFormat:
        "Flow execution failed. The section '{reference_section}' of reference is currently unsupported. " +
        "Please specify the output part of the node '{reference_node_name}'.",
      messageParameters: { reference_section: section, reference_node_name: 'a' },
      referenceCode: 'Unknown',
      code: 'UserError',
      innerError: { code: 'NodeReferenceError', innerError: { code: 'UnsupportedReference', innerError: null } }
    });
    // Inputs are resolved before the node run starts: b never ran and has no run record.
    expect(setup.calls.map((c) => c.node)).toEqual(['a']);
    expect(line.nodeRuns.map((r) => [r.node, r.status])).toEqual([['a', 'Completed']]);
  });

  test('every line fails, each with the same message', async () => {
    const setup = makeFlow({ a: { inputs: { x: '${inputs.q}' } }, b: { inputs: { x: '${a.output[0]}' } } });
    const lines = await Promise.all([0, 1, 2].map((n) => runLine(setup, { q: `q${n}` }, n)));
    expect(lines.map((l) => [l.lineNumber, l.status, l.error?.message])).toEqual(
      [0, 1, 2].map((n) => [n, 'Failed', unsupportedMessage('output[0]', 'a')])
    );
  });

  test('a bypassed node gives None before any section check (get_node_valid_inputs)', async () => {
    const setup = makeFlow({
      a: { inputs: { x: '${inputs.q}' }, activate: { when: '${inputs.q}', is: 'run' } },
      c: { inputs: { x: '${inputs.q}' }, tool: () => 'c-out' },
      b: { inputs: { x: '${a.outputs}', y: '${c.output}' } }
    }, { b: '${b.output}' });
    const line = await runLine(setup, { q: 'skip' });
    expect(line.status).toBe('Completed');
    expect(line.output).toEqual({ b: { x: null, y: 'c-out' } });
    expect(line.nodeRuns.find((r) => r.node === 'a')?.status).toBe('Bypassed');
  });

  test('a node whose only dependency is bypassed is bypassed too, whatever the section', async () => {
    const setup = makeFlow({
      a: { inputs: { x: '${inputs.q}' }, activate: { when: '${inputs.q}', is: 'run' } },
      b: { inputs: { x: '${a.output[0]}' } }
    });
    const line = await runLine(setup, { q: 'skip' });
    expect(line.status).toBe('Completed');
    expect(line.nodeRuns.map((r) => [r.node, r.status])).toEqual([['a', 'Bypassed'], ['b', 'Bypassed']]);
  });
});

describe('activate conditions', () => {
  test('an unsupported section in when fails the line', async () => {
    const setup = makeFlow({
      a: { inputs: { x: '${inputs.q}' }, tool: () => 'yes' },
      b: { inputs: { x: '${inputs.q}' }, activate: { when: '${a.outputs}', is: 'yes' } }
    });
    const line = await runLine(setup, { q: 'hi' });
    expect(line.status).toBe('Failed');
    expect(line.error?.message).toBe(unsupportedMessage('outputs', 'a'));
    expect(setup.calls.map((c) => c.node)).toEqual(['a']);
  });

  test('when referencing a bypassed node bypasses the node without reading it', async () => {
    const setup = makeFlow({
      a: { inputs: { x: '${inputs.q}' }, activate: { when: '${inputs.q}', is: 'run' } },
      b: { inputs: { x: '${inputs.q}' }, activate: { when: '${a.outputs}', is: 'yes' } }
    });
    const line = await runLine(setup, { q: 'skip' });
    expect(line.status).toBe('Completed');
    expect(line.nodeRuns.map((r) => [r.node, r.status])).toEqual([['a', 'Bypassed'], ['b', 'Bypassed']]);
  });
});

describe('flow outputs (_extract_outputs applies the property path, ignoring the section)', () => {
  test('${a.outputs}, ${a.output[0]} and ${a.foo.k} read the output of a', async () => {
    const setup = makeFlow({ a: { inputs: { x: '${inputs.q}' }, tool: () => ({ k: 'v' }) } }, {
      whole: '${a.outputs}',
      indexed: '${a.output[0]}',
      keyed: '${a.foo.k}'
    });
    const line = await runLine(setup, { q: 'hi' });
    expect(line.status).toBe('Completed');
    expect(line.output).toEqual({ whole: { k: 'v' }, indexed: { k: 'v' }, keyed: 'v' });
  });
});

describe('aggregation nodes', () => {
  test('a reference to a line node with an unsupported section fails every line (extract_aggregation_inputs)', async () => {
    const setup = makeFlow({
      a: { inputs: { x: '${inputs.q}' } },
      agg: { inputs: { xs: '${a.output[0]}' }, aggregation: true }
    }, { a: '${a.output}' });
    const line = await runLine(setup, { q: 'hi' });
    expect(line.status).toBe('Failed');
    expect(line.error?.message).toBe(unsupportedMessage('output[0]', 'a'));
    expect(line.error?.innerError).toEqual({ code: 'NodeReferenceError', innerError: { code: 'UnsupportedReference', innerError: null } });
    // The aggregation, over no succeeded line, records the same failure instead of running.
    const result = await runAggregation(setup.flow, setup.prepared, [], new AbortController().signal);
    expect(result.failure?.node).toBe('agg');
    expect(result.failure?.error.message).toBe(unsupportedMessage('output[0]', 'a'));
    expect(setup.calls.map((c) => c.node)).toEqual(['a']);
  });

  test('a supported reference to a line node still aggregates', async () => {
    const setup = makeFlow({
      a: { inputs: { x: '${inputs.q}' }, tool: (k) => `A:${String(k.x)}` },
      agg: { inputs: { xs: '${a.output}' }, aggregation: true }
    });
    const lines = await Promise.all(['p', 'q'].map((q, n) => runLine(setup, { q }, n)));
    expect(lines.map((l) => l.status)).toEqual(['Completed', 'Completed']);
    const result = await runAggregation(setup.flow, setup.prepared, lines, new AbortController().signal);
    expect(result.failure).toBeUndefined();
    expect(setup.calls.find((c) => c.node === 'agg')?.kwargs).toEqual({ xs: ['A:p', 'A:q'] });
  });

  test('between aggregation nodes, an unsupported section fails that aggregation node (inputs and activate)', async () => {
    for (const spec of [
      { inputs: { x: '${first.outputs}' } },
      { inputs: { x: '${inputs.q}' }, activate: { when: '${first.output[0]}', is: 1 } }
    ]) {
      const setup = makeFlow({
        a: { inputs: { x: '${inputs.q}' } },
        first: { inputs: { xs: '${a.output}' }, aggregation: true, tool: () => 1 },
        second: { ...spec, aggregation: true }
      });
      const line = await runLine(setup, { q: 'hi' });
      expect(line.status).toBe('Completed');
      const result = await runAggregation(setup.flow, setup.prepared, [line], new AbortController().signal);
      expect(result.failure?.node).toBe('second');
      expect(result.failure?.error.message).toMatch(/^Flow execution failed\. The section '(outputs|output\[0\])' of reference is currently unsupported\. Please specify the output part of the node 'first'\.$/);
      expect(setup.calls.map((c) => c.node)).toEqual(['a', 'first']);
    }
  });
});
