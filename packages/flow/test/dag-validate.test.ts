import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, test } from '@jest/globals';
import { UserError } from '@llmops/common';
import { loadFlow } from '../src/dag/index.js';

const root = mkdtempSync(join(tmpdir(), 'dag-validate-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let counter = 0;
/** Write a flow directory with the YAML and the given extra files; returns the directory. */
function writeFlow(yaml: string, files: Record<string, string> = {}): string {
  const dir = join(root, `flow${counter++}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'flow.dag.yaml'), yaml);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

/** 1-based line of the `occurrence`-th line containing `needle`. */
function lineOf(yaml: string, needle: string, occurrence = 1): number {
  let seen = 0;
  const lines = yaml.split('\n');
  for (let i = 0; i < lines.length; i++) if (lines[i]!.includes(needle) && ++seen === occurrence) return i + 1;
  throw new Error(`'${needle}' not in yaml`);
}

async function loadError(dir: string, options?: Parameters<typeof loadFlow>[1]): Promise<UserError> {
  try {
    await loadFlow(dir, options);
  } catch (error) {
    if (error instanceof UserError) return error;
    throw error;
  }
  throw new Error('expected loadFlow to fail');
}

const PY = { 'a.py': 'from promptflow.core import tool\n@tool\ndef f(x=None):\n    return x\n' };

interface Case {
  title: string;
  yaml: string;
  files?: Record<string, string>;
  code: string;
  message: string | RegExp;
  field: string;
  line: [needle: string, occurrence?: number];
}

const cases: Case[] = [
  {
    title: 'duplicate node names',
    yaml: `inputs:
  q: {type: string}
outputs: {}
nodes:
- name: a
  type: python
  source: {type: code, path: a.py}
  inputs: {x: '\${inputs.q}'}
- name: a
  type: python
  source: {type: code, path: a.py}
`,
    files: PY,
    code: 'DuplicateNodeName',
    message:
      "Invalid node definitions found in the flow graph. Node with name 'a' appears more than once in the node definitions in your flow, " +
      'which is not allowed. To address this issue, please review your flow and either rename or remove nodes with identical names.',
    field: 'nodes[1].name',
    line: ['- name: a', 2]
  },
  {
    title: 'unknown flow input',
    yaml: `inputs:
  q: {type: string}
nodes:
- name: a
  type: python
  source: {type: code, path: a.py}
  inputs:
    x: \${inputs.question}
`,
    files: PY,
    code: 'InputReferenceNotFound',
    message:
      "Invalid node definitions found in the flow graph. Node 'a' references flow input 'question' which is not defined in your flow. " +
      'To resolve this issue, please review your flow, ensuring that you either add the missing flow inputs or adjust node reference to the correct flow input.',
    field: 'nodes[0].inputs.x',
    line: ['${inputs.question}']
  },
  {
    title: 'nested access on a flow input (${inputs.a.b})',
    yaml: `inputs:
  a: {type: object}
nodes:
- name: n
  type: python
  source: {type: code, path: a.py}
  inputs:
    x: \${inputs.a.b}
`,
    files: PY,
    code: 'InputReferenceNotFound',
    message: /^Invalid node definitions found in the flow graph\. Node 'n' references flow input 'a\.b' which is not defined.*nested access/,
    field: 'nodes[0].inputs.x',
    line: ['${inputs.a.b}']
  },
  {
    title: 'unknown node',
    yaml: `nodes:
- name: a
  type: python
  source: {type: code, path: a.py}
  inputs:
    x: \${summarize.output}
`,
    files: PY,
    code: 'NodeReferenceNotFound',
    message:
      "Invalid node definitions found in the flow graph. Node 'a' references a non-existent node 'summarize' in your flow. " +
      'Please review your flow to ensure that the node name is accurately specified.',
    field: 'nodes[0].inputs.x',
    line: ['${summarize.output}']
  },
  {
    title: 'a line node referencing an aggregation node',
    yaml: `nodes:
- name: agg
  type: python
  source: {type: code, path: a.py}
  aggregation: true
- name: b
  type: python
  source: {type: code, path: a.py}
  inputs:
    x: \${agg.output}
`,
    files: PY,
    code: 'InvalidNodeReference',
    message:
      "Invalid node definitions found in the flow graph. Non-aggregate node 'b' cannot reference aggregate nodes {'agg'}. " +
      'Please review and rectify the node reference.',
    field: 'nodes[1].inputs.x',
    line: ['${agg.output}']
  },
  {
    title: "an aggregation node's activate.when referencing a line node",
    yaml: `nodes:
- name: line
  type: python
  source: {type: code, path: a.py}
- name: agg
  type: python
  source: {type: code, path: a.py}
  reduce: true
  activate:
    when: \${line.output}
    is: true
`,
    files: PY,
    code: 'InvalidNodeReference',
    message:
      "Invalid node definitions found in the flow graph. Non-aggregation node 'line' cannot be referenced in the activate config " +
      "of the aggregation node 'agg'. Please review and rectify the node reference.",
    field: 'nodes[1].activate.when',
    line: ['when: ${line.output}']
  },
  {
    title: 'a cycle',
    yaml: `nodes:
- name: start
  type: python
  source: {type: code, path: a.py}
- name: c
  type: python
  source: {type: code, path: a.py}
  inputs: {x: '\${b.output}'}
- name: b
  type: python
  source: {type: code, path: a.py}
  inputs: {x: '\${c.output}', y: '\${start.output}'}
- name: after
  type: python
  source: {type: code, path: a.py}
  inputs: {x: '\${b.output}'}
`,
    files: PY,
    code: 'NodeCircularDependency',
    message:
      'Invalid node definitions found in the flow graph. Node circular dependency has been detected among the nodes in your flow. ' +
      "Kindly review the reference relationships for the nodes ['after', 'b', 'c'] and resolve the circular reference issue in the flow. " +
      'Cycle: c -> b -> c.',
    field: 'nodes[1]',
    line: ['- name: c']
  },
  {
    title: 'an unknown node type',
    yaml: `nodes:
- name: a
  type: pythn
  source: {type: code, path: a.py}
`,
    files: PY,
    code: 'InvalidNodeType',
    message: "'pythn' is not a valid ToolType: node 'a' must have type one of llm, python, prompt, custom_llm.",
    field: 'nodes[0].type',
    line: ['type: pythn']
  },
  {
    title: 'a missing Python source file',
    yaml: `nodes:
- name: a
  type: python
  source:
    type: code
    path: missing.py
`,
    code: 'ResolveToolError',
    message: "Tool load failed in 'a': (InvalidSource) Load tool failed for node 'a'. Tool file 'missing.py' can not be found.",
    field: 'nodes[0].source.path',
    line: ['path: missing.py']
  },
  {
    title: 'a Python node without source.path',
    yaml: `nodes:
- name: a
  type: python
  source:
    type: code
`,
    code: 'ResolveToolError',
    message: "Tool load failed in 'a': (InvalidSource) Load tool failed for node 'a'. The source path is 'None'.",
    field: 'nodes[0].source',
    line: ['source:']
  },
  {
    title: 'a node without source',
    yaml: `nodes:
- name: a
  type: prompt
`,
    code: 'ResolveToolError',
    message: "Tool load failed in 'a': (UserErrorException) Node a does not have source defined.",
    field: 'nodes[0]',
    line: ['- name: a']
  },
  {
    title: 'a missing prompt template',
    yaml: `nodes:
- name: p
  type: prompt
  source: {type: code, path: templates/missing.jinja2}
`,
    code: 'ResolveToolError',
    message: "Tool load failed in 'p': (InvalidSource) Node source path 'templates/missing.jinja2' is invalid on node 'p'.",
    field: 'nodes[0].source.path',
    line: ['templates/missing.jinja2']
  },
  {
    title: 'an llm node without connection',
    yaml: `nodes:
- name: chat
  type: llm
  source: {type: code, path: chat.jinja2}
  api: chat
`,
    files: { 'chat.jinja2': 'user:\nhi\n' },
    code: 'ResolveToolError',
    message: "Tool load failed in 'chat': (GetConnectionError) Get connection 'None' for node 'chat' error: the node has no 'connection'.",
    field: 'nodes[0]',
    line: ['- name: chat']
  },
  {
    title: 'an llm node with an unknown api',
    yaml: `nodes:
- name: chat
  type: llm
  source: {type: code, path: chat.jinja2}
  connection: aoai
  api: chats
`,
    files: { 'chat.jinja2': 'user:\nhi\n' },
    code: 'ResolveToolError',
    message: "Tool load failed in 'chat': (APINotFound) The API 'AzureOpenAI.chats' is not found.",
    field: 'nodes[0].api',
    line: ['api: chats']
  },
  {
    title: 'activate without is',
    yaml: `nodes:
- name: a
  type: python
  source: {type: code, path: a.py}
  activate:
    when: \${inputs.q}
`,
    files: PY,
    code: 'FlowDefinitionError',
    message: 'The definition of activate config for node a is incorrect. Please check your flow yaml and resubmit.',
    field: 'nodes[0].activate',
    line: ['activate:']
  },
  {
    title: 'an unsupported reference section to an unknown node (the node is checked, not the section)',
    yaml: `nodes:
- name: a
  type: python
  source: {type: code, path: a.py}
- name: b
  type: python
  source: {type: code, path: a.py}
  inputs:
    x: \${ghost.output[0]}
`,
    files: PY,
    code: 'NodeReferenceNotFound',
    message:
      "Invalid node definitions found in the flow graph. Node 'b' references a non-existent node 'ghost' in your flow. " +
      'Please review your flow to ensure that the node name is accurately specified.',
    field: 'nodes[1].inputs.x',
    line: ['${ghost.output[0]}']
  },
  {
    title: 'an output referencing an unknown node',
    yaml: `outputs:
  answer:
    type: string
    reference: \${nope.output}
nodes:
- name: a
  type: python
  source: {type: code, path: a.py}
`,
    files: PY,
    code: 'OutputReferenceNotFound',
    message:
      "The output 'answer' for flow is incorrect. The output 'answer' references non-existent node 'nope' in your flow. " +
      'To resolve this issue, please carefully review your flow and correct the reference definition for the output in question.',
    field: 'outputs.answer.reference',
    line: ['${nope.output}']
  },
  {
    title: 'an output referencing an unknown flow input',
    yaml: `inputs:
  q: {type: string}
outputs:
  echo:
    type: string
    reference: \${inputs.query}
nodes: []
`,
    code: 'OutputReferenceNotFound',
    message:
      "The output 'echo' for flow is incorrect. The output 'echo' references non-existent flow input 'query' in your flow. " +
      'Please carefully review your flow and correct the reference definition for the output in question.',
    field: 'outputs.echo.reference',
    line: ['${inputs.query}']
  },
  {
    title: 'an output without reference',
    yaml: `outputs:
  echo:
    type: string
nodes: []
`,
    code: 'EmptyOutputReference',
    message:
      "The output 'echo' for flow is incorrect. The reference is not specified for the output 'echo' in the flow. " +
      'To rectify this, ensure that you accurately specify the reference in the flow.',
    field: 'outputs.echo.reference',
    line: ['echo:']
  },
  {
    title: 'an input with an unknown type',
    yaml: `inputs:
  q:
    type: str
nodes: []
`,
    code: 'InvalidValueType',
    message: "The flow input 'q' has type 'str'; it must be one of int, double, bool, string, list, object, image.",
    field: 'inputs.q.type',
    line: ['type: str']
  },
  {
    title: 'a YAML syntax error',
    yaml: `inputs:
  q: {type: string
nodes: []
`,
    code: 'YAMLParseError',
    message: /^Failed to parse .*flow\.dag\.yaml: /,
    field: '',
    line: ['nodes: []']
  }
];

describe('loadFlow static validation (Prompt flow messages, file, field, line)', () => {
  test.each(cases.map((c) => [c.title, c] as const))('%s', async (_title, c) => {
    const dir = writeFlow(c.yaml, c.files);
    const error = await loadError(dir);
    expect(error.code).toBe(c.code);
    if (typeof c.message === 'string') expect(error.message).toBe(c.message);
    else expect(error.message).toMatch(c.message);
    expect(error.file).toBe(join(dir, 'flow.dag.yaml'));
    if (c.field) expect(error.field).toBe(c.field);
    expect(error.line).toBe(lineOf(c.yaml, c.line[0], c.line[1]));
  });

  test('tool errors come before graph errors, in node order (as the executor resolves tools first)', async () => {
    const dir = writeFlow(`nodes:
- name: a
  type: python
  source: {type: code, path: a.py}
  inputs: {x: '\${ghost.output}'}
- name: b
  type: python
  source: {type: code, path: gone.py}
`, PY);
    expect((await loadError(dir)).message).toContain("Tool file 'gone.py' can not be found");
  });

  test('an unsupported reference section loads (as in Prompt flow, reading it fails each line instead)', async () => {
    const dir = writeFlow(`inputs:
  q: {type: string}
outputs:
  answer: {type: string, reference: '\${b.outputs.x}'}
nodes:
- name: a
  type: python
  source: {type: code, path: a.py}
  inputs: {x: '\${inputs.q}'}
- name: b
  type: python
  source: {type: code, path: a.py}
  inputs: {x: '\${a.output[0]}'}
  activate: {when: '\${a.outputs}', is: 1}
`, PY);
    const flow = await loadFlow(dir);
    const b = flow.nodes.find((n) => n.name === 'b')!;
    expect(b.inputs.x).toEqual({ kind: 'nodeOutput', node: 'a', section: 'output[0]', path: '' });
    expect(b.activate?.when).toEqual({ kind: 'nodeOutput', node: 'a', section: 'outputs', path: '' });
    expect(flow.outputs[0]!.reference).toEqual({ kind: 'nodeOutput', node: 'b', section: 'outputs', path: 'x' });
    expect(flow.nodes.map((n) => n.name)).toEqual(['a', 'b']);
  });

  test('an output referencing an aggregation node is dropped with a warning, not an error', async () => {
    const dir = writeFlow(`inputs:
  q: {type: string}
outputs:
  answer: {type: string, reference: '\${a.output}'}
  metric: {type: double, reference: '\${agg.output}'}
nodes:
- name: a
  type: python
  source: {type: code, path: a.py}
  inputs: {x: '\${inputs.q}'}
- name: agg
  type: python
  source: {type: code, path: a.py}
  inputs: {x: '\${a.output}'}
  aggregation: true
`, PY);
    const flow = await loadFlow(dir);
    expect(flow.outputs.map((o) => o.name)).toEqual(['answer']);
    expect(flow.warnings).toContain("Output 'metric' references a reduce node 'agg', will not take effect.");
  });

  test('a flex flow is refused, from its directory or a YAML file with entry', async () => {
    const flexDir = join(root, 'flex');
    mkdirSync(flexDir);
    writeFileSync(join(flexDir, 'flow.flex.yaml'), 'entry: app:run\n');
    const fromDir = await loadError(flexDir);
    expect(fromDir.code).toBe('FlexFlowNotSupported');
    expect(fromDir.message).toMatch(/flex flows are not supported yet/);
    const file = join(root, 'custom.yaml');
    writeFileSync(file, 'inputs: {}\nentry: app:run\n');
    const fromFile = await loadError(file);
    expect(fromFile).toMatchObject({ code: 'FlexFlowNotSupported', field: 'entry', line: 2 });
  });

  test('a directory without a flow file names what it looked for', async () => {
    const empty = join(root, 'empty');
    mkdirSync(empty);
    expect((await loadError(empty)).message).toBe(`Flow path ${empty} must have postfix either flow.dag.yaml or flow.flex.yaml`);
    expect((await loadError(join(root, 'nowhere'))).message).toBe(`Flow path ${join(root, 'nowhere')} does not exist.`);
  });

  test("activate with empty 'when' and 'is' warns like Prompt flow", async () => {
    const dir = writeFlow(`nodes:
- name: a
  type: python
  source: {type: code, path: a.py}
  activate: {when: null, is: null}
`, PY);
    const flow = await loadFlow(dir);
    expect(flow.warnings).toContain(
      "The activate config for node a has empty 'when' and 'is'. Please check your flow yaml to ensure it aligns with your expectations."
    );
  });
});
