/**
 * What every loading step needs to report an error: the file as the user
 * named it, its parsed YAML (for line numbers) and the flow directory.
 */
import type { UserError } from '@llmops/common';
import { flowError } from './errors.js';
import type { YamlPath, YamlSource } from './yaml-source.js';

export class LoadContext {
  readonly warnings: string[] = [];

  constructor(
    /** The YAML file, as shown to the user. */
    readonly file: string,
    /** Absolute flow directory. */
    readonly dir: string,
    readonly source: YamlSource
  ) {}

  /** A UserError at `path` in the YAML (field text and line). */
  error(code: string, message: string, path: YamlPath, cause?: unknown): UserError {
    return flowError(code, message, { file: this.file, field: fieldName(path), line: this.source.lineOf(path) }, cause);
  }

  warn(message: string): void {
    this.warnings.push(message);
  }
}

/** `['nodes', 2, 'inputs', 'text']` → `nodes[2].inputs.text`. */
export function fieldName(path: YamlPath): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : out ? `.${part}` : part;
  return out;
}
