/**
 * Resolves each node's tool once per run (Prompt flow's `_tool_resolver.py`):
 * loads Python tool metadata, reads templates, looks up connections and
 * coerces literal inputs by the tool's declared types.
 */
import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { UserError, type Log } from '@llmops/common';
import { connectionProblem } from '../connections/index.js';
import type { Connection } from '../connections/model.js';
import type { Flow, FlowNode, ValueTypeName } from '../dag/model.js';
import { parseValueType } from '../dag/index.js';
import {
  checkTemplateVariables,
  EMBEDDING_CONNECTION_TYPES,
  EMBEDDING_TOOL,
  EMBEDDING_TOOL_PARAMS,
  llmToolParams,
  providerOf,
  renderPrompt,
  runEmbeddingTool,
  runLlmTool,
  type LlmClient
} from '../llm/index.js';
import { PythonToolError, pythonParamValueType, type PythonPool, type PythonToolMeta, type PythonValueType } from '../python/index.js';
import { toolExecutionFailure } from './errors.js';
import type { PreparedNode, ToolOutcome } from './types.js';

export interface ToolDependencies {
  pool: PythonPool;
  llm: LlmClient;
  connections: Map<string, Connection>;
  /** Where connections came from, for error messages. */
  connectionsSource: string;
  log: Log;
}

/** Unified LLM tools that behave as `llm` nodes when used as `custom_llm`. */
const LLM_PACKAGE_TOOLS = new Set(['promptflow.tools.llm.llm']);

export async function prepareNodes(flow: Flow, deps: ToolDependencies): Promise<Map<string, PreparedNode>> {
  const prepared = new Map<string, PreparedNode>();
  for (const [index, node] of flow.nodes.entries()) {
    prepared.set(node.name, await prepareNode(flow, node, index, deps));
  }
  return prepared;
}

function fieldOf(index: number, key: string): string {
  return `nodes[${index}].${key}`;
}

async function prepareNode(flow: Flow, node: FlowNode, index: number, deps: ToolDependencies): Promise<PreparedNode> {
  const isLlm = node.type === 'llm' || (node.type === 'custom_llm' && LLM_PACKAGE_TOOLS.has(node.source.tool ?? ''));
  if (isLlm) return prepareLlmNode(flow, node, index, deps);
  if (node.type === 'prompt') return preparePromptNode(flow, node, index);
  if (node.type === 'python' && node.source.type === 'code') return preparePythonNode(flow, node, index, deps);
  if (node.type === 'python' && node.source.type === 'package' && node.source.tool === EMBEDDING_TOOL) return prepareEmbeddingNode(flow, node, index, deps);
  const what = node.source.tool ? `tool '${node.source.tool}'` : `node type '${node.type}'`;
  throw new UserError(
    `Node '${node.name}' uses ${what}, which the native executor does not support yet. Supported: python nodes with code sources, llm, prompt, and the package tool ${EMBEDDING_TOOL}.`,
    { file: flow.file, field: fieldOf(index, node.source.tool ? 'source.tool' : 'type'), code: 'UnsupportedTool' }
  );
}

async function readTemplate(flow: Flow, node: FlowNode, index: number): Promise<{ text: string; path: string }> {
  const path = join(flow.dir, node.source.path ?? '');
  try {
    return { text: await readFile(path, 'utf8'), path };
  } catch {
    throw new UserError(`Cannot read the template '${node.source.path}' of node '${node.name}'.`, {
      file: flow.file,
      field: fieldOf(index, 'source.path'),
      code: 'InvalidSource'
    });
  }
}

/** `_convert_literal_input_types`: drop None/"" literals, parse the rest by declared type. */
function coerceLiterals(
  flow: Flow,
  node: FlowNode,
  index: number,
  typeOf: (input: string) => ValueTypeName | 'connection' | undefined,
  connectionFor: (input: string, name: string) => unknown
): Record<string, unknown> {
  const literals: Record<string, unknown> = {};
  for (const [name, assignment] of Object.entries(node.inputs)) {
    if (assignment.kind !== 'literal') continue;
    const value = assignment.value;
    if (value === null || value === undefined || value === '') continue;
    const type = typeOf(name);
    try {
      if (type === 'connection') literals[name] = connectionFor(name, String(value));
      else literals[name] = type ? parseValueType(type, value) : value;
    } catch (error) {
      if (error instanceof UserError) throw error;
      throw new UserError(
        `Input '${name}' of node '${node.name}' is not a valid ${type}: ${(error as Error).message}`,
        { file: flow.file, field: fieldOf(index, `inputs.${name}`), code: 'InputTypeError' }
      );
    }
  }
  return literals;
}

