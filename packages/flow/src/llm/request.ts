/**
 * Request bodies and return values of the LLM tools, line by line as
 * Prompt flow 1.18 builds them (`aoai.py`, `openai.py`, `common.py`):
 * which fields are always sent, which only when set, and how the answer
 * becomes the node's output.
 */
import { dumpsPy } from '../py/pyjson.js';
import { isPlainObject, isPyFloat, pyStr, pyTruthy } from '../py/pyvalue.js';
import type { ChatMessage } from './chat.js';
import { LlmToolError } from './errors.js';
import type { LlmApi, LlmProvider } from './params.js';

/** Plain JSON for the wire: unbox Python floats and big ints, plain arrays. */
export function toWire(value: unknown): unknown {
  if (isPyFloat(value)) return value.value;
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return Array.from(value, toWire);
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toWire(v)]));
  return value;
}

function pyTypeName(value: unknown): string {
  if (value === null || value === undefined) return 'NoneType';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'string') return 'str';
  if (typeof value === 'bigint' || (typeof value === 'number' && Number.isInteger(value))) return 'int';
  if (typeof value === 'number' || isPyFloat(value)) return 'float';
  if (Array.isArray(value)) return 'list';
  return 'dict';
}

function valueError(message: string): LlmToolError {
  return new LlmToolError('LLMError', `OpenAI API hits exception: ${message}`);
}

/** Python `int(v)`. */
export function pyInt(value: unknown): number {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number') return Math.trunc(value);
  if (isPyFloat(value)) return Math.trunc(value.value);
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string' && /^\s*[+-]?\d+(_\d+)*\s*$/.test(value)) return Number(value.replace(/_/g, ''));
  if (typeof value === 'string') throw valueError(`ValueError: invalid literal for int() with base 10: ${pyStr([value]).slice(1, -1)}`);
  throw valueError(`TypeError: int() argument must be a string, a bytes-like object or a real number, not '${pyTypeName(value)}'`);
}

/** Python `float(v)`. */
export function pyFloatValue(value: unknown): number {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number') return value;
  if (isPyFloat(value)) return value.value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string') {
    const t = value.trim().toLowerCase().replace(/_/g, '');
    if (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(t)) return Number(t);
    if (/^[+-]?(inf|infinity)$/.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
    if (/^[+-]?nan$/.test(t)) return NaN;
    throw valueError(`ValueError: could not convert string to float: ${pyStr([value]).slice(1, -1)}`);
  }
  throw valueError(`TypeError: float() argument must be a string or a real number, not '${pyTypeName(value)}'`);
}

/** `to_bool`: `str(value).lower() == "true"`. */
export function toBool(value: unknown): boolean {
  return pyStr(value).toLowerCase() === 'true';
}

const FUNCTION_EXAMPLE = dumpsPy(
  { name: 'function_name', parameters: { type: 'object', properties: { parameter_name: { type: 'integer', description: 'parameter_description' } } }, description: 'function_description' },
  { ensureAscii: true }
);
const FUNCTIONS_TSG =
  `Here is a valid function example: ${FUNCTION_EXAMPLE}. See more details at ` +
  'https://platform.openai.com/docs/api-reference/chat/create#chat/create-functions ' +
  "or view sample 'How to use functions with chat models' in our gallery.";
const TOOL_EXAMPLE = dumpsPy(
  {
    type: 'function',
    function: {
      name: 'get_current_weather',
      description: 'Get the current weather in a given location',
      parameters: {
        type: 'object',
        properties: {
          location: { type: 'string', description: 'The city and state, e.g. San Francisco, CA' },
          unit: { type: 'string', enum: ['celsius', 'fahrenheit'] }
        },
        required: ['location']
      }
    }
  },
  { ensureAscii: true }
);
const TOOLS_TSG = `Here is a valid tool example: ${TOOL_EXAMPLE}. See more details at https://platform.openai.com/docs/api-reference/chat/create`;

