/**
 * Per-node connection overrides (`connections:` in run.yml / `--connections`),
 * applied as `overwrite_connections` (`_sdk/_orchestrator/utils.py`) does:
 *
 * - an `llm` node takes `connection` (the node's connection field) and
 *   `deployment_name` / `model` (node inputs); any other key is an error;
 * - any other node takes keys that name one of its connection-typed inputs,
 *   plus `deployment_name` / `model`; any other key is an error.
 *
 * Which inputs of a Python tool are connection-typed is only known once the
 * tool is inspected, so loadFlow applies the `llm` overrides and leaves the
 * others in `flow.pendingConnectionOverrides` for `applyPythonConnectionOverrides`.
 */
import { UserError } from '@llmops/common';
import { isPlainObject, pyRepr } from '../py/pyvalue.js';
import type { Flow, FlowNode } from './model.js';

export type ConnectionOverrides = Record<string, Record<string, unknown>>;

const SUPPORTED_FIELDS = "{'connection', 'deployment_name', 'model'}";
const MODEL_FIELDS = ['deployment_name', 'model'];

function overrideError(message: string, node?: string): UserError {
  return new UserError(message, { code: 'InvalidFlowError', field: node ? `connections.${node}` : 'connections' });
}

/** Check the overrides' shape and that every node exists; returns them typed. */
export function checkConnectionOverrides(overrides: unknown, nodeNames: string[]): ConnectionOverrides {
  if (!isPlainObject(overrides)) throw overrideError(`Invalid connections overwrite format: ${pyRepr(overrides)}, only list is supported.`);
  for (const [node, fields] of Object.entries(overrides)) {
    if (!nodeNames.includes(node)) throw overrideError(`Node ${node} not found in flow`, node);
    if (!isPlainObject(fields)) throw overrideError(`Invalid connection overwrite format: ${pyRepr(fields)}, only dict is supported.`, node);
  }
  return overrides as ConnectionOverrides;
}

/** `override_llm_connections` on a node's YAML dict (mutated). */
export function overrideLlmNode(node: Record<string, unknown>, nodeName: string, fields: Record<string, unknown>): void {
  const remaining = { ...fields };
  if (remaining.connection) {
    node.connection = remaining.connection;
    delete remaining.connection;
  }
  for (const field of MODEL_FIELDS) {
    if (!(field in remaining)) continue;
    if (!isPlainObject(node.inputs)) {
      throw overrideError(`Failed to overwrite llm node ${nodeName} with connections ${pyRepr(remaining)}`, nodeName);
    }
    node.inputs[field] = remaining[field];
    delete remaining[field];
  }
  const unsupported = Object.keys(remaining);
  if (unsupported.length > 0) {
    throw overrideError(
      `Unsupported llm connection overwrite keys: dict_keys([${unsupported.map((k) => pyRepr(k)).join(', ')}]), only ${SUPPORTED_FIELDS} are supported.`,
      nodeName
    );
  }
}

/** Which node inputs are connection-typed (e.g. from the Python tool's signature). */
export type IsConnectionParam = (node: FlowNode, input: string) => boolean;

/**
 * `override_python_connections` for the non-`llm` nodes: returns a new Flow
 * whose nodes (and `raw`) carry the overridden literal inputs, with
 * `pendingConnectionOverrides` cleared. Pass `flow.pendingConnectionOverrides`.
 */
export function applyPythonConnectionOverrides(flow: Flow, overrides: ConnectionOverrides | undefined, isConnectionParam: IsConnectionParam): Flow {
  if (!overrides || Object.keys(overrides).length === 0) return { ...flow, pendingConnectionOverrides: undefined };
  checkConnectionOverrides(overrides, flow.nodes.map((n) => n.name));
  const rawNodes = Array.isArray(flow.raw.nodes) ? (flow.raw.nodes as unknown[]).map((n) => (isPlainObject(n) ? { ...n } : n)) : [];
  const nodes = flow.nodes.map((node) => {
    const fields = overrides[node.name];
    if (!fields) return node;
    const assigned = pythonOverrideInputs(node, fields, isConnectionParam);
    const rawNode = rawNodes.find((n) => isPlainObject(n) && n.name === node.name) as Record<string, unknown> | undefined;
    if (rawNode) rawNode.inputs = { ...(isPlainObject(rawNode.inputs) ? rawNode.inputs : {}), ...assigned };
    const inputs = { ...node.inputs };
    for (const [key, value] of Object.entries(assigned)) inputs[key] = { kind: 'literal', value };
    return { ...node, inputs };
  });
  return { ...flow, nodes, raw: { ...flow.raw, nodes: rawNodes }, pendingConnectionOverrides: undefined };
}

/** The inputs one non-`llm` node gets from its override fields. */
function pythonOverrideInputs(node: FlowNode, fields: Record<string, unknown>, isConnectionParam: IsConnectionParam): Record<string, unknown> {
  const assigned: Record<string, unknown> = {};
  const consumed = new Set<string>();
  for (const [key, value] of Object.entries(fields)) {
    if (isConnectionParam(node, key)) {
      assigned[key] = value;
      consumed.add(key);
      continue;
    }
    // Prompt flow lets deployment_name / model through for any tool that has them enabled by a connection.
    for (const field of MODEL_FIELDS) {
      if (field in fields) {
        assigned[field] = fields[field];
        consumed.add(field);
      }
    }
  }
  const unused = Object.keys(fields).filter((k) => !consumed.has(k));
  if (unused.length > 0) {
    throw overrideError(
      `Unsupported llm connection overwrite keys: {${unused.map((k) => pyRepr(k)).join(', ')}}, only ${SUPPORTED_FIELDS} are supported.`,
      node.name
    );
  }
  return assigned;
}
