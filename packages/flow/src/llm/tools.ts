/**
 * The `llm` node: AzureOpenAI.chat/completion and OpenAI.chat/completion of
 * Prompt flow 1.18 (plus the unified `promptflow.tools.llm.llm`). Splits node
 * inputs into tool parameters and template variables, renders and parses the
 * prompt with role escaping, builds the request exactly as PF does, calls
 * through the LlmClient (retries, cache) and returns what PF returns.
 */
import type { Connection } from '../connections/model.js';
import { dumpsPy } from '../py/pyjson.js';
import { pyTruthy } from '../py/pyvalue.js';
import { convertToChatList } from './chat-input-list.js';
import type { LlmClient, LlmEndpoint } from './client.js';
import { LlmToolError } from './errors.js';
import type { PromptEscape } from './escape.js';
import { llmToolParams, providerOf, reservedToolInputNames, type LlmApi, type LlmProvider } from './params.js';
import { buildMessages, duplicatedTemplateInputs, renderTemplate } from './render.js';
import { buildChatBody, buildCompletionBody, chatOutput, completionOutput, joinStream, usageOf, type ToolArgs } from './request.js';

export interface LlmToolCall {
  nodeName: string;
  api: LlmApi;
  connection: Connection;
  template: string;
  /** The template file (relative to the flow), for error messages. */
  templatePath: string;
  /** Resolved node inputs: tool parameters and template variables mixed, as PF passes **kwargs. */
  inputs: Record<string, unknown>;
  /** Inputs bound directly to flow inputs (PF's `_inputs_to_escape`). */
  escapeInputNames: readonly string[];
  /** For inputs bound to an upstream prompt node's output: that node's escape state (PF's PromptResult). */
  promptResults?: Record<string, PromptEscape | undefined>;
  /** The unified `promptflow.tools.llm.llm` tool: its own defaults, and `api` from the inputs. */
  unified?: boolean;
  client: LlmClient;
  signal?: AbortSignal;
}

export interface LlmToolResult {
  output: unknown;
  usage: { promptTokens: number; completionTokens: number; totalTokens: number };
  /** Whether the answer came from the LLM cache. */
  cached: boolean;
}

export const DEFAULT_AOAI_API_VERSION = '2024-02-01';
const USER_AGENT = 'llmops-actions';
export const TELEMETRY_HEADERS = {
  'x-ms-useragent': USER_AGENT,
  'ms-azure-ai-promptflow': dumpsPy({ 'execution-target': 'llmops-actions' }, { ensureAscii: true })
};
/** What `llm.py` forwards to the provider tools; the rest keep the provider tool's defaults. */
const UNIFIED_FORWARDS: Record<LlmApi, string[]> = {
  chat: ['temperature', 'top_p', 'stream', 'stop', 'max_tokens', 'presence_penalty', 'frequency_penalty', 'logit_bias', 'tool_choice', 'tools', 'response_format', 'seed'],
  completion: ['temperature', 'top_p', 'stream', 'stop', 'max_tokens', 'presence_penalty', 'frequency_penalty', 'logit_bias', 'suffix', 'logprobs', 'echo', 'best_of']
};
const NOT_TEMPLATE_VARIABLES = new Set(['connection', 'prompt', '_inputs_to_escape']);

/**
 * PF's `normalize_connection_config`: where and how to call. Serverless is OpenAI at
 * api_base + "/v1". A connection without a key or base can still replay recorded
 * answers: the endpoint says why it is unusable and the client refuses live calls.
 */
export function endpointOf(connection: Connection, nodeName: string): LlmEndpoint {
  const apiKey = connection.secrets.api_key ?? connection.configs.api_key ?? '';
  const problems: string[] = [];
  if (!apiKey) {
    problems.push(`Connection '${connection.name}' has no api_key. Set api_key (Microsoft Entra ID auth, auth_mode: meid_token, is not supported by the native executor).`);
  }
  const unusable = () => (problems.length ? { unusable: problems.join(' ') } : {});
  if (connection.className === 'AzureOpenAIConnection') {
    const apiBase = connection.configs.api_base ?? '';
    if (!apiBase) problems.push(`Connection '${connection.name}' has no api_base.`);
    return { kind: 'azure', apiBase, apiVersion: connection.configs.api_version || DEFAULT_AOAI_API_VERSION, apiKey, ...unusable() };
  }
  if (connection.className === 'ServerlessConnection') {
    const base = connection.configs.api_base ?? '';
    if (!base) problems.push(`Connection '${connection.name}' has no api_base.`);
    return { kind: 'openai', baseUrl: base.endsWith('/v1') ? base : `${base}/v1`, apiKey, ...unusable() };
  }
  return {
    kind: 'openai',
    baseUrl: connection.configs.base_url || undefined,
    organization: connection.configs.organization || undefined,
    apiKey,
    ...unusable()
  };
}

const checkedTemplates = new Map<string, string[]>();

