/**
 * Aggregation nodes run once after all lines (`batch/_batch_engine.py` `_exec_aggregation`):
 * a reference to a line node becomes the list of its values over the succeeded
 * lines, `${inputs.x}` the list of that input; references between aggregation
 * nodes stay scalar. A failure is recorded, never raised: the run still completes.
 */
import type { Flow, InputAssignment } from '../dag/model.js';
import { resolvePropertyPath } from '../dag/index.js';
import { pyEquals } from '../py/pyvalue.js';
import { toErrorDict } from './errors.js';
import { nodeKwargs, readNodeReference, unsupportedReference } from './line.js';
import type { AggregationResult, LineRunResult, NodeRunResult, PreparedNode } from './types.js';

export async function runAggregation(
  flow: Flow,
  prepared: Map<string, PreparedNode>,
  succeeded: LineRunResult[],
  signal: AbortSignal
): Promise<AggregationResult> {
  const aggregationNodes = flow.nodes.filter((n) => n.aggregation);
  const result: AggregationResult = { metrics: {}, nodeRuns: [] };
  if (aggregationNodes.length === 0) return result;

  const lines = [...succeeded].sort((a, b) => a.lineNumber - b.lineNumber);
  const lineOutputs = lines.map((line) => new Map(line.nodeRuns.map((run) => [run.node, run])));
  const aggregationOutputs = new Map<string, unknown>();
  const bypassed = new Set<string>();

  const read = (assignment: InputAssignment): unknown => {
    switch (assignment.kind) {
      case 'literal':
        return assignment.value;
      case 'flowInput':
        return lines.map((line) => line.inputs[assignment.name]);
      case 'nodeOutput':
        if (aggregationOutputs.has(assignment.node)) return readNodeReference(assignment, aggregationOutputs.get(assignment.node));
        // Each line already read this reference; checked again for a run with no succeeded line.
        if (assignment.section !== 'output') throw unsupportedReference(assignment);
        return lineOutputs.map((runs) => {
          const run = runs.get(assignment.node);
          if (!run || run.status === 'Bypassed') return null;
          return resolvePropertyPath(run.output, assignment.path, assignment.node);
        });
    }
  };

  for (const node of aggregationNodes) {
    const startTime = new Date();
    const node_ = prepared.get(node.name)!;
    const kwargs: Record<string, unknown> = {};
    let run: NodeRunResult;
    try {
      // Inside the try: reading the condition may fail (e.g. an unsupported reference section).
      if (node.activate) {
        const when = node.activate.when;
        const skip =
          (when.kind === 'nodeOutput' && bypassed.has(when.node)) || !pyEquals(read(when), node.activate.is);
        if (skip) {
          bypassed.add(node.name);
          aggregationOutputs.set(node.name, null);
          result.nodeRuns.push({ node: node.name, status: 'Bypassed', inputs: {}, output: null, startTime, endTime: startTime });
          continue;
        }
      }
      Object.assign(kwargs, nodeKwargs(node_, bypassed, read));
      const outcome = await node_.invoke(kwargs, { lineNumber: null, signal });
      aggregationOutputs.set(node.name, outcome.output);
      for (const metric of outcome.metrics ?? []) result.metrics[metric.key] = metric.value;
      run = {
        node: node.name,
        status: 'Completed',
        inputs: kwargs,
        output: outcome.output,
        startTime,
        endTime: new Date(),
        usage: outcome.usage,
        logs: outcome.logs,
        metrics: outcome.metrics
      };
      result.nodeRuns.push(run);
    } catch (error) {
      const errorDict = toErrorDict(error, node.name);
      for (const metric of (error as { metrics?: Array<{ key: string; value: unknown }> }).metrics ?? []) {
        result.metrics[metric.key] = metric.value;
      }
      result.nodeRuns.push({
        node: node.name,
        status: 'Failed',
        inputs: kwargs,
        output: null,
        error: errorDict,
        startTime,
        endTime: new Date(),
        logs: (error as { logs?: { stdout: string; stderr: string } }).logs
      });
      result.failure = { node: node.name, error: errorDict };
      break;
    }
  }
  return result;
}
