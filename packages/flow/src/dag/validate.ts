/**
 * The static checks Prompt flow runs when its executor is created
 * (`FlowExecutor.create`): resolve every node's tool in YAML order
 * (`_tool_resolver.py`: source file, connection, api), then the graph
 * (`flow_validator.py` `_validate_nodes_topology`, `_ensure_nodes_order`) and
 * the outputs (`_ensure_outputs_valid`). Messages are Prompt flow's.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { UserError } from '@llmops/common';
import { pyRepr } from '../py/pyvalue.js';
import type { LoadContext } from './context.js';
import type { Flow, FlowInputDef, FlowNode, FlowOutputDef, InputAssignment } from './model.js';
import type { YamlPath } from './yaml-source.js';

/** A node with the YAML path it was defined at. */
export interface PlacedNode {
  node: FlowNode;
  path: YamlPath;
  /** Whether the YAML gave the node a `source`. */
  hasSource: boolean;
}

export interface ValidatedGraph {
  /** Topologically sorted (stable: each step takes the first ready node in YAML order). */
  nodes: FlowNode[];
  /** Outputs referencing aggregation nodes are dropped (with a warning). */
  outputs: FlowOutputDef[];
}

export function validateFlowGraph(ctx: LoadContext, placed: PlacedNode[], inputs: FlowInputDef[], outputs: FlowOutputDef[]): ValidatedGraph {
  for (const entry of placed) checkTool(ctx, entry);
  checkTopology(ctx, placed, inputs);
  const nodes = sortNodes(ctx, placed);
  return { nodes, outputs: checkOutputs(ctx, nodes, inputs, outputs) };
}

/** `ensure_flow_valid_in_batch_mode`: a batch run needs at least one flow input. */
export function ensureFlowValidInBatchMode(flow: Pick<Flow, 'inputs' | 'file'>): void {
  if (flow.inputs.length === 0) {
    throw new UserError('The input for flow cannot be empty in batch mode. Please review your flow and provide valid inputs.', {
      file: flow.file,
      field: 'inputs',
      code: 'InputNotFound'
    });
  }
}

// ---- tools -------------------------------------------------------------

const LLM_APIS = ['chat', 'completion'];

function checkTool(ctx: LoadContext, { node, path, hasSource }: PlacedNode): void {
  const fail = (exceptionType: string, message: string, at: YamlPath) =>
    ctx.error('ResolveToolError', `Tool load failed in '${node.name}': (${exceptionType}) ${message}`, at);
  const source = node.source;
  if (!hasSource) throw fail('UserErrorException', `Node ${node.name} does not have source defined.`, path);
  switch (node.type) {
    case 'python':
      if (source.type === 'package') {
        if (!source.tool) throw fail('PackageToolNotFoundError', "Package tool 'None' is not found in the current environment.", [...path, 'source']);
        return;
      }
      if (source.type !== 'code') {
        throw fail('NotImplementedError', `Tool source type ${source.type} for python tool is not supported yet.`, [...path, 'source', 'type']);
      }
      if (source.path === undefined) throw fail('InvalidSource', `Load tool failed for node '${node.name}'. The source path is 'None'.`, [...path, 'source']);
      if (!isFile(ctx.dir, source.path)) {
        throw fail('InvalidSource', `Load tool failed for node '${node.name}'. Tool file '${source.path}' can not be found.`, [...path, 'source', 'path']);
      }
      return;
    case 'prompt':
      checkPromptSource(node, path);
      return;
    case 'llm':
      if (!node.connection) {
        throw fail('GetConnectionError', `Get connection 'None' for node '${node.name}' error: the node has no 'connection'.`, path);
      }
      if (!node.api || !LLM_APIS.includes(node.api)) {
        const provider = node.provider ?? 'AzureOpenAI';
        throw fail('APINotFound', `The API '${provider}.${node.api ?? 'None'}' is not found.`, node.api ? [...path, 'api'] : path);
      }
      checkPromptSource(node, path);
      return;
    case 'custom_llm':
      if (source.type !== 'package_with_prompt') {
        throw fail('NotImplementedError', `Tool source type ${source.type} for custom_llm tool is not supported yet.`, [...path, 'source', 'type']);
      }
      if (!source.tool) throw fail('PackageToolNotFoundError', "Package tool 'None' is not found in the current environment.", [...path, 'source']);
      checkPromptSource(node, path);
      return;
    default:
      throw fail('NotImplementedError', `Tool type ${String(node.type)} is not supported yet.`, [...path, 'type']);
  }

  function checkPromptSource(n: FlowNode, at: YamlPath): void {
    if (n.source.path === undefined || !isFile(ctx.dir, n.source.path)) {
      throw fail('InvalidSource', `Node source path '${n.source.path ?? 'None'}' is invalid on node '${n.name}'.`, [...at, 'source', 'path']);
    }
  }
}

