import * as core from '@actions/core';

/** GitHub keeps at most 1 MB of outputs per job; a single larger value would break the job. */
export const MAX_OUTPUT_BYTES = 1_000_000;

export type OutputValue = string | number | boolean | object | null | undefined;

/**
 * Sets step outputs: strings as they are, numbers and booleans as text, anything else as
 * JSON. `undefined` is skipped. A value over ~1 MB is refused with a warning (pass big
 * payloads as files instead). Returns the names that were set.
 */
export function setOutputs(record: Record<string, OutputValue>): string[] {
  const set: string[] = [];
  for (const [name, value] of Object.entries(record)) {
    if (value === undefined) continue;
    const text = outputText(value);
    const bytes = Buffer.byteLength(text, 'utf8');
    if (bytes > MAX_OUTPUT_BYTES) {
      core.warning(
        `Output '${name}' was not set: it is ${bytes} bytes and GitHub allows about 1 MB of outputs per job. Read it from the file outputs instead.`
      );
      continue;
    }
    core.setOutput(name, text);
    set.push(name);
  }
  return set;
}

export function outputText(value: OutputValue): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}
