/**
 * Errors raised by the Jinja engine. They carry what Prompt flow puts in its
 * message (`(<PythonType>) <message>`); the caller wraps them.
 */

/** jinja2.TemplateSyntaxError (also TemplateAssertionError, raised while compiling). */
export class JinjaSyntaxError extends Error {
  readonly pythonType: string;
  constructor(message: string, readonly lineno: number, pythonType = 'TemplateSyntaxError') {
    super(message);
    this.name = 'JinjaSyntaxError';
    this.pythonType = pythonType;
  }
}

/** An exception raised while rendering, named by the Python type Jinja would raise. */
export class JinjaRenderError extends Error {
  constructor(message: string, readonly pythonType: string, public lineno?: number) {
    super(message);
    this.name = 'JinjaRenderError';
  }
}

export function typeError(message: string): JinjaRenderError {
  return new JinjaRenderError(message, 'TypeError');
}

export function valueError(message: string): JinjaRenderError {
  return new JinjaRenderError(message, 'ValueError');
}
