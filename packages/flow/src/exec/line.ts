/**
 * One line of a batch run: Prompt flow's FlowExecutor.exec_line for DAG flows.
 * Nodes run as soon as their dependencies are done (completed or bypassed),
 * up to `nodeConcurrency` at once; the first node failure fails the line and
 * cancels the rest (`executor/_flow_nodes_scheduler.py`).
 */
import type { Flow, FlowNode, InputAssignment } from '../dag/model.js';
import { coerceFlowInputs, resolvePropertyPath } from '../dag/index.js';
import { formatMessage } from '../dag/errors.js';
import type { PromptEscape } from '../llm/index.js';
import { pyEquals } from '../py/pyvalue.js';
import { LineFailure, toErrorDict } from './errors.js';
import { addUsage, ZERO_USAGE, type LineRunResult, type NodeRunResult, type PreparedNode, type TokenUsage } from './types.js';

export interface LineOptions {
  nodeConcurrency: number;
  signal: AbortSignal;
  onWarning?: (message: string) => void;
}

/** Node names an assignment depends on. */
function referencedNode(assignment: InputAssignment | undefined): string | undefined {
  return assignment?.kind === 'nodeOutput' ? assignment.node : undefined;
}

export function nodeDependencies(node: FlowNode): string[] {
  const deps = new Set<string>();
  for (const assignment of Object.values(node.inputs)) {
    const dep = referencedNode(assignment);
    if (dep) deps.add(dep);
  }
  const activateDep = referencedNode(node.activate?.when);
  if (activateDep) deps.add(activateDep);
  return [...deps];
}

type NodeReference = Extract<InputAssignment, { kind: 'nodeOutput' }>;

/** Prompt flow's UnsupportedReference (a NodeReferenceError raised without a target, hence 'Unknown'). */
export function unsupportedReference(reference: NodeReference): LineFailure {
  const messageFormat =
    "Flow execution failed. The section '{reference_section}' of reference is currently unsupported. " +
    "Please specify the output part of the node '{reference_node_name}'.";
  const messageParameters = { reference_section: reference.section, reference_node_name: reference.node };
  return new LineFailure(
    formatMessage(messageFormat, messageParameters),
    ['UserError', 'NodeReferenceError', 'UnsupportedReference'],
    { referenceCode: 'Unknown', messageFormat, messageParameters }
  );
}

/**
 * A node reference read as a node input or activate condition (`_input_assignment_parser.parse_value`):
 * the section is checked first, then the property path is applied to the node's output.
 */
export function readNodeReference(reference: NodeReference, output: unknown): unknown {
  if (reference.section !== 'output') throw unsupportedReference(reference);
  return resolvePropertyPath(output, reference.path, reference.node);
}

/** Reads an assignment against the line's state; `undefined` node outputs never reach here. */
function readAssignment(
  assignment: InputAssignment,
  flowInputs: Record<string, unknown>,
  outputs: Map<string, unknown>
): unknown {
  switch (assignment.kind) {
    case 'literal':
      return assignment.value;
    case 'flowInput':
      return flowInputs[assignment.name];
    case 'nodeOutput':
      return readNodeReference(assignment, outputs.get(assignment.node));
  }
}

/**
 * A node's keyword arguments (`_dag_manager.get_node_valid_inputs`): coerced literals,
 * and for a bypassed dependency nothing when the parameter has a default, else None.
 */
export function nodeKwargs(
  prepared: PreparedNode,
  bypassed: Set<string>,
  read: (assignment: InputAssignment) => unknown
): Record<string, unknown> {
  const kwargs: Record<string, unknown> = {};
  for (const [name, assignment] of Object.entries(prepared.node.inputs)) {
    if (assignment.kind === 'literal') {
      if (name in prepared.literalInputs) kwargs[name] = prepared.literalInputs[name];
    } else if (assignment.kind === 'nodeOutput' && bypassed.has(assignment.node)) {
      if (!prepared.paramHasDefault(name)) kwargs[name] = null;
    } else {
      kwargs[name] = read(assignment);
    }
  }
  return kwargs;
}

export class LineExecutor {
  private readonly lineNodes: FlowNode[];
  private readonly aggregationReferences: NodeReference[];

