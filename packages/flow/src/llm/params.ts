/**
 * The LLM tools' signatures as Prompt flow 1.18 declares them
 * (`aoai.py` AzureOpenAI.chat/completion, `openai.py` OpenAI.chat/completion,
 * `llm.py` llm): names, declared types (what the executor coerces literal
 * inputs to, PF's `_convert_literal_input_types`) and defaults. Every node
 * input that is not a parameter is a template variable (`**kwargs`).
 */
import type { Connection } from '../connections/model.js';
import type { ValueTypeName } from '../dag/model.js';
import { pyFloat } from '../py/pyvalue.js';
import { LlmToolError } from './errors.js';

export type LlmProvider = 'AzureOpenAI' | 'OpenAI';
export type LlmApi = 'chat' | 'completion';

export interface LlmToolParam {
  name: string;
  type: ValueTypeName;
  /** False for parameters without a Python default (a bypassed input then becomes None). */
  hasDefault: boolean;
  default?: unknown;
}

const p = (name: string, type: ValueTypeName, ...rest: [] | [unknown]): LlmToolParam =>
  rest.length ? { name, type, hasDefault: true, default: rest[0] } : { name, type, hasDefault: false };

const ONE = pyFloat(1);
const ZERO = pyFloat(0);

const AOAI_CHAT = [
  p('deployment_name', 'string'), p('temperature', 'double', ONE), p('top_p', 'double', ONE), p('n', 'int', 1),
  p('stream', 'bool', false), p('stop', 'list', null), p('max_tokens', 'int', null), p('presence_penalty', 'double', null),
  p('frequency_penalty', 'double', null), p('logit_bias', 'object', {}), p('user', 'string', ''),
  p('function_call', 'object', null), p('functions', 'list', null), p('tool_choice', 'object', null), p('tools', 'list', null),
  p('response_format', 'object', null), p('seed', 'int', null)
];
const OPENAI_CHAT = [p('model', 'string', ''), ...AOAI_CHAT.filter((x) => x.name !== 'deployment_name' && x.name !== 'n')];
const COMPLETION_TAIL = [
  p('suffix', 'string', null), p('max_tokens', 'int', 16), p('temperature', 'double', ONE), p('top_p', 'double', ONE), p('n', 'int', 1),
  p('stream', 'bool', false), p('logprobs', 'int', null), p('echo', 'bool', false), p('stop', 'list', null),
  p('presence_penalty', 'double', null), p('frequency_penalty', 'double', null), p('best_of', 'int', 1),
  p('logit_bias', 'object', {}), p('user', 'string', '')
];
const AOAI_COMPLETION = [p('deployment_name', 'string'), ...COMPLETION_TAIL];
/** `model: Engine = Engine.TEXT_DAVINCI_003`: an enum of str, so a string input. */
const OPENAI_COMPLETION = [p('model', 'string', 'text-davinci-003'), ...COMPLETION_TAIL];
/** `llm.py` `llm(connection, prompt, api="chat", …)`, the unified tool. */
const UNIFIED_LLM = [
  p('api', 'string', 'chat'), p('deployment_name', 'string', ''), p('model', 'string', ''), p('temperature', 'double', ONE),
  p('top_p', 'double', ONE), p('stream', 'bool', false), p('stop', 'list', null), p('max_tokens', 'int', null),
  p('presence_penalty', 'double', ZERO), p('frequency_penalty', 'double', ZERO), p('logit_bias', 'object', {}),
  p('tool_choice', 'object', null), p('tools', 'list', null), p('response_format', 'object', null), p('seed', 'int', null),
  p('suffix', 'string', null), p('logprobs', 'int', null), p('echo', 'bool', false), p('best_of', 'int', 1)
];

/**
 * The provider PF picks from the connection (`_tool_resolver.py`): Azure OpenAI
 * connections use AzureOpenAI; OpenAI and serverless connections use OpenAI.
 */
export function providerOf(connection: Connection): LlmProvider {
  switch (connection.className) {
    case 'AzureOpenAIConnection':
      return 'AzureOpenAI';
    case 'OpenAIConnection':
    case 'ServerlessConnection':
      return 'OpenAI';
    default:
      throw new LlmToolError('InvalidConnectionType', `Connection type ${connection.className} is not supported for LLM.`);
  }
}

/** The tool's parameters after `connection` and `prompt`, in declaration order. */
export function llmToolParams(provider: LlmProvider | Connection, api: LlmApi, unified = false): LlmToolParam[] {
  if (unified) return UNIFIED_LLM;
  const which = typeof provider === 'string' ? provider : providerOf(provider);
  if (which === 'AzureOpenAI') return api === 'chat' ? AOAI_CHAT : AOAI_COMPLETION;
  return api === 'chat' ? OPENAI_CHAT : OPENAI_COMPLETION;
}

/** Declared input types, for coercing literal node inputs (template variables are absent: not coerced). */
export function llmToolInputTypes(provider: LlmProvider | Connection, api: LlmApi, unified = false): Record<string, ValueTypeName> {
  return Object.fromEntries(llmToolParams(provider, api, unified).map((x) => [x.name, x.type]));
}

/** Every name a template variable may not take (`_validate_duplicated_inputs` uses all of `tool.inputs`). */
export function reservedToolInputNames(provider: LlmProvider | Connection, api: LlmApi, unified = false): string[] {
  return ['connection', 'prompt', ...llmToolParams(provider, api, unified).map((x) => x.name)];
}