type ValidationCode = 'ChatAPIInvalidFunctions' | 'ChatAPIInvalidTools';

/** `validate_function`. */
function validateFunction(tsg: string, i: number, fn: unknown, code: ValidationCode): void {
  const fail = (message: string) => {
    throw new LlmToolError(code, `${message} ${tsg}`);
  };
  if (!isPlainObject(fn)) return fail(`function ${i} '${pyStr(fn)}' is not a dict.`);
  for (const key of ['name', 'parameters']) if (!(key in fn)) fail(`function ${i} '${pyStr(fn)}' does not have '${key}' property.`);
  const name = pyStr(fn.name);
  const params = fn.parameters;
  if (!isPlainObject(params)) return fail(`function ${i} '${name}' parameters '${pyStr(params)}' should be described as a JSON Schema object.`);
  for (const key of ['type', 'properties']) {
    if (!(key in params)) fail(`function ${i} '${name}' parameters '${pyStr(params)}' does not have '${key}' property.`);
  }
  if (params.type !== 'object') fail(`function ${i} '${name}' parameters 'type' should be 'object'.`);
  if (!isPlainObject(params.properties)) fail(`function ${i} '${name}' parameters 'properties' should be described as a JSON Schema object.`);
}

/** `validate_functions`. */
export function validateFunctions(functions: unknown): void {
  const list = Array.isArray(functions) ? functions : [];
  if (list.length === 0) throw new LlmToolError('ChatAPIInvalidFunctions', `functions cannot be an empty list. ${FUNCTIONS_TSG}`);
  list.forEach((fn, i) => validateFunction(FUNCTIONS_TSG, i, fn, 'ChatAPIInvalidFunctions'));
}

/** `validate_tools`. */
export function validateTools(tools: unknown): void {
  const list = Array.isArray(tools) ? tools : [];
  if (list.length === 0) throw new LlmToolError('ChatAPIInvalidTools', `tools cannot be an empty list. ${TOOLS_TSG}`);
  list.forEach((tool, i) => {
    if (!isPlainObject(tool)) throw new LlmToolError('ChatAPIInvalidTools', `tool ${i} '${pyStr(tool)}' is not a dict. ${TOOLS_TSG}`);
    for (const key of ['type', 'function']) {
      if (!(key in tool)) throw new LlmToolError('ChatAPIInvalidTools', `tool ${i} '${pyStr(tool)}' does not have '${key}' property. ${TOOLS_TSG}`);
    }
    validateFunction(TOOLS_TSG, i, tool.function, 'ChatAPIInvalidTools');
  });
}

/** `process_function_call`: None → "auto"; "auto"/"none" as is; else a dict with "name". */
export function processFunctionCall(functionCall: unknown): unknown {
  if (functionCall === null || functionCall === undefined) return 'auto';
  if (functionCall === 'auto' || functionCall === 'none') return functionCall;
  const tsg =
    `Here is a valid example: ${dumpsPy({ name: 'function_name' }, { ensureAscii: true })}. See the guide at ` +
    'https://platform.openai.com/docs/api-reference/chat/create#chat/create-function_call ' +
    "or view sample 'How to call functions with chat models' in our gallery.";
  if (!isPlainObject(functionCall)) {
    throw new LlmToolError(
      'ChatAPIInvalidFunctions',
      `function_call parameter '${pyStr(functionCall)}' must be a dict, but not <class '${pyTypeName(functionCall)}'>. ${tsg}`
    );
  }
  if (!('name' in functionCall)) {
    throw new LlmToolError('ChatAPIInvalidFunctions', `function_call parameter ${dumpsPy(functionCall, { ensureAscii: true })} must contain "name" field. ${tsg}`);
  }
  return functionCall;
}

