/**
 * A mistake in what the user gave us (a flow, a data file, an input, a threshold).
 * Reported as one annotation naming the file and field, never with a stack trace.
 */
export interface ErrorLocation {
  /** The file at fault, as the user named it (relative to the workspace when possible). */
  file?: string;
  /** The field at fault, e.g. `nodes.classify.inputs.text` or the action input `thresholds`. */
  field?: string;
  /** 1-based line in `file`, when known. */
  line?: number;
}

export class UserError extends Error implements ErrorLocation {
  readonly file?: string;
  readonly field?: string;
  readonly line?: number;
  /** A stable machine-readable code, e.g. `FlowValidationError`, `InputMappingError`. */
  readonly code: string;

  constructor(message: string, options: ErrorLocation & { code?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'UserError';
    this.file = options.file;
    this.field = options.field;
    this.line = options.line;
    this.code = options.code ?? 'UserError';
  }
}

export function isUserError(error: unknown): error is UserError {
  return error instanceof UserError;
}

/** One line for a terminal or an annotation: `file (field): message`. */
export function describeError(error: unknown): string {
  if (error instanceof UserError) {
    const where = [error.file, error.field ? `field '${error.field}'` : undefined].filter(Boolean).join(', ');
    return where ? `${where}: ${error.message}` : error.message;
  }
  if (error instanceof Error) return error.message;
  return String(error);
}
