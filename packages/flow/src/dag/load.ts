/**
 * Load a DAG flow: find `flow.dag.yaml`, parse it with line positions, apply
 * the chosen variant and the connection overrides, build the model and run
 * Prompt flow's static checks. Every problem is one UserError naming the
 * file, the YAML field and the line.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, isAbsolute, join, relative, resolve } from 'node:path';
import { UserError } from '@llmops/common';
import { isPlainObject, isPyFloat, pyRepr } from '../py/pyvalue.js';
import { chatFlowInfo } from './chat.js';
import { checkConnectionOverrides, overrideLlmNode, type ConnectionOverrides } from './connection-overrides.js';
import { LoadContext } from './context.js';
import { environmentVariables } from './environment.js';
import type { Flow } from './model.js';
import { parseInputs, parseNode, parseOutputs } from './parse.js';
import { validateFlowGraph, type PlacedNode } from './validate.js';
import { parseVariantChoice, selectVariants, VariantError, type SelectedNode } from './variants.js';
import { YamlSource } from './yaml-source.js';

export interface LoadFlowOptions {
  /** `${node.variant_id}`: the variant to use for that node (others use their default variant). */
  variant?: string;
  /** Per-node overrides, `{node: {connection, deployment_name, model}}` (run.yml `connections`). */
  connectionOverrides?: Record<string, Record<string, string>>;
}

const FLOW_FILE_NAMES = ['flow.dag.yaml', 'flow.dag.yml', 'flow.flex.yaml', 'flow.flex.yml'];
const FLEX_NOT_SUPPORTED = 'is a flex flow (it has an `entry`); flex flows are not supported yet, only DAG flows (flow.dag.yaml).';
const KNOWN_KEYS = new Set([
  '$schema', 'id', 'name', 'inputs', 'outputs', 'nodes', 'node_variants', 'tools', 'environment', 'environment_variables',
  'additional_includes', 'language', 'type', 'display_name', 'description', 'tags', 'message_format', 'properties'
]);
const FLOW_TYPES = ['standard', 'evaluation', 'chat'];

/** Load and validate a flow from its directory or YAML file. */
export async function loadFlow(flowPath: string, options: LoadFlowOptions = {}): Promise<Flow> {
  const { dir, file } = resolveFlowFile(flowPath);
  const shown = displayPath(file);
  const source = YamlSource.parse(readFileSync(file, 'utf8'), shown);
  const ctx = new LoadContext(shown, dir, source);
  const doc = source.toPython();
  if (!isPlainObject(doc)) throw new UserError(`${shown} must be a YAML mapping with 'inputs', 'outputs' and 'nodes'.`, { file: shown, code: 'InvalidFlowDefinition', line: 1 });
  if ('entry' in doc) throw ctx.error('FlexFlowNotSupported', `${shown} ${FLEX_NOT_SUPPORTED}`, ['entry']);
  if (doc.language === 'csharp') throw ctx.error('NotSupported', `${shown} is a C# flow (language: csharp); C# flows are not supported.`, ['language']);
  for (const key of Object.keys(doc)) if (!KNOWN_KEYS.has(key)) ctx.warn(`Unknown field '${key}' in ${shown} is ignored.`);
  if (doc.type !== undefined && doc.type !== null && !FLOW_TYPES.includes(String(doc.type))) {
    ctx.warn(`Flow type ${pyRepr(doc.type)} in ${shown} is not one of ${FLOW_TYPES.join(', ')}.`);
  }

  const yamlNodes = doc.nodes ?? [];
  if (!Array.isArray(yamlNodes)) throw ctx.error('InvalidFlowDefinition', "'nodes' must be a list of node definitions.", ['nodes']);
  const selected = selectNodes(ctx, yamlNodes, doc.node_variants, options.variant);
  const pendingConnectionOverrides = applyConnectionOverrides(selected, options.connectionOverrides);

  const placed: PlacedNode[] = selected.map((s, index) => ({ node: parseNode(ctx, s, index), path: s.path, hasSource: s.data.source !== undefined && s.data.source !== null }));
  const inputs = parseInputs(ctx, doc.inputs);
  const declaredOutputs = parseOutputs(ctx, doc.outputs);
  const { nodes, outputs } = validateFlowGraph(ctx, placed, inputs, declaredOutputs);

  const flow: Flow = {
    dir,
    file,
    name: basename(dir),
    inputs,
    outputs,
    nodes,
    environmentVariables: environmentVariables(ctx, doc.environment_variables),
    additionalIncludes: additionalIncludes(ctx, doc.additional_includes),
    raw: toPlain({ ...doc, nodes: selected.map((s) => s.data) }) as Record<string, unknown>
  };
  if (typeof doc.type === 'string') flow.type = doc.type;
  if (typeof doc.message_format === 'string') flow.messageFormat = doc.message_format;
  if (typeof doc.language === 'string') flow.language = doc.language;
  if (typeof doc.display_name === 'string') flow.displayName = doc.display_name;
  if (typeof doc.description === 'string') flow.description = doc.description;
  if (isPlainObject(doc.tags)) flow.tags = doc.tags;
  if (options.variant !== undefined) flow.nodeVariant = options.variant;
  if (pendingConnectionOverrides) flow.pendingConnectionOverrides = pendingConnectionOverrides;
  if (flow.type === 'chat') {
    const chat = chatFlowInfo(flow);
    if (!chat.isChatFlow) ctx.warn(`${shown} has type 'chat' but is not a valid chat flow: ${chat.errorMessage}.`);
  }
  flow.warnings = ctx.warnings;
  return flow;
}