/** `process_tool_choice`: None → "auto"; "auto"/"none" as is; else {"type", "function": {"name"}}. */
export function processToolChoice(toolChoice: unknown): unknown {
  if (toolChoice === null || toolChoice === undefined) return 'auto';
  if (toolChoice === 'auto' || toolChoice === 'none') return toolChoice;
  const tsg =
    `Here is a valid example: ${dumpsPy({ type: 'function', function: { name: 'my_function' } }, { ensureAscii: true })}. ` +
    'See the guide at https://platform.openai.com/docs/api-reference/chat/create.';
  const fail = (message: string) => {
    throw new LlmToolError('ChatAPIInvalidTools', `${message} ${tsg}`);
  };
  if (!isPlainObject(toolChoice)) {
    return fail(`tool_choice parameter '${pyStr(toolChoice)}' must be a dict, but not <class '${pyTypeName(toolChoice)}'>.`);
  }
  const json = dumpsPy(toolChoice, { ensureAscii: true });
  if (!('type' in toolChoice)) fail(`tool_choice parameter ${json} must contain "type" field.`);
  if (!('function' in toolChoice)) fail(`tool_choice parameter ${json} must contain "function" field.`);
  const fn = toolChoice.function;
  if (!isPlainObject(fn)) fail(`function parameter "${pyStr(fn)}" in tool_choice must be a dict, but not <class '${pyTypeName(fn)}'>.`);
  else if (!('name' in fn)) fail(`function parameter "${dumpsPy(fn, { ensureAscii: true })}" in tool_choice must contain "name" field.`);
  return toolChoice;
}

/** Resolved tool parameters (defaults applied), by name. */
export type ToolArgs = Record<string, unknown>;

const isNone = (v: unknown) => v === null || v === undefined;

/** The chat body of AzureOpenAI.chat (`withN`) or OpenAI.chat. */
export function buildChatBody(provider: LlmProvider, args: ToolArgs, messages: ChatMessage[]): Record<string, unknown> {
  const body: Record<string, unknown> = {
    model: provider === 'AzureOpenAI' ? args.deployment_name : args.model,
    messages,
    temperature: args.temperature,
    top_p: args.top_p
  };
  if (provider === 'AzureOpenAI') body.n = args.n;
  body.stream = toBool(args.stream);
  // functions/function_call are deprecated: with tools present they are ignored.
  if (pyTruthy(args.tools)) {
    if (provider === 'AzureOpenAI') validateTools(args.tools);
    body.tools = args.tools;
    // OpenAI.chat passes tool_choice through unchecked (None is sent as null).
    body.tool_choice = provider === 'AzureOpenAI' ? processToolChoice(args.tool_choice) : args.tool_choice ?? null;
  } else if (pyTruthy(args.functions)) {
    validateFunctions(args.functions);
    body.functions = args.functions;
    body.function_call = processFunctionCall(args.function_call);
  }
  if (pyTruthy(args.stop)) body.stop = args.stop;
  if (!isNone(args.max_tokens) && pyStr(args.max_tokens).toLowerCase() !== 'inf') body.max_tokens = pyInt(args.max_tokens);
  if (pyTruthy(args.logit_bias)) body.logit_bias = args.logit_bias;
  if (pyTruthy(args.response_format)) body.response_format = args.response_format;
  if (!isNone(args.seed)) body.seed = args.seed;
  if (!isNone(args.presence_penalty)) body.presence_penalty = args.presence_penalty;
  if (!isNone(args.frequency_penalty)) body.frequency_penalty = args.frequency_penalty;
  if (pyTruthy(args.user)) body.user = args.user;
  return toWire(body) as Record<string, unknown>;
}

