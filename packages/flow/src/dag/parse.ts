/**
 * YAML dicts → the flow model, as Prompt flow's `Flow.deserialize`,
 * `Node.deserialize`, `FlowInputDefinition` / `FlowOutputDefinition` and
 * `ActivateCondition.deserialize` read them (`contracts/flow.py`). Only the
 * shape is checked here; references and tools are checked by validate.ts.
 */
import { isUserError } from '@llmops/common';
import { isPlainObject, pyRepr, pyTruthy } from '../py/pyvalue.js';
import { fieldName, type LoadContext } from './context.js';
import type { ActivateConfig, FlowInputDef, FlowNode, FlowOutputDef, InputAssignment, NodeSource, NodeType, ValueTypeName } from './model.js';
import { parseInputAssignment } from './reference.js';
import type { SelectedNode } from './variants.js';
import type { YamlPath } from './yaml-source.js';

export const VALUE_TYPES: readonly ValueTypeName[] = ['int', 'double', 'bool', 'string', 'list', 'object', 'image'];
/** Prompt flow's ToolType values this executor runs (`csharp` and the internal `action` are rejected with a clear message). */
export const NODE_TYPES: readonly NodeType[] = ['llm', 'python', 'prompt', 'custom_llm'];

export function parseInputs(ctx: LoadContext, data: unknown): FlowInputDef[] {
  const section = mappingOrEmpty(ctx, data, ['inputs']);
  return Object.entries(section).map(([name, raw]) => {
    const path = ['inputs', name];
    const def = requireMapping(ctx, raw, path, `Flow input '${name}' must be a mapping with at least 'type'.`);
    const input: FlowInputDef = { name, type: valueType(ctx, def.type, [...path, 'type'], `flow input '${name}'`) };
    if (def.default !== undefined && def.default !== null) input.default = def.default;
    if (typeof def.description === 'string' && def.description) input.description = def.description;
    if (pyTruthy(def.is_chat_input)) input.isChatInput = true;
    if (def.is_chat_history !== undefined && def.is_chat_history !== null) input.isChatHistory = pyTruthy(def.is_chat_history);
    if (Array.isArray(def.enum) && def.enum.length > 0) input.enum = def.enum;
    return input;
  });
}

export function parseOutputs(ctx: LoadContext, data: unknown): FlowOutputDef[] {
  const section = mappingOrEmpty(ctx, data, ['outputs']);
  return Object.entries(section).map(([name, raw]) => {
    const path = ['outputs', name];
    const def = requireMapping(ctx, raw, path, `Flow output '${name}' must be a mapping with 'type' and 'reference'.`);
    const output: FlowOutputDef = {
      name,
      type: valueType(ctx, def.type, [...path, 'type'], `flow output '${name}'`),
      reference: assignment(ctx, def.reference === undefined ? '' : def.reference, [...path, 'reference'])
    };
    if (typeof def.description === 'string' && def.description) output.description = def.description;
    if (pyTruthy(def.is_chat_output)) output.isChatOutput = true;
    if (pyTruthy(def.evaluation_only)) output.evaluationOnly = true;
    return output;
  });
}

/** One node dict (after variant selection) → FlowNode. */
export function parseNode(ctx: LoadContext, selected: SelectedNode, originalIndex: number): FlowNode {
  const { data, path } = selected;
  const name = data.name;
  if (typeof name !== 'string' || name === '') {
    throw ctx.error('InvalidNodeDefinition', `The node at nodes[${originalIndex}] has no 'name'. Every node needs a unique name.`, [...path, 'name']);
  }
  const node: FlowNode = {
    name,
    type: nodeType(ctx, data.type, name, [...path, 'type']),
    source: nodeSource(ctx, data.source, [...path, 'source']),
    inputs: nodeInputs(ctx, data.inputs, [...path, 'inputs']),
    // Legacy flows spell it `reduce`.
    aggregation: pyTruthy(data.aggregation) || pyTruthy(data.reduce),
    useVariants: selected.variantId !== undefined,
    field: fieldName(path),
    line: ctx.source.lineOf(path)
  };
  for (const key of ['connection', 'api', 'provider', 'module'] as const) {
    const value = data[key];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string') throw ctx.error('InvalidNodeDefinition', `Node '${name}': '${key}' must be a string, got ${pyRepr(value)}.`, [...path, key]);
    node[key] = value;
  }
  if (pyTruthy(data.enable_cache)) node.enableCache = true;
  if (typeof data.comment === 'string' && data.comment) node.comment = data.comment;
  if (selected.variantId !== undefined) node.variantId = selected.variantId;
  if ('activate' in data) node.activate = activateConfig(ctx, data.activate, name, [...path, 'activate']);
  return node;
}