function isFile(dir: string, path: string): boolean {
  const full = resolve(dir, path);
  return existsSync(full) && statSync(full).isFile();
}

// ---- topology ----------------------------------------------------------

function inputEntries(node: FlowNode, path: YamlPath): Array<{ assignment: InputAssignment; at: YamlPath }> {
  return Object.entries(node.inputs).map(([key, assignment]) => ({ assignment, at: [...path, 'inputs', key] }));
}

function checkTopology(ctx: LoadContext, placed: PlacedNode[], inputs: FlowInputDef[]): void {
  const seen = new Set<string>();
  for (const { node, path } of placed) {
    if (seen.has(node.name)) {
      throw ctx.error(
        'DuplicateNodeName',
        `Invalid node definitions found in the flow graph. Node with name '${node.name}' appears more than once in the node definitions ` +
          'in your flow, which is not allowed. To address this issue, please review your flow and either rename or remove nodes with identical names.',
        [...path, 'name']
      );
    }
    seen.add(node.name);
  }
  const inputNames = new Set(inputs.map((i) => i.name));
  for (const { node, path } of placed) {
    for (const { assignment, at } of inputEntries(node, path)) {
      if (assignment.kind !== 'flowInput' || inputNames.has(assignment.name)) continue;
      throw ctx.error(
        'InputReferenceNotFound',
        `Invalid node definitions found in the flow graph. Node '${node.name}' references flow input '${assignment.name}' which is not ` +
          'defined in your flow. To resolve this issue, please review your flow, ensuring that you either add the missing flow inputs ' +
          'or adjust node reference to the correct flow input.' +
          nestedInputHint(assignment.name),
        at
      );
    }
  }
}

