import * as core from '@actions/core';
import { isUserError, type UserError } from '@llmops/common';
import { annotationFor } from './log.js';

/**
 * Thrown by failStep(): the action finished its work (outputs, summary, comment) and
 * now fails the step on purpose, e.g. because the gate did not pass.
 */
export class StepFailed extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StepFailed';
  }
}

/** Fail the step with one error annotation and no stack trace; nothing after it runs. */
export function failStep(message: string): never {
  throw new StepFailed(message);
}

/**
 * The one place that reports failure. Everything the action wrote before failing
 * (outputs, summary, files) is kept.
 * - StepFailed: the message, as one annotation.
 * - UserError: one annotation titled with the action name, pointing at the file/line, no stack.
 * - anything else is a bug: the message as the annotation, the stack in the debug log.
 */
export async function runAction(name: string, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (error) {
    reportFailure(name, error);
  }
}

export function reportFailure(name: string, error: unknown): void {
  if (error instanceof StepFailed) {
    core.setFailed(error.message);
    return;
  }
  if (isUserError(error)) {
    // core.error + exit code rather than setFailed, which would add a second annotation.
    core.error(oneLine(describeUserError(error)), annotationFor(error, name));
    process.exitCode = core.ExitCode.Failure;
    return;
  }
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof Error && error.stack) core.debug(error.stack);
  core.setFailed(`${name} failed unexpectedly: ${oneLine(message)}`);
}

/** `file, field 'x': message`, leaving out what the message already says. */
function describeUserError(error: UserError): string {
  const where: string[] = [];
  if (error.file && !error.message.includes(error.file)) where.push(error.file);
  if (error.field && !error.message.includes(error.field)) where.push(`field '${error.field}'`);
  return where.length ? `${where.join(', ')}: ${error.message}` : error.message;
}

function oneLine(text: string): string {
  return text.replace(/\s*\r?\n\s*/g, ' ').trim();
}
