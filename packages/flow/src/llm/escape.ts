/**
 * Role-injection escaping, as Prompt flow 1.18 does it (`common.py` `Escaper`,
 * `build_messages`; `template_rendering.py`). A user's value that contains a
 * role line such as "system:\n" must not open a new chat message, so before
 * rendering every role word found in an escaped value is replaced by a uuid,
 * and after parsing the uuids are turned back into the words in each message.
 *
 * What is escaped, per node input:
 * - inputs bound directly to flow inputs (`${inputs.x}`): the executor passes
 *   their names as `escapeInputNames` (PF's hidden `_inputs_to_escape`);
 * - inputs bound to a `prompt` node's output (PF's `PromptResult`): the value
 *   is replaced by that prompt's escaped rendering, and its uuid mapping is
 *   merged in. Role lines written in the prompt template itself stay real.
 * Python-node outputs and literals are never escaped.
 *
 * Only strings, dicts (recursively) and AzureOpenAI's ChatInputLists are
 * searched and escaped; a plain list (OpenAI provider) is left as it is.
 */
import { randomUUID } from 'node:crypto';
import { isPlainObject } from '../py/pyvalue.js';
import { ChatInputList, isChatInputList } from './chat-input-list.js';
import { roleFinder } from './roles.js';

/** uuid placeholder → the role word as the user wrote it ("system", "System", …). */
export type EscapeDict = Record<string, string>;

/** What a prompt node hands downstream besides its text (PF's PromptResult state). */
export interface PromptEscape {
  /** The template rendered with escaped inputs. */
  escapedText: string;
  /** The placeholders used in `escapedText`. */
  mapping: EscapeDict;
}

/** `build_flow_input_escape_dict`: add a placeholder for each new role word found in `value`. */
export function buildFlowInputEscapeDict(value: unknown, dict: EscapeDict, newId: () => string = randomUUID): EscapeDict {
  if (isChatInputList(value)) {
    for (const item of value) buildFlowInputEscapeDict(item, dict, newId);
  } else if (isPlainObject(value)) {
    for (const item of Object.values(value)) buildFlowInputEscapeDict(item, dict, newId);
  } else if (typeof value === 'string') {
    const known = new Set(Object.values(dict));
    for (const match of value.matchAll(roleFinder())) {
      const role = match[1]!;
      if (known.has(role)) continue;
      // One placeholder per spelling, so each case variant restores exactly.
      dict[newId()] = role;
      known.add(role);
    }
  }
  return dict;
}

/** `build_flow_inputs_escape_dict` over the named inputs, in input order. */
export function buildFlowInputsEscapeDict(
  escapeInputNames: readonly string[],
  inputs: Record<string, unknown>,
  newId: () => string = randomUUID
): EscapeDict {
  const dict: EscapeDict = {};
  if (!escapeInputNames.length) return dict;
  for (const [name, value] of Object.entries(inputs)) {
    if (escapeInputNames.includes(name)) buildFlowInputEscapeDict(value, dict, newId);
  }
  return dict;
}

/** `merge_escape_mapping_of_prompt_results`. */
export function mergePromptEscapes(promptResults: Record<string, PromptEscape | undefined>, inputs: Record<string, unknown>): EscapeDict {
  const dict: EscapeDict = {};
  for (const name of Object.keys(inputs)) {
    const escape = promptResults[name];
    if (escape && Object.keys(escape.mapping).length) Object.assign(dict, escape.mapping);
  }
  return dict;
}

/** `escape_roles_in_flow_input`. PF rewrites dicts in place; this returns a copy instead. */
export function escapeRoles(value: unknown, dict: EscapeDict): unknown {
  if (!Object.keys(dict).length) return value;
  if (isChatInputList(value)) return ChatInputList.fromItems([...value].map((item) => escapeRoles(item, dict)));
  if (typeof value === 'string') {
    let out = value;
    for (const [placeholder, role] of Object.entries(dict)) out = out.split(role).join(placeholder);
    return out;
  }
  if (isPlainObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, escapeRoles(v, dict)]));
  }
  return value;
}

/** `unescape_roles`: strings, and the `text` of content parts in a list. */
export function unescapeRoles<T>(value: T, dict: EscapeDict): T {
  if (!Object.keys(dict).length) return value;
  if (typeof value === 'string') {
    let out: string = value;
    for (const [placeholder, role] of Object.entries(dict)) out = out.split(placeholder).join(role);
    return out as T;
  }
  if (Array.isArray(value)) {
    return value.map((item) =>
      isPlainObject(item) && typeof item.text === 'string' ? { ...item, text: unescapeRoles(item.text, dict) } : item
    ) as T;
  }
  return value;
}

export interface EscapedInputs {
  /** The inputs to render the template with. */
  inputs: Record<string, unknown>;
  /** Placeholders to restore after parsing (empty when nothing was escaped). */
  dict: EscapeDict;
}

/**
 * `build_escape_dict_from_kwargs` + `escape_kwargs`: the escape dictionary and
 * the values to render with. Prompt results are replaced by their escaped text.
 */
export function escapeInputs(
  inputs: Record<string, unknown>,
  escapeInputNames: readonly string[],
  promptResults: Record<string, PromptEscape | undefined> = {},
  newId: () => string = randomUUID
): EscapedInputs {
  const dict: EscapeDict = { ...mergePromptEscapes(promptResults, inputs), ...buildFlowInputsEscapeDict(escapeInputNames, inputs, newId) };
  const escaped: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(inputs)) {
    const prompt = promptResults[name];
    if (prompt && Object.keys(prompt.mapping).length) escaped[name] = prompt.escapedText;
    else if (escapeInputNames.includes(name)) escaped[name] = escapeRoles(value, dict);
    else escaped[name] = value;
  }
  return { inputs: escaped, dict };
}