  constructor(
    private readonly flow: Flow,
    private readonly prepared: Map<string, PreparedNode>
  ) {
    this.lineNodes = flow.nodes.filter((n) => !n.aggregation);
    const lineNodeNames = new Set(this.lineNodes.map((n) => n.name));
    this.aggregationReferences = flow.nodes
      .filter((n) => n.aggregation)
      .flatMap((n) => Object.values(n.inputs))
      .filter((a): a is NodeReference => a.kind === 'nodeOutput' && lineNodeNames.has(a.node));
  }

  async run(lineNumber: number, mappedInputs: Record<string, unknown>, options: LineOptions): Promise<LineRunResult> {
    const startTime = new Date();
    const nodeRuns: NodeRunResult[] = [];
    let inputs = mappedInputs;
    let usage: TokenUsage = ZERO_USAGE;
    try {
      inputs = coerceFlowInputs(this.flow, mappedInputs, lineNumber);
      const state = await this.runNodes(lineNumber, inputs, options, nodeRuns);
      for (const run of nodeRuns) usage = addUsage(usage, run.usage);
      const output = this.extractOutputs(inputs, state, options.onWarning);
      this.readAggregationReferences(state.outputs);
      return { lineNumber, inputs, status: 'Completed', output, startTime, endTime: new Date(), nodeRuns, usage };
    } catch (error) {
      for (const run of nodeRuns) usage = addUsage(usage, run.usage);
      return {
        lineNumber,
        inputs,
        status: 'Failed',
        error: toErrorDict(options.signal.aborted && options.signal.reason instanceof LineFailure ? options.signal.reason : error),
        startTime,
        endTime: new Date(),
        nodeRuns,
        usage
      };
    }
  }

  private async runNodes(
    lineNumber: number,
    flowInputs: Record<string, unknown>,
    options: LineOptions,
    nodeRuns: NodeRunResult[]
  ): Promise<{ outputs: Map<string, unknown>; bypassed: Set<string> }> {
    const outputs = new Map<string, unknown>();
    const bypassed = new Set<string>();
    const escapes = new Map<string, PromptEscape>();
    const done = new Set<string>();
    const waiting = [...this.lineNodes];
    const running = new Map<string, Promise<void>>();
    // Cancels the nodes still running when one fails or the line times out.
    const cancel = new AbortController();
    const onOuterAbort = () => cancel.abort(options.signal.reason);
    options.signal.addEventListener('abort', onOuterAbort, { once: true });
    const aborted = abortPromise(options.signal);
    let failure: unknown;

    try {
      while (waiting.length > 0 || running.size > 0) {
        if (options.signal.aborted) throw options.signal.reason;
        for (let i = 0; i < waiting.length && running.size < options.nodeConcurrency; ) {
          const node = waiting[i]!;
          if (!nodeDependencies(node).every((d) => done.has(d))) {
            i++;
            continue;
          }
          waiting.splice(i, 1);
          if (this.shouldBypass(node, flowInputs, outputs, bypassed)) {
            const now = new Date();
            bypassed.add(node.name);
            outputs.set(node.name, null);
            done.add(node.name);
            nodeRuns.push({ node: node.name, status: 'Bypassed', inputs: {}, output: null, startTime: now, endTime: now });
            i = 0; // a bypass may make other nodes ready
            continue;
          }
          const task = this.runNode(node, lineNumber, flowInputs, outputs, bypassed, escapes, cancel.signal, nodeRuns).then(
            () => {
              running.delete(node.name);
              done.add(node.name);
            },
            (error) => {
              running.delete(node.name);
              if (failure === undefined) failure = error;
              cancel.abort(error);
            }
          );
          running.set(node.name, task);
        }
        if (failure !== undefined) break;
        if (running.size === 0) {
          if (waiting.length > 0) throw new Error(`no runnable node among ${waiting.map((n) => n.name).join(', ')}`);
          break;
        }
        await Promise.race([...running.values(), aborted]);
        if (failure !== undefined) break;
      }
      if (failure !== undefined) {
        await Promise.allSettled(running.values());
        throw failure;
      }
      return { outputs, bypassed };
    } finally {
      options.signal.removeEventListener('abort', onOuterAbort);
      if (!cancel.signal.aborted) cancel.abort(new Error('line finished'));
    }
  }

