import { UserError } from '@llmops/common';
import type { WorkerErrorPayload } from './protocol.js';
import type { PythonMetric } from './types.js';

/**
 * A Python tool raised: Prompt flow's ToolExecutionError, a user error that fails the line,
 * worded `Execution failure in '<node>': (<ExcType>) <msg>` (_core/_errors.py).
 */
export class PythonToolError extends UserError {
  readonly node: string;
  /** The Python exception type name, e.g. `ValueError`. */
  readonly pythonType: string;
  /** `str(exception)`. */
  readonly pythonMessage: string;
  /** The traceback inside the user's code (the worker's own frames are stripped). */
  readonly pythonTraceback: string;
  /** What the tool printed before it failed (a node run keeps its logs on failure too). */
  readonly stdout: string;
  readonly stderr: string;
  readonly metrics: PythonMetric[];

  constructor(options: {
    node: string; toolPath: string; error: WorkerErrorPayload; stdout: string; stderr: string; metrics: PythonMetric[];
  }) {
    super(`Execution failure in '${options.node}': (${options.error.type}) ${options.error.message}`, {
      file: options.toolPath, field: `nodes.${options.node}`, code: 'ToolExecutionError'
    });
    this.name = 'PythonToolError';
    this.node = options.node;
    this.pythonType = options.error.type;
    this.pythonMessage = options.error.message;
    this.pythonTraceback = options.error.traceback;
    this.stdout = options.stdout;
    this.stderr = options.stderr;
    this.metrics = options.metrics;
  }
}

/** The worker process died (the tool called os._exit, crashed the interpreter, or ran out of memory). */
export class PythonWorkerCrashError extends UserError {
  constructor(readonly node: string | undefined, readonly exit: string, detail: string) {
    super(
      `The Python worker ${exit}${node ? ` while running node '${node}'` : ''}${detail ? `: ${detail}` : '.'}`,
      { field: node ? `nodes.${node}` : undefined, code: 'ProcessCrashError' }
    );
    this.name = 'PythonWorkerCrashError';
  }
}

/** The interpreter could not be started or is not a usable Python 3. */
export function pythonInterpreterError(python: string, field: string, detail: string): UserError {
  return new UserError(
    `Cannot run Python nodes with interpreter '${python}': ${detail}. Set the '${field}' input (--python) to a Python 3.8+ executable.`,
    { field, code: 'PythonInterpreterError' }
  );
}

const LOAD_CODES: Array<[prefix: string, code: string]> = [
  ['No tool found', 'NoToolDefined'],
  ['Expected 1 but collected', 'MultipleToolsDefined'],
  ['Duplicate inputs', 'BadFunctionInterface'],
  ['Parse interface', 'BadFunctionInterface']
];

/** A failure to load or prepare a tool file, worded as Prompt flow's and naming the file and node. */
export function toolLoadError(toolPath: string, node: string | undefined, error: WorkerErrorPayload): UserError {
  const where = node ? `Load tool failed for node '${node}'` : `Load tool failed for '${toolPath}'`;
  const field = node ? `nodes.${node}.source.path` : undefined;
  if (error.kind === 'missing') {
    return new UserError(`${where}. Tool file '${toolPath}' can not be found.`, { file: toolPath, field, code: 'InvalidSource' });
  }
  if (error.kind === 'init') {
    const code = error.message.startsWith('Required inputs') ? 'MissingRequiredInputs' : 'ToolLoadError';
    return new UserError(`${where}. ${error.message}`, { file: toolPath, field: node ? `nodes.${node}.inputs` : undefined, code });
  }
  const code = LOAD_CODES.find(([prefix]) => error.message.startsWith(prefix))?.[1] ?? 'PythonLoadError';
  return new UserError(`${where}. ${error.message}`, { file: toolPath, field, code });
}
