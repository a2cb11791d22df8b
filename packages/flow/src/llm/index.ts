/** The LLM and prompt tools: Prompt flow 1.18's `llm` and `prompt` nodes, natively. */
export { parseChat, tryParseToolCalls, VALID_ROLES, type ChatMessage } from './chat.js';
export { parsePythonLiteral, PyLiteralError } from './pyliteral.js';
export { ChatInputList, convertToChatList, isChatInputList } from './chat-input-list.js';
export {
  buildFlowInputEscapeDict,
  escapeInputs,
  escapeRoles,
  unescapeRoles,
  type EscapeDict,
  type EscapedInputs,
  type PromptEscape
} from './escape.js';
export { LlmToolError, type LlmErrorCode } from './errors.js';
export { llmToolInputTypes, llmToolParams, providerOf, reservedToolInputNames, type LlmApi, type LlmProvider, type LlmToolParam } from './params.js';
export { buildMessages, renderPrompt, renderTemplate, runPromptTool, type PromptRendering, type PromptToolCall } from './render.js';
export { buildChatBody, buildCompletionBody } from './request.js';
export { checkTemplateVariables, endpointOf, runLlmTool, DEFAULT_AOAI_API_VERSION, type LlmToolCall, type LlmToolResult } from './tools.js';
export { LlmClient, abortableSleep, type LlmClientOptions, type LlmEndpoint, type LlmRequest, type LlmResponse } from './client.js';
export {
  LlmCache,
  cacheKey,
  parseLlmCacheMode,
  DEFAULT_LLM_CACHE_DIR,
  LLM_CACHE_MODES,
  LLM_CACHE_MODES as CACHE_MODES,
  type LlmCacheMode,
  type LlmCacheMode as CacheMode,
  type LlmCacheEntry,
  type LlmCacheRequest
} from './cache.js';
export { retryIntervalSeconds } from './retry.js';
export { buildEmbeddingBody, embeddingOutput, runEmbeddingTool, DEFAULT_EMBEDDING_MODEL, EMBEDDING_CONNECTION_TYPES, EMBEDDING_TOOL, EMBEDDING_TOOL_PARAMS, type EmbeddingToolCall, type EmbeddingToolParam, type EmbeddingToolResult } from './embedding.js';