  /** Prompt flow's bypass rules (`executor/_dag_manager.py`). */
  private shouldBypass(
    node: FlowNode,
    flowInputs: Record<string, unknown>,
    outputs: Map<string, unknown>,
    bypassed: Set<string>
  ): boolean {
    if (node.activate) {
      const whenNode = referencedNode(node.activate.when);
      if (whenNode && bypassed.has(whenNode)) return true;
      const value = readAssignment(node.activate.when, flowInputs, outputs);
      return !pyEquals(value, node.activate.is);
    }
    const deps = Object.values(node.inputs).map(referencedNode).filter((d): d is string => d !== undefined);
    return deps.length > 0 && deps.every((d) => bypassed.has(d));
  }

  private async runNode(
    node: FlowNode,
    lineNumber: number,
    flowInputs: Record<string, unknown>,
    outputs: Map<string, unknown>,
    bypassed: Set<string>,
    escapes: Map<string, PromptEscape>,
    signal: AbortSignal,
    nodeRuns: NodeRunResult[]
  ): Promise<void> {
    const prepared = this.prepared.get(node.name)!;
    // Inputs are resolved before the node's run starts (`_exec_single_node_in_thread`):
    // a bad reference fails the line without a run of this node.
    const kwargs = nodeKwargs(prepared, bypassed, (assignment) => readAssignment(assignment, flowInputs, outputs));
    const promptResults: Record<string, PromptEscape | undefined> = {};
    for (const [name, assignment] of Object.entries(node.inputs)) {
      if (assignment.kind === 'nodeOutput' && assignment.path === '' && escapes.has(assignment.node)) {
        promptResults[name] = escapes.get(assignment.node);
      }
    }
    const startTime = new Date();
    try {
      const outcome = await prepared.invoke(kwargs, { lineNumber, signal, promptResults });
      outputs.set(node.name, outcome.output);
      if (outcome.promptEscape) escapes.set(node.name, outcome.promptEscape);
      nodeRuns.push({
        node: node.name,
        status: 'Completed',
        inputs: kwargs,
        output: outcome.output,
        startTime,
        endTime: new Date(),
        usage: outcome.usage,
        logs: outcome.logs,
        metrics: outcome.metrics
      });
    } catch (error) {
      const reported = signal.aborted && signal.reason instanceof LineFailure ? signal.reason : error;
      nodeRuns.push({
        node: node.name,
        status: 'Failed',
        inputs: kwargs,
        output: null,
        error: toErrorDict(reported, node.name),
        startTime,
        endTime: new Date(),
        logs: (error as { logs?: { stdout: string; stderr: string } }).logs
      });
      throw error;
    }
  }

  /**
   * Every line reads the line-node references of the aggregation nodes after its outputs
   * (`extract_aggregation_inputs`), so a bad one fails each line. The values are read
   * again from the stored node runs when the aggregation runs.
   */
  private readAggregationReferences(outputs: Map<string, unknown>): void {
    for (const reference of this.aggregationReferences) readNodeReference(reference, outputs.get(reference.node));
  }

  /** `FlowExecutor._extract_outputs`: YAML order, no type conversion. */
  private extractOutputs(
    flowInputs: Record<string, unknown>,
    state: { outputs: Map<string, unknown>; bypassed: Set<string> },
    onWarning?: (message: string) => void
  ): Record<string, unknown> {
    const result: Record<string, unknown> = {};
    const aggregationNodes = new Set(this.flow.nodes.filter((n) => n.aggregation).map((n) => n.name));
    for (const output of this.flow.outputs) {
      const ref = output.reference;
      if (ref.kind === 'nodeOutput') {
        if (aggregationNodes.has(ref.node)) continue;
        if (state.bypassed.has(ref.node)) {
          onWarning?.(`The node referenced by output:'${ref.node}' is bypassed, which is not recommended.`);
          result[output.name] = null;
          continue;
        }
        // `_extract_outputs` applies the property path without checking the section: `${n.outputs}` is n's output.
        result[output.name] = resolvePropertyPath(state.outputs.get(ref.node), ref.path, ref.node);
        continue;
      }
      result[output.name] = readAssignment(ref, flowInputs, state.outputs);
    }
    return result;
  }
}

function abortPromise(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
