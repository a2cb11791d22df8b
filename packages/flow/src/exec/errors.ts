/**
 * Line-level failures, shaped as Prompt flow's error dicts
 * (`_utils/exception_utils.py` ExceptionPresenter.to_dict): a failed line is
 * recorded with one of these and never stops the other lines.
 */

import type { PfErrorDict } from '../run/types.js';

export interface PfInnerError {
  code: string;
  innerError: PfInnerError | null;
}

/** An error that fails one line; `codes` is PF's hierarchy, outermost first (e.g. UserError › ToolExecutionError). */
export class LineFailure extends Error {
  constructor(
    message: string,
    readonly codes: string[],
    readonly details: {
      referenceCode?: string;
      messageFormat?: string;
      messageParameters?: Record<string, unknown>;
      additionalInfo?: Array<{ type: string; info: Record<string, unknown> }>;
      node?: string;
    } = {}
  ) {
    super(message);
    this.name = codes[codes.length - 1] ?? 'LineFailure';
  }

  toDict(): PfErrorDict {
    return {
      message: this.message,
      messageFormat: this.details.messageFormat ?? '',
      messageParameters: this.details.messageParameters ?? {},
      referenceCode: this.details.referenceCode ?? 'Executor',
      code: this.codes[0] ?? 'SystemError',
      innerError: innerError(this.codes.slice(1)),
      ...(this.details.additionalInfo ? { additionalInfo: this.details.additionalInfo } : {})
    };
  }
}

function innerError(codes: string[]): PfInnerError | null {
  if (codes.length === 0) return null;
  return { code: codes[0]!, innerError: innerError(codes.slice(1)) };
}

/** A user tool raised: `Execution failure in '<node>': (<Type>) <message>`. */
export function toolExecutionFailure(node: string, pythonType: string, message: string, traceback?: string): LineFailure {
  return new LineFailure(`Execution failure in '${node}': (${pythonType}) ${message}`, ['UserError', 'ToolExecutionError'], {
    referenceCode: 'Tool/__pf_main__',
    messageFormat: "Execution failure in '{node_name}'.",
    messageParameters: { node_name: node },
    node,
    additionalInfo: [
      { type: 'ToolExecutionErrorDetails', info: { type: pythonType, message, ...(traceback ? { traceback } : {}) } }
    ]
  });
}

export function lineTimeoutFailure(lineNumber: number, timeoutSec: number): LineFailure {
  return new LineFailure(
    `Line ${lineNumber} execution timeout for exceeding ${timeoutSec} seconds`,
    ['UserError', 'LineExecutionTimeoutError'],
    {
      messageFormat: 'Line {line_number} execution timeout for exceeding {timeout} seconds',
      messageParameters: { line_number: lineNumber, timeout: timeoutSec }
    }
  );
}

/** Anything a line raised, as a PF error dict. */
export function toErrorDict(error: unknown, node?: string): PfErrorDict {
  if (error instanceof LineFailure) return error.toDict();
  const candidate = error as
    | { codes?: unknown; code?: unknown; message?: unknown; messageFormat?: unknown; messageParameters?: unknown }
    | undefined;
  const message = error instanceof Error ? error.message : String(error);
  if (candidate && Array.isArray(candidate.codes)) {
    // Errors that carry Prompt flow's code chain (the dag's LineError) keep their format and parameters.
    return new LineFailure(message, candidate.codes as string[], {
      node,
      messageFormat: typeof candidate.messageFormat === 'string' ? candidate.messageFormat : undefined,
      messageParameters:
        candidate.messageParameters && typeof candidate.messageParameters === 'object'
          ? (candidate.messageParameters as Record<string, unknown>)
          : undefined
    }).toDict();
  }
  if (candidate && typeof candidate.code === 'string' && candidate.code !== 'UserError') {
    return new LineFailure(message, ['UserError', candidate.code], { node }).toDict();
  }
  if (error instanceof Error && error.name === 'UserError') return new LineFailure(message, ['UserError'], { node }).toDict();
  return new LineFailure(message, ['SystemError'], { node }).toDict();
}