/** `resolve_flow_path`: a directory holds `flow.dag.yaml|yml` (or a flex YAML); a file is used as is. */
export function resolveFlowFile(flowPath: string): { dir: string; file: string } {
  const full = resolve(flowPath);
  if (!existsSync(full)) throw new UserError(`Flow path ${full} does not exist.`, { file: flowPath, code: 'FlowNotFound' });
  if (statSync(full).isDirectory()) {
    const found = FLOW_FILE_NAMES.filter((name) => existsSync(join(full, name)) && statSync(join(full, name)).isFile());
    if (found.length > 1) {
      throw new UserError(`Multiple files ${found.join(', ')} exist in ${flowPath}. Please specify a file or remove the extra YAML file.`, {
        file: flowPath,
        code: 'FlowNotFound'
      });
    }
    if (found.length === 0) {
      throw new UserError(`Flow path ${full} must have postfix either flow.dag.yaml or flow.flex.yaml`, { file: flowPath, code: 'FlowNotFound' });
    }
    if (found[0]!.startsWith('flow.flex.')) {
      throw new UserError(`${displayPath(join(full, found[0]!))} ${FLEX_NOT_SUPPORTED}`, { file: displayPath(join(full, found[0]!)), code: 'FlexFlowNotSupported' });
    }
    return { dir: full, file: join(full, found[0]!) };
  }
  const suffix = extname(full).toLowerCase();
  if (suffix === '.prompty') throw new UserError(`${flowPath} is a prompty file; prompty flows are not supported yet, only DAG flows (flow.dag.yaml).`, { file: flowPath, code: 'NotSupported' });
  if (suffix !== '.yaml' && suffix !== '.yml') {
    throw new UserError(`The flow file suffix must be yaml or yml, and cannot be ${suffix}`, { file: flowPath, code: 'InvalidFlowFile' });
  }
  return { dir: resolve(full, '..'), file: full };
}

function selectNodes(ctx: LoadContext, yamlNodes: unknown[], nodeVariants: unknown, variant: string | undefined): SelectedNode[] {
  yamlNodes.forEach((node, index) => {
    if (!isPlainObject(node)) throw ctx.error('InvalidFlowDefinition', `Each node must be a mapping; nodes[${index}] is ${pyRepr(node)}.`, ['nodes', index]);
  });
  const choice = variant === undefined ? undefined : parseVariantChoice(variant);
  try {
    return selectVariants(yamlNodes, nodeVariants, choice);
  } catch (error) {
    if (error instanceof VariantError) throw ctx.error('InvalidFlowError', error.message, error.path);
    throw error;
  }
}

/** Apply LLM-node overrides to (copies of) the node dicts; return the rest for `applyPythonConnectionOverrides`. */
function applyConnectionOverrides(selected: SelectedNode[], overrides: Record<string, Record<string, string>> | undefined): ConnectionOverrides | undefined {
  if (overrides === undefined) return undefined;
  const checked = checkConnectionOverrides(overrides, selected.map((s) => String(s.data.name)));
  const pending: ConnectionOverrides = {};
  for (const [nodeName, fields] of Object.entries(checked)) {
    const target = selected.find((s) => s.data.name === nodeName)!;
    if (target.data.type !== 'llm') {
      pending[nodeName] = fields;
      continue;
    }
    target.data = { ...target.data, ...(isPlainObject(target.data.inputs) ? { inputs: { ...target.data.inputs } } : {}) };
    overrideLlmNode(target.data, nodeName, fields);
  }
  return Object.keys(pending).length > 0 ? pending : undefined;
}

function additionalIncludes(ctx: LoadContext, value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw ctx.error('InvalidFlowDefinition', "'additional_includes' must be a list of paths (relative to the flow directory).", ['additional_includes']);
  }
  return value as string[];
}

/** Python-valued data → plain JSON-able data (PyFloat → number), for `raw`. */
function toPlain(value: unknown): unknown {
  if (isPyFloat(value)) return value.value;
  if (Array.isArray(value)) return value.map(toPlain);
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toPlain(v)]));
  return value;
}

/** The file as the user would name it: relative to the working directory when inside it. */
function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}
