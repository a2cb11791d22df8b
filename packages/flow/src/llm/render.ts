/**
 * Template rendering for the prompt and LLM tools (`common.py`
 * `render_jinja_template`, `build_messages`; `template_rendering.py`
 * `render_template_jinja2`), on the project's Jinja2 engine.
 */
import { findUndeclaredVariables, renderJinja } from '../jinja/index.js';
import { parseChat, type ChatMessage } from './chat.js';
import { LlmToolError } from './errors.js';
import { escapeInputs, unescapeRoles, type EscapeDict, type PromptEscape } from './escape.js';
import { VALID_ROLES } from './roles.js';

export interface TemplateLocation {
  nodeName: string;
  /** The template file, for error messages. */
  templatePath?: string;
}

/** The Python exception name PF prints for a rendering failure. */
function jinjaErrorType(error: unknown): string {
  const e = error as { pythonType?: unknown; name?: unknown };
  if (typeof e?.pythonType === 'string') return e.pythonType;
  if (e?.name === 'JinjaSyntaxError') return 'TemplateSyntaxError';
  if (e?.name === 'JinjaRenderError') return 'UndefinedError';
  return typeof e?.name === 'string' ? e.name : 'Exception';
}

/** `render_jinja_template`: trim_blocks, keep_trailing_newline, errors as JinjaTemplateError (uuids restored). */
export function renderTemplate(template: string, variables: Record<string, unknown>, where: TemplateLocation, escapeDict: EscapeDict = {}): string {
  try {
    return renderJinja(template, variables);
  } catch (error) {
    const message = unescapeRoles(error instanceof Error ? error.message : String(error), escapeDict);
    throw new LlmToolError(
      'JinjaTemplateError',
      `Failed to render jinja template: ${jinjaErrorType(error)}: ${message}. Please modify your prompt to fix the issue.`,
      { file: where.templatePath, field: `nodes.${where.nodeName}`, cause: error }
    );
  }
}

export interface BuildMessagesOptions extends TemplateLocation {
  escapeInputNames: readonly string[];
  promptResults?: Record<string, PromptEscape | undefined>;
  newId?: () => string;
}

/** `build_messages`: escape, render, parse, then restore the escaped role words in every message value. */
export function buildMessages(template: string, variables: Record<string, unknown>, options: BuildMessagesOptions): ChatMessage[] {
  const escaped = escapeInputs(variables, options.escapeInputNames, options.promptResults ?? {}, options.newId);
  const text = renderTemplate(template, escaped.inputs, options, escaped.dict);
  let messages: ChatMessage[];
  try {
    messages = parseChat(text, VALID_ROLES, escaped.dict);
  } catch (error) {
    if (error instanceof LlmToolError) {
      throw new LlmToolError(error.code, error.message, { file: options.templatePath, field: `nodes.${options.nodeName}`, cause: error });
    }
    throw error;
  }
  if (!Object.keys(escaped.dict).length) return messages;
  return messages.map((message) => {
    const restored: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(message)) restored[key] = unescapeRoles(value, escaped.dict);
    return restored as unknown as ChatMessage;
  });
}

export interface PromptToolCall extends TemplateLocation {
  template: string;
  /** Resolved node inputs (all are template variables). */
  inputs: Record<string, unknown>;
  /** Inputs bound directly to flow inputs. */
  escapeInputNames?: readonly string[];
  /** Escape state of inputs bound to upstream prompt nodes' outputs. */
  promptResults?: Record<string, PromptEscape | undefined>;
  newId?: () => string;
}

export interface PromptRendering {
  /** The node's output: the template rendered with the inputs as given. */
  text: string;
  /** PF's PromptResult state, for downstream LLM/prompt nodes; absent when nothing needed escaping. */
  escape?: PromptEscape;
}

/** `render_template_jinja2`, with the PromptResult escape state. */
export function renderPrompt(call: PromptToolCall): PromptRendering {
  const text = renderTemplate(call.template, call.inputs, call);
  const escaped = escapeInputs(call.inputs, call.escapeInputNames ?? [], call.promptResults ?? {}, call.newId);
  if (!Object.keys(escaped.dict).length) return { text };
  return { text, escape: { escapedText: renderTemplate(call.template, escaped.inputs, call, escaped.dict), mapping: escaped.dict } };
}

/** The prompt tool's output: the rendered text (PF's PromptResult is a str). */
export function runPromptTool(call: PromptToolCall): string {
  return renderPrompt(call).text;
}

/** Template variables that clash with tool parameters (`_validate_duplicated_inputs`), or none. */
export function duplicatedTemplateInputs(template: string, reserved: readonly string[]): string[] {
  let variables: string[];
  try {
    variables = findUndeclaredVariables(template);
  } catch {
    return []; // a broken template fails when rendered, with PF's JinjaTemplateError message
  }
  return variables.filter((v) => reserved.includes(v)).sort();
}