/** `${inputs.a.b}` names an input called "a.b": Prompt flow has no nested access on flow inputs. */
function nestedInputHint(name: string): string {
  return /[.[]/.test(name) ? ` (Flow input references take the whole name: nested access such as '\${inputs.${name}}' is not supported.)` : '';
}

function sortNodes(ctx: LoadContext, placed: PlacedNode[]): FlowNode[] {
  const dependencies = new Map<string, Set<string>>(placed.map(({ node }) => [node.name, new Set<string>()]));
  const aggregationNodes = new Set(placed.filter(({ node }) => node.aggregation).map(({ node }) => node.name));
  for (const { node, path } of placed) {
    const entries = inputEntries(node, path);
    if (node.activate) {
      const when = node.activate.when;
      if (node.aggregation && when.kind === 'nodeOutput' && !aggregationNodes.has(when.node)) {
        throw ctx.error(
          'InvalidNodeReference',
          `Invalid node definitions found in the flow graph. Non-aggregation node '${when.node}' cannot be referenced in the activate ` +
            `config of the aggregation node '${node.name}'. Please review and rectify the node reference.`,
          [...path, 'activate', 'when']
        );
      }
      entries.push({ assignment: when, at: [...path, 'activate', 'when'] });
    }
    const deps = dependencies.get(node.name)!;
    const firstAt = new Map<string, YamlPath>();
    for (const { assignment, at } of entries) {
      if (assignment.kind !== 'nodeOutput') continue;
      if (!dependencies.has(assignment.node)) {
        throw ctx.error(
          'NodeReferenceNotFound',
          `Invalid node definitions found in the flow graph. Node '${node.name}' references a non-existent node '${assignment.node}' ` +
            'in your flow. Please review your flow to ensure that the node name is accurately specified.',
          at
        );
      }
      deps.add(assignment.node);
      if (!firstAt.has(assignment.node)) firstAt.set(assignment.node, at);
    }
    if (!node.aggregation) {
      const invalid = [...deps].filter((d) => aggregationNodes.has(d));
      if (invalid.length > 0) {
        throw ctx.error(
          'InvalidNodeReference',
          `Invalid node definitions found in the flow graph. Non-aggregate node '${node.name}' cannot reference aggregate nodes ` +
            `{${invalid.map((n) => pyRepr(n)).join(', ')}}. Please review and rectify the node reference.`,
          firstAt.get(invalid[0]!)!
        );
      }
    }
  }

  const sorted: FlowNode[] = [];
  const picked = new Set<string>();
  for (let step = 0; step < placed.length; step++) {
    const next = placed.find(({ node }) => !picked.has(node.name) && [...dependencies.get(node.name)!].every((d) => picked.has(d)));
    if (!next) {
      const remaining = [...dependencies.keys()].filter((n) => !picked.has(n)).sort();
      const cycle = findCycle(dependencies, picked);
      const first = placed.find(({ node }) => node.name === cycle[0]) ?? placed.find(({ node }) => !picked.has(node.name))!;
      throw ctx.error(
        'NodeCircularDependency',
        'Invalid node definitions found in the flow graph. Node circular dependency has been detected among the nodes in your flow. ' +
          `Kindly review the reference relationships for the nodes [${remaining.map((n) => pyRepr(n)).join(', ')}] and resolve the ` +
          `circular reference issue in the flow. Cycle: ${cycle.join(' -> ')}.`,
        first.path
      );
    }
    sorted.push(next.node);
    picked.add(next.node.name);
  }
  return sorted;
}

/** One dependency cycle among the unpicked nodes, e.g. `['a', 'b', 'a']` (a uses b, b uses a). */
function findCycle(dependencies: Map<string, Set<string>>, picked: Set<string>): string[] {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (name: string): string[] | undefined => {
    state.set(name, 'visiting');
    stack.push(name);
    for (const dep of dependencies.get(name) ?? []) {
      if (picked.has(dep)) continue;
      if (state.get(dep) === 'visiting') return [...stack.slice(stack.indexOf(dep)), dep];
      if (!state.has(dep)) {
        const found = visit(dep);
        if (found) return found;
      }
    }
    stack.pop();
    state.set(name, 'done');
    return undefined;
  };
  for (const name of dependencies.keys()) {
    if (picked.has(name) || state.has(name)) continue;
    const found = visit(name);
    if (found) return found;
  }
  return [];
}

// ---- outputs -----------------------------------------------------------

function checkOutputs(ctx: LoadContext, nodes: FlowNode[], inputs: FlowInputDef[], outputs: FlowOutputDef[]): FlowOutputDef[] {
  const inputNames = new Set(inputs.map((i) => i.name));
  const kept: FlowOutputDef[] = [];
  for (const output of outputs) {
    const ref = output.reference;
    const at: YamlPath = ['outputs', output.name, 'reference'];
    if (ref.kind === 'literal' && ref.value === '') {
      throw ctx.error(
        'EmptyOutputReference',
        `The output '${output.name}' for flow is incorrect. The reference is not specified for the output '${output.name}' in the flow. ` +
          'To rectify this, ensure that you accurately specify the reference in the flow.',
        at
      );
    }
    if (ref.kind === 'flowInput' && !inputNames.has(ref.name)) {
      throw ctx.error(
        'OutputReferenceNotFound',
        `The output '${output.name}' for flow is incorrect. The output '${output.name}' references non-existent flow input ` +
          `'${ref.name}' in your flow. Please carefully review your flow and correct the reference definition for the output in question.`,
        at
      );
    }
    if (ref.kind === 'nodeOutput') {
      const node = nodes.find((n) => n.name === ref.node);
      if (!node) {
        throw ctx.error(
          'OutputReferenceNotFound',
          `The output '${output.name}' for flow is incorrect. The output '${output.name}' references non-existent node '${ref.node}' ` +
            'in your flow. To resolve this issue, please carefully review your flow and correct the reference definition for the output in question.',
          at
        );
      }
      if (node.aggregation) {
        ctx.warn(`Output '${output.name}' references a reduce node '${ref.node}', will not take effect.`);
        continue;
      }
    }
    kept.push(output);
  }
  return kept;
}
