/**
 * Jinja2 as Prompt flow renders prompts:
 * `SandboxedEnvironment(trim_blocks=True, keep_trailing_newline=True).from_string(t).render(**kwargs)`.
 */
import { compileTemplate, type CompiledTemplate } from './compile.js';
import { tokenize } from './lexer.js';
import { undeclaredVariables } from './meta.js';
import type { Stmt } from './nodes.js';
import { parse } from './parser.js';

export { JinjaRenderError, JinjaSyntaxError } from './errors.js';
export { Markup, PyTuple, Undefined } from './runtime.js';
export type { CompiledTemplate } from './compile.js';

const MAX_CACHED = 500;
const astCache = new Map<string, Stmt[]>();
const compiledCache = new Map<string, CompiledTemplate>();

function remember<T>(cache: Map<string, T>, key: string, value: T): T {
  if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value!);
  cache.set(key, value);
  return value;
}

function parseTemplate(template: string): Stmt[] {
  return astCache.get(template) ?? remember(astCache, template, parse(tokenize(template)));
}

/** Compile once (cached by template text); throws JinjaSyntaxError. */
export function compileJinja(template: string): CompiledTemplate {
  return compiledCache.get(template) ?? remember(compiledCache, template, compileTemplate(parseTemplate(template)));
}

/** Render like Prompt flow; throws JinjaSyntaxError or JinjaRenderError. */
export function renderJinja(template: string, variables: Record<string, unknown>): string {
  return compileJinja(template)(variables);
}

/** jinja2.meta.find_undeclared_variables, sorted. */
export function findUndeclaredVariables(template: string): string[] {
  return undeclaredVariables(parseTemplate(template));
}
