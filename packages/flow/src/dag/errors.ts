/**
 * Errors raised while loading a flow and while preparing one line's inputs.
 *
 * A broken flow stops the whole run: that is a UserError naming the file,
 * the YAML field and the line. A bad input value only fails its own line, as
 * in Prompt flow, so it is a LineError carrying Prompt flow's error code,
 * message format and parameters (what the run's error.json records).
 */
import { UserError } from '@llmops/common';

/** Prompt flow's error-code hierarchy for the line errors raised here (`ExceptionPresenter.error_codes`). */
const LINE_ERROR_CODES: Record<string, string[]> = {
  InputNotFound: ['UserError', 'ValidationError', 'InvalidFlowRequest', 'InputNotFound'],
  InputTypeError: ['UserError', 'ValidationError', 'InvalidFlowRequest', 'InputTypeError'],
  InputParseError: ['UserError', 'ValidationError', 'InvalidFlowRequest', 'InputParseError'],
  UnsupportedReference: ['UserError', 'NodeReferenceError', 'UnsupportedReference'],
  InvalidReferenceProperty: ['UserError', 'NodeReferenceError', 'InvalidReferenceProperty']
};

export type LineErrorCode = keyof typeof LINE_ERROR_CODES & string;

/** An error that fails one line (not the run); `message` is Prompt flow's, word for word. */
export class LineError extends Error {
  /** The innermost code, e.g. `InputNotFound`. */
  readonly code: string;
  /** Prompt flow's hierarchy, outermost first, e.g. `['UserError', 'ValidationError', 'InvalidFlowRequest', 'InputNotFound']`. */
  readonly codes: string[];
  readonly messageFormat: string;
  readonly messageParameters: Record<string, unknown>;

  constructor(code: LineErrorCode, messageFormat: string, messageParameters: Record<string, unknown>, options?: { cause?: unknown }) {
    super(formatMessage(messageFormat, messageParameters), options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = code;
    this.code = code;
    this.codes = LINE_ERROR_CODES[code] ?? ['UserError', code];
    this.messageFormat = messageFormat;
    this.messageParameters = messageParameters;
  }
}

export function isLineError(error: unknown): error is LineError {
  return error instanceof LineError;
}

/** Python's `str.format` for the `{name}` placeholders Prompt flow's messages use (values are already strings). */
export function formatMessage(format: string, parameters: Record<string, unknown>): string {
  return format.replace(/\{(\w+)\}/g, (whole, key: string) => (key in parameters ? String(parameters[key]) : whole));
}

/** Where a flow error points: the YAML file, the field path and its 1-based line. */
export interface FlowErrorLocation {
  file: string;
  field?: string;
  line?: number;
}

/** One flow-definition error: a UserError named after Prompt flow's exception class. */
export function flowError(code: string, message: string, where: FlowErrorLocation, cause?: unknown): UserError {
  return new UserError(message, { ...where, code, cause });
}