/** The completion body of AzureOpenAI.completion or OpenAI.completion. */
export function buildCompletionBody(provider: LlmProvider, args: ToolArgs, prompt: string): Record<string, unknown> {
  const body: Record<string, unknown> = {
    prompt,
    model: provider === 'AzureOpenAI' ? args.deployment_name : args.model,
    suffix: pyTruthy(args.suffix) ? args.suffix : null,
    max_tokens: isNone(args.max_tokens) ? null : pyInt(args.max_tokens),
    temperature: pyFloatValue(args.temperature),
    top_p: pyFloatValue(args.top_p),
    n: pyInt(args.n),
    stream: toBool(args.stream),
    logprobs: pyTruthy(args.logprobs) ? pyInt(args.logprobs) : null,
    echo: toBool(args.echo),
    stop: pyTruthy(args.stop) ? args.stop : null
  };
  if (provider === 'OpenAI') {
    body.presence_penalty = isNone(args.presence_penalty) ? null : pyFloatValue(args.presence_penalty);
    body.frequency_penalty = isNone(args.frequency_penalty) ? null : pyFloatValue(args.frequency_penalty);
  }
  body.best_of = pyInt(args.best_of);
  body.logit_bias = pyTruthy(args.logit_bias) ? args.logit_bias : {};
  body.user = args.user;
  if (provider === 'AzureOpenAI') {
    if (!isNone(args.presence_penalty)) body.presence_penalty = args.presence_penalty;
    if (!isNone(args.frequency_penalty)) body.frequency_penalty = args.frequency_penalty;
  }
  return toWire(body) as Record<string, unknown>;
}

/** Fields of openai-python's ChatCompletionMessage, in declaration order (what `model_dump()` lists). */
const MESSAGE_FIELDS = ['content', 'refusal', 'role', 'annotations', 'audio', 'function_call', 'tool_calls'];
const TOOL_CALL_FIELDS = ['id', 'function', 'type'];
const FUNCTION_FIELDS = ['arguments', 'name'];

function dumpModel(value: unknown, fields: string[], nested: Record<string, (v: unknown) => unknown> = {}): unknown {
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const field of fields) out[field] = field in value ? (nested[field] ?? ((v) => v))(value[field]) : null;
  for (const [k, v] of Object.entries(value)) if (!(k in out)) out[k] = v;
  return out;
}

/** `completion.model_dump()["choices"][0]["message"]`: the message with every declared field. */
export function dumpMessage(message: unknown): unknown {
  const fn = (v: unknown) => dumpModel(v, FUNCTION_FIELDS);
  return dumpModel(message, MESSAGE_FIELDS, {
    function_call: fn,
    tool_calls: (calls) => (Array.isArray(calls) ? calls.map((c) => dumpModel(c, TOOL_CALL_FIELDS, { function: fn })) : calls)
  });
}

interface CompletionJson {
  choices?: { message?: Record<string, unknown>; text?: string; delta?: { content?: string | null } }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number; total_tokens?: number };
}

/** `post_process_chat_api_response` (non-stream): the content, or the message when calling functions/tools. */
export function chatOutput(json: unknown, wantsMessage: boolean): unknown {
  const message = (json as CompletionJson).choices?.[0]?.message;
  if (wantsMessage) return dumpMessage(message);
  return message && 'content' in message ? message.content : '';
}

/** A streamed answer as the flow output sees it: the generator's items joined. */
export function joinStream(chunks: unknown[], api: LlmApi): string {
  let out = '';
  for (const chunk of chunks as CompletionJson[]) {
    const choice = chunk.choices?.[0];
    if (!choice) continue;
    const piece = api === 'chat' ? choice.delta?.content : choice.text;
    out += piece ?? '';
  }
  return out;
}

export function completionOutput(json: unknown): unknown {
  return (json as CompletionJson).choices?.[0]?.text;
}

export function usageOf(json: unknown): { promptTokens: number; completionTokens: number; totalTokens: number } {
  const usage = (json as CompletionJson | undefined)?.usage ?? {};
  const promptTokens = usage.prompt_tokens ?? 0;
  const completionTokens = usage.completion_tokens ?? 0;
  return { promptTokens, completionTokens, totalTokens: usage.total_tokens ?? promptTokens + completionTokens };
}
