/**
 * AzureOpenAI's `ChatInputList` (`common.py`): the LLM tool turns every list
 * kwarg (recursively, through dicts) into one, so `{{chat_history}}` renders
 * its items joined by "\n" instead of Python's list repr. It stays a real
 * array, so templates iterate and index it as before.
 */
import { isPlainObject, pyRepr, pyStr, pyStrSymbol } from '../py/pyvalue.js';

/** The registered symbol pyvalue's repr() looks for (Symbol.for, so no import order matters). */
const pyReprSymbol = Symbol.for('llmops.pyRepr');

export class ChatInputList extends Array<unknown> {
  /** Python `str()`: `"\n".join(map(str, self))`. */
  [pyStrSymbol](): string {
    return Array.prototype.map.call(this, (item) => pyStr(item)).join('\n');
  }

  /** Python `repr()`: ChatInputList only overrides __str__, so nested in a dict it prints as a list. */
  [pyReprSymbol](): string {
    return `[${Array.prototype.map.call(this, (item) => pyRepr(item)).join(', ')}]`;
  }

  static fromItems(items: Iterable<unknown>): ChatInputList {
    const list = new ChatInputList();
    for (const item of items) list.push(item);
    return list;
  }
}

export function isChatInputList(value: unknown): value is ChatInputList {
  return value instanceof ChatInputList;
}

/** `convert_to_chat_list`: dict values and list items, recursively; other values unchanged. */
export function convertToChatList(value: unknown): unknown {
  if (isPlainObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, convertToChatList(v)]));
  }
  if (Array.isArray(value)) return ChatInputList.fromItems(Array.prototype.map.call(value, convertToChatList) as unknown[]);
  return value;
}
