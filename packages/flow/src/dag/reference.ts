/**
 * Prompt flow's reference grammar (`contracts/flow.py` InputAssignment.deserialize)
 * and property paths (`executor/_input_assignment_parser.py` parse_node_property).
 *
 * `${inputs.x}` / `${flow.x}` is a flow input (the name is taken whole, so
 * `${inputs.a.b}` names an input called "a.b"); `${node}`, `${node.output}` and
 * `${node.output.<path>}` are node outputs; anything else is a literal, with no
 * interpolation. Any other section (`${node.outputs}`, `${node.output[0]}`) loads
 * as a node reference too: as in Prompt flow, only reading it fails, line by line.
 */
import { isPlainObject } from '../py/pyvalue.js';
import { LineError } from './errors.js';
import type { FlowNode, InputAssignment } from './model.js';

const FLOW_INPUT_PREFIXES = ['flow.', 'inputs.'];

/** Parse a node input, output `reference` or `activate.when` value. */
export function parseInputAssignment(value: unknown): InputAssignment {
  if (typeof value !== 'string' || !value.startsWith('$') || value.length <= 2) return { kind: 'literal', value };
  const braced = value.slice(1);
  if (!braced.startsWith('{') || !braced.endsWith('}')) return { kind: 'literal', value };
  const inner = braced.slice(1, -1);
  const prefix = FLOW_INPUT_PREFIXES.find((p) => inner.startsWith(p));
  if (prefix !== undefined) return { kind: 'flowInput', name: inner.slice(prefix.length) };
  return parseNodeReference(inner);
}

/** `InputAssignment.deserialize_node_reference`: `node[.section[.property]]`, the section unchecked. */
function parseNodeReference(data: string): InputAssignment {
  const dot = data.indexOf('.');
  if (dot < 0) return { kind: 'nodeOutput', node: data, section: 'output', path: '' };
  const node = data.slice(0, dot);
  const port = data.slice(dot + 1);
  const second = port.indexOf('.');
  if (second < 0) return { kind: 'nodeOutput', node, section: port, path: '' };
  return { kind: 'nodeOutput', node, section: port.slice(0, second), path: port.slice(second + 1) };
}

/** The reference back in YAML form (`InputAssignment.serialize`), for messages and the snapshot. */
export function serializeInputAssignment(assignment: InputAssignment): unknown {
  switch (assignment.kind) {
    case 'literal':
      return assignment.value;
    case 'flowInput':
      return `\${inputs.${assignment.name}}`;
    case 'nodeOutput':
      return assignment.path
        ? `\${${assignment.node}.${assignment.section}.${assignment.path}}`
        : `\${${assignment.node}.${assignment.section}}`;
  }
}

/** The nodes a node depends on: its node-reference inputs and its `activate.when`, each once, in order. */
export function referencedNodes(node: Pick<FlowNode, 'inputs' | 'activate'>): string[] {
  const names: string[] = [];
  const add = (assignment: InputAssignment) => {
    if (assignment.kind === 'nodeOutput' && !names.includes(assignment.node)) names.push(assignment.node);
  };
  Object.values(node.inputs).forEach(add);
  if (node.activate) add(node.activate.when);
  return names;
}

/** Python's `re.findall(r"(\w+)|(\['.*?'\])|(\[\d+\])", prop)` with Unicode `\w` and `\d`. */
const PROPERTY_PART = /([\p{L}\p{N}_]+)|(\['.*?'\])|(\[\p{Nd}+\])/gu;

export function propertyParts(path: string): string[] {
  return Array.from(path.matchAll(PROPERTY_PART), (m) => m[1] ?? m[2] ?? m[3] ?? '');
}

/**
 * Apply a property path to a node's output, as Prompt flow does: a word is a
 * dict key (attribute access on anything else, which plain data lacks),
 * `['k']` a key, `[0]` an index. A miss fails the line with InvalidReferenceProperty,
 * including on a `None` output (a bypassed node).
 */
export function resolvePropertyPath(value: unknown, path: string, nodeName = ''): unknown {
  const invalid = (cause?: unknown) =>
    new LineError(
      'InvalidReferenceProperty',
      'Flow execution failed. Invalid property \'{property}\' when accessing the node \'{node_name}\'. Please check the property and try again.',
      { property: path, node_name: nodeName },
      { cause }
    );
  let current = value;
  // Prompt flow first tries a dotted path as one literal key of the output dict.
  if (path.includes('.')) {
    if (!isPlainObject(current)) throw invalid();
    if (Object.prototype.hasOwnProperty.call(current, path)) current = current[path];
  }
  for (const part of propertyParts(path)) {
    if (part.startsWith('[') && part.endsWith(']')) {
      const inner = part.slice(1, -1);
      const quoted = inner.length >= 2 && ((inner.startsWith("'") && inner.endsWith("'")) || (inner.startsWith('"') && inner.endsWith('"')));
      const found = quoted ? lookupKey(current, inner.slice(1, -1)) : lookupIndex(current, Number(inner.normalize('NFKC')));
      if (!found.ok) throw invalid();
      current = found.value;
    } else {
      // A word is `val[part]` on a dict, else `getattr(val, part)`: plain data has no such attributes.
      const found = lookupKey(current, part);
      if (!found.ok) throw invalid();
      current = found.value;
    }
  }
  return current;
}

type Lookup = { ok: true; value: unknown } | { ok: false };

function lookupKey(container: unknown, key: string): Lookup {
  if (isPlainObject(container) && Object.prototype.hasOwnProperty.call(container, key)) return { ok: true, value: container[key] };
  return { ok: false };
}

function lookupIndex(container: unknown, index: number): Lookup {
  if (Array.isArray(container)) return index < container.length ? { ok: true, value: container[index] } : { ok: false };
  if (typeof container === 'string') {
    const chars = Array.from(container);
    return index < chars.length ? { ok: true, value: chars[index] } : { ok: false };
  }
  return { ok: false };
}