function nodeType(ctx: LoadContext, value: unknown, node: string, path: YamlPath): NodeType {
  if (value === undefined || value === null) {
    throw ctx.error('ResolveToolError', `Tool load failed in '${node}': (NotImplementedError) Tool type None is not supported yet.`, path);
  }
  if ((NODE_TYPES as readonly unknown[]).includes(value)) return value as NodeType;
  if (value === 'csharp') {
    throw ctx.error('NotSupported', `Node '${node}' is a C# node (type: csharp); C# flows are not supported by this executor.`, path);
  }
  throw ctx.error(
    'InvalidNodeType',
    `${pyRepr(value)} is not a valid ToolType: node '${node}' must have type one of ${NODE_TYPES.join(', ')}.`,
    path
  );
}

function nodeSource(ctx: LoadContext, value: unknown, path: YamlPath): NodeSource {
  // A missing source is reported when the node's tool is resolved (validate.ts), as Prompt flow does.
  if (value === undefined || value === null) return { type: 'code' };
  const data = requireMapping(ctx, value, path, "A node's 'source' must be a mapping with 'type' and 'path' or 'tool'.");
  const source: NodeSource = { type: (data.type ?? 'code') as NodeSource['type'] };
  if (data.path !== undefined && data.path !== null) source.path = String(data.path);
  if (data.tool !== undefined && data.tool !== null) source.tool = String(data.tool);
  return source;
}

function nodeInputs(ctx: LoadContext, value: unknown, path: YamlPath): Record<string, InputAssignment> {
  const data = mappingOrEmpty(ctx, value, path);
  const inputs: Record<string, InputAssignment> = {};
  for (const [key, raw] of Object.entries(data)) inputs[key] = assignment(ctx, raw, [...path, key]);
  return inputs;
}

function activateConfig(ctx: LoadContext, value: unknown, node: string, path: YamlPath): ActivateConfig {
  if (!isPlainObject(value) || !('when' in value) || !('is' in value)) {
    throw ctx.error(
      'FlowDefinitionError',
      `The definition of activate config for node ${node} is incorrect. Please check your flow yaml and resubmit.`,
      path
    );
  }
  if (value.when === null && value.is === null) {
    ctx.warn(
      `The activate config for node ${node} has empty 'when' and 'is'. ` +
        'Please check your flow yaml to ensure it aligns with your expectations.'
    );
  }
  return { when: assignment(ctx, value.when, [...path, 'when']), is: value.is };
}

/** Parse a reference, re-raising a grammar error at its YAML location. */
export function assignment(ctx: LoadContext, value: unknown, path: YamlPath): InputAssignment {
  try {
    return parseInputAssignment(value);
  } catch (error) {
    if (isUserError(error)) throw ctx.error(error.code, error.message, path, error);
    throw error;
  }
}

function valueType(ctx: LoadContext, value: unknown, path: YamlPath, what: string): ValueTypeName {
  if ((VALUE_TYPES as readonly unknown[]).includes(value)) return value as ValueTypeName;
  const shown = value === undefined ? 'no type' : `type ${pyRepr(value)}`;
  throw ctx.error('InvalidValueType', `The ${what} has ${shown}; it must be one of ${VALUE_TYPES.join(', ')}.`, path);
}

function mappingOrEmpty(ctx: LoadContext, value: unknown, path: YamlPath): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  return requireMapping(ctx, value, path, `'${fieldName(path)}' must be a mapping.`);
}

function requireMapping(ctx: LoadContext, value: unknown, path: YamlPath, message: string): Record<string, unknown> {
  if (!isPlainObject(value)) throw ctx.error('InvalidFlowDefinition', message, path);
  return value;
}