function lookupConnection(
  flow: Flow,
  node: FlowNode,
  field: string,
  name: string,
  deps: ToolDependencies,
  options: { replaysOnly?: boolean } = {}
): Connection {
  const connection = deps.connections.get(name);
  if (connection) {
    // An unset `${env:…}` matters only when the connection is used for live calls:
    // an LLM node replaying recorded answers never sends its key.
    const problem = connectionProblem(connection);
    if (problem && !options.replaysOnly) throw problem;
    return connection;
  }
  const known = [...deps.connections.keys()];
  throw new UserError(
    `Connection '${name}' used by node '${node.name}' is not defined. ` +
      (known.length
        ? `Connections in ${deps.connectionsSource}: ${known.join(', ')}.`
        : `No connections were given: pass a connections file (connections-file / --connections-file).`),
    { file: flow.file, field, code: 'ConnectionNotFound' }
  );
}

async function prepareLlmNode(flow: Flow, node: FlowNode, index: number, deps: ToolDependencies): Promise<PreparedNode> {
  const template = await readTemplate(flow, node, index);
  if (!node.connection) {
    throw new UserError(`LLM node '${node.name}' has no connection.`, {
      file: flow.file,
      field: fieldOf(index, 'connection'),
      code: 'ConnectionNotSet'
    });
  }
  const connection = lookupConnection(flow, node, fieldOf(index, 'connection'), node.connection, deps, {
    replaysOnly: deps.llm.cache.mode === 'replay'
  });
  const unified = node.type === 'custom_llm';
  const api = node.api === 'completion' ? 'completion' : 'chat';
  const templatePath = relative(flow.dir, template.path);
  checkTemplateVariables({ nodeName: node.name, template: template.text, templatePath }, providerOf(connection), api, unified);
  const params = new Map(llmToolParams(connection, api, unified).map((p) => [p.name, p]));
  // Tool parameters are coerced by their declared types; template variables are passed as written.
  const literalInputs = coerceLiterals(flow, node, index, (input) => params.get(input)?.type, () => undefined);
  const escapeInputNames = flowInputBound(node);
  return {
    node,
    literalInputs,
    paramHasDefault: (name) => params.get(name)?.hasDefault ?? false,
    invoke: async (kwargs, context): Promise<ToolOutcome> => {
      const result = await runLlmTool({
        nodeName: node.name,
        api,
        connection,
        template: template.text,
        templatePath,
        inputs: kwargs,
        escapeInputNames,
        promptResults: context.promptResults,
        unified,
        client: deps.llm,
        signal: context.signal
      });
      return { output: result.output, usage: result.usage };
    }
  };
}

/**
 * The Embedding package tool. Its inputs are coerced by `embedding.yaml` (a connection,
 * then strings); the connection must be one of the yaml's types (PF's
 * `_convert_to_connection_value`) and, like an LLM node's, may lack its secret when
 * every answer is replayed from the cache.
 */
async function prepareEmbeddingNode(flow: Flow, node: FlowNode, index: number, deps: ToolDependencies): Promise<PreparedNode> {
  const params = new Map(EMBEDDING_TOOL_PARAMS.map((p) => [p.name, p]));
  let connection: Connection | undefined;
  const literalInputs = coerceLiterals(
    flow,
    node,
    index,
    (input) => params.get(input)?.type,
    (input, name) => {
      const field = fieldOf(index, `inputs.${input}`);
      connection = lookupConnection(flow, node, field, name, deps, { replaysOnly: deps.llm.cache.mode === 'replay' });
      if (!EMBEDDING_CONNECTION_TYPES.includes(connection.className)) {
        const valid = `[${EMBEDDING_CONNECTION_TYPES.map((t) => `'${t}'`).join(', ')}]`;
        throw new UserError(`Input '${input}' for node '${node.name}' of type '${connection.className}' is not supported, valid types ${valid}.`, {
          file: flow.file,
          field,
          code: 'NodeInputValidationError'
        });
      }
      // Run files record the connection by name, as PF serializes connection inputs.
      return name;
    }
  );
  return {
    node,
    literalInputs,
    paramHasDefault: (name) => params.get(name)?.hasDefault ?? false,
    invoke: async (kwargs, context): Promise<ToolOutcome> => {
      const { connection: given, ...inputs } = kwargs;
      // A connection input that is not a literal name reaches the tool as a plain value, as in PF.
      const isLiteral = node.inputs.connection?.kind === 'literal' && connection !== undefined;
      const result = await runEmbeddingTool({
        nodeName: node.name,
        connection: isLiteral && given !== undefined ? connection : given,
        inputs,
        client: deps.llm,
        signal: context.signal
      });
      return { output: result.output, usage: result.usage };
    }
  };
}