/** `_validate_duplicated_inputs`: a template variable may not be named like a tool parameter. */
export function checkTemplateVariables(call: Pick<LlmToolCall, 'nodeName' | 'template' | 'templatePath'>, provider: LlmProvider, api: LlmApi, unified = false): void {
  const reserved = reservedToolInputNames(provider, api, unified);
  const cacheKey = `${provider}.${api}.${unified}\n${call.template}`;
  let duplicated = checkedTemplates.get(cacheKey);
  if (!duplicated) {
    duplicated = duplicatedTemplateInputs(call.template, reserved);
    if (checkedTemplates.size > 500) checkedTemplates.clear();
    checkedTemplates.set(cacheKey, duplicated);
  }
  if (duplicated.length) {
    const names = `{${duplicated.map((d) => `'${d}'`).join(', ')}}`;
    throw new LlmToolError(
      'LLMError',
      `Invalid inputs ${names} in prompt template of node ${call.nodeName}. These inputs are duplicated with the parameters of ${unified ? 'llm' : `${provider}.${api}`}.`,
      { file: call.templatePath, field: `nodes.${call.nodeName}.inputs` }
    );
  }
}

interface SplitInputs {
  api: LlmApi;
  args: ToolArgs;
  variables: Record<string, unknown>;
}

function splitInputs(call: LlmToolCall, provider: LlmProvider): SplitInputs {
  const ownParams = llmToolParams(provider, call.api, call.unified);
  const names = new Set(ownParams.map((x) => x.name));
  const given: ToolArgs = {};
  const variables: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(call.inputs)) {
    if (names.has(name)) given[name] = value;
    else if (!NOT_TEMPLATE_VARIABLES.has(name)) variables[name] = value;
  }
  for (const param of ownParams) {
    if (param.name in given) continue;
    if (!param.hasDefault) {
      throw new LlmToolError(
        'LLMError',
        `${provider}.${call.api}() missing 1 required positional argument: '${param.name}'. Set it in the inputs of node '${call.nodeName}'.`,
        { field: `nodes.${call.nodeName}.inputs.${param.name}` }
      );
    }
    given[param.name] = param.default;
  }
  if (!call.unified) return { api: call.api, args: given, variables };
  const api: LlmApi = given.api === 'completion' ? 'completion' : 'chat';
  const args: ToolArgs = Object.fromEntries(llmToolParams(provider, api).map((x) => [x.name, x.default]));
  for (const name of [...UNIFIED_FORWARDS[api], provider === 'AzureOpenAI' ? 'deployment_name' : 'model']) args[name] = given[name];
  return { api, args, variables };
}

export async function runLlmTool(call: LlmToolCall): Promise<LlmToolResult> {
  let provider: LlmProvider;
  try {
    provider = providerOf(call.connection);
  } catch (error) {
    throw new LlmToolError('InvalidConnectionType', `${(error as Error).message} Node '${call.nodeName}' needs an azure_open_ai, open_ai or serverless connection.`, {
      field: `nodes.${call.nodeName}.connection`
    });
  }
  const endpoint = endpointOf(call.connection, call.nodeName);
  const { api, args, variables } = splitInputs(call, provider);
  checkTemplateVariables(call, provider, api, call.unified);
  const where = { nodeName: call.nodeName, templatePath: call.templatePath };

  let body: Record<string, unknown>;
  let wantsMessage = false;
  if (api === 'chat') {
    // AzureOpenAI.chat turns list kwargs into ChatInputLists; OpenAI.chat keeps Python lists.
    const chatVariables = provider === 'AzureOpenAI' ? (convertToChatList(variables) as Record<string, unknown>) : variables;
    const messages = buildMessages(call.template, chatVariables, { ...where, escapeInputNames: call.escapeInputNames, promptResults: call.promptResults });
    body = buildChatBody(provider, args, messages);
    wantsMessage = pyTruthy(args.functions) || pyTruthy(args.tools);
    if (body.stream === true && args.functions !== null && args.functions !== undefined) {
      throw new LlmToolError('FunctionCallNotSupportedInStreamMode', 'Function calling has not been supported by stream mode yet.', {
        field: `nodes.${call.nodeName}.inputs.functions`
      });
    }
  } else {
    body = buildCompletionBody(provider, args, renderTemplate(call.template, variables, where));
  }

  const headers: Record<string, string> = { ...TELEMETRY_HEADERS };
  if (provider === 'AzureOpenAI') headers['ms-azure-ai-promptflow-called-from'] = 'aoai-tool';
  const answer = await call.client.request({ nodeName: call.nodeName, endpoint, api, body, headers, signal: call.signal });
  if ('chunks' in answer.response) {
    return { output: joinStream(answer.response.chunks, api), usage: usageOf(answer.response.chunks.at(-1)), cached: answer.cached };
  }
  const json = answer.response.json;
  const output = api === 'chat' ? chatOutput(json, wantsMessage) : completionOutput(json);
  return { output, usage: usageOf(json), cached: answer.cached };
}