/** Node inputs bound straight to flow inputs: Prompt flow escapes role markers in them. */
function flowInputBound(node: FlowNode): string[] {
  return Object.entries(node.inputs)
    .filter(([, a]) => a.kind === 'flowInput')
    .map(([name]) => name);
}

async function preparePromptNode(flow: Flow, node: FlowNode, index: number): Promise<PreparedNode> {
  const template = await readTemplate(flow, node, index);
  const literalInputs = coerceLiterals(flow, node, index, () => undefined, () => undefined);
  const escapeInputNames = flowInputBound(node);
  const templatePath = relative(flow.dir, template.path);
  return {
    node,
    literalInputs,
    paramHasDefault: () => false,
    invoke: async (kwargs, context): Promise<ToolOutcome> => {
      const rendering = renderPrompt({
        template: template.text,
        templatePath,
        nodeName: node.name,
        inputs: kwargs,
        escapeInputNames,
        promptResults: context.promptResults
      });
      return { output: rendering.text, promptEscape: rendering.escape };
    }
  };
}

/** Python parameter types that `ValueType.parse` treats as strings or passes through. */
function literalTypeOf(type: PythonValueType): ValueTypeName | 'connection' | undefined {
  switch (type) {
    case 'secret':
    case 'prompt_template':
    case 'file_path':
      return 'string';
    case 'image':
    case 'assistant_definition':
      return undefined;
    default:
      return type;
  }
}

async function preparePythonNode(flow: Flow, node: FlowNode, index: number, deps: ToolDependencies): Promise<PreparedNode> {
  const toolPath = join(flow.dir, node.source.path ?? '');
  let meta: PythonToolMeta;
  try {
    meta = await deps.pool.load(toolPath, node.name);
  } catch (error) {
    if (error instanceof UserError) {
      throw new UserError(error.message, { file: error.file ?? toolPath, field: fieldOf(index, 'source.path'), code: error.code });
    }
    throw error;
  }
  const params = new Map([...meta.parameters, ...meta.initParameters].map((p) => [p.name, p]));
  const initNames = new Set(meta.initParameters.map((p) => p.name));
  const usedConnections = new Map<string, Connection>();
  const literalInputs = coerceLiterals(
    flow,
    node,
    index,
    (input) => {
      const param = params.get(input);
      return param ? literalTypeOf(pythonParamValueType(param)) : undefined;
    },
    (input, name) => {
      usedConnections.set(input, lookupConnection(flow, node, fieldOf(index, `inputs.${input}`), name, deps));
      return name;
    }
  );
  const initArgs = Object.fromEntries(Object.entries(literalInputs).filter(([name]) => initNames.has(name)));
  const connections = [...new Set(usedConnections.values())];
  return {
    node,
    literalInputs,
    paramHasDefault: (name) => params.get(name)?.hasDefault ?? false,
    invoke: async (kwargs, context): Promise<ToolOutcome> => {
      const callKwargs = Object.fromEntries(Object.entries(kwargs).filter(([name]) => !initNames.has(name)));
      try {
        const result = await deps.pool.call({
          node: node.name,
          toolPath,
          kwargs: callKwargs,
          connections,
          connectionInputs: [...usedConnections.keys()],
          initArgs: meta.className ? initArgs : undefined,
          signal: context.signal
        });
        return { output: result.value, logs: { stdout: result.stdout, stderr: result.stderr }, metrics: result.metrics };
      } catch (error) {
        if (error instanceof PythonToolError) {
          const failure = toolExecutionFailure(node.name, error.pythonType, error.pythonMessage, error.pythonTraceback);
          throw Object.assign(failure, { logs: { stdout: error.stdout, stderr: error.stderr }, metrics: error.metrics });
        }
        throw error;
      }
    }
  };
}
