/**
 * Prompt flow's LLM retry policy (`common.py` `handle_openai_error`,
 * `generate_retry_interval`, `is_retriable_api_connection_error`) and its
 * error wording (`exception.py` `to_openai_error_message`), applied to the
 * errors of the openai npm SDK.
 */
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError, OpenAIError } from 'openai';
import { parsePyJson } from '../py/pyjson.js';
import { pyStr } from '../py/pyvalue.js';
import { OPENAI_ERROR_REFERENCE } from './errors.js';

/** `generate_retry_interval`: 3, 4, 6, 10, 18, 34, 60, 60… seconds. */
export function retryIntervalSeconds(retryCount: number): number {
  return Math.min(3 + (2 ** retryCount - 1), 60);
}

/** The openai-python class name for an SDK error, as PF prints it. */
export function pythonErrorType(error: unknown): string {
  if (error instanceof APIConnectionTimeoutError) return 'APITimeoutError';
  if (error instanceof APIError && error.constructor === APIError && error.status !== undefined) return 'APIStatusError';
  if (error instanceof Error) return error.constructor.name || error.name;
  return typeof error;
}

/**
 * openai-python's `str(error)`. For a status error: `Error code: 400 - {'error': {...}}`
 * (the JSON body as a Python dict), or the body text when it is not JSON.
 */
export function pythonErrorText(error: unknown, rawBody?: string): string {
  if (error instanceof APIError && error.status !== undefined) {
    const text = (rawBody ?? (error.error !== undefined ? JSON.stringify({ error: error.error }) : '')).trim();
    try {
      return `Error code: ${error.status} - ${pyStr(parsePyJson(text))}`;
    } catch {
      return text || `Error code: ${error.status}`;
    }
  }
  if (error instanceof Error) return error.message;
  return String(error);
}

const NOT_FOR_CHAT = ['best_of', 'echo', 'logprobs'];

/** `to_openai_error_message`: PF's hints for well-known failures, else the error as is. */
export function openAIErrorMessage(type: string, text: string): string {
  let hint: string | undefined;
  if (text === '<empty message>') {
    hint = 'The api key is invalid or revoked. You can correct or regenerate the api key of your connection.';
  } else if (text.includes('Unrecognized request argument supplied: functions')) {
    hint =
      'Current model does not support the `functions` parameter. If you are using openai connection, then please use ' +
      'gpt-3.5-turbo, gpt-4, gpt-4-32k, gpt-3.5-turbo-0613 or gpt-4-0613. You can refer to ' +
      'https://platform.openai.com/docs/guides/gpt/function-calling. If you are using azure openai connection, then ' +
      "please first go to your Azure OpenAI resource, deploy model 'gpt-35-turbo' or 'gpt-4' with version 0613, then go " +
      "to prompt flow connection page, upgrade connection api version to '2023-07-01-preview'. You can refer to " +
      'https://learn.microsoft.com/en-us/azure/ai-services/openai/how-to/function-calling.';
  } else if (
    text.includes('The completion operation does not work with the specified model') ||
    (text.includes('parameters are not available') && NOT_FOR_CHAT.some((p) => text.includes(p)))
  ) {
    hint =
      'The completion operation does not work with the current model. Completion API is a legacy api and is going to ' +
      'be deprecated soon. Please change to use Chat API for current model. You could refer to guideline at ' +
      "https://aka.ms/pfdoc/chat-prompt or view the samples in our gallery that contain 'Chat' in the name.";
  } else if (text.includes('Invalid content type. image_url is only supported by certain models')) {
    hint =
      'Current model does not support the image input. If you are using openai connection, then please use ' +
      'gpt-4-vision-preview. You can refer to https://platform.openai.com/docs/guides/vision.If you are using azure ' +
      'openai connection, then please first go to your Azure OpenAI resource, create a GPT-4 Turbo with Vision ' +
      'deployment by selecting model name: "gpt-4" and model version "vision-preview". You can refer to ' +
      'https://learn.microsoft.com/en-us/azure/ai-services/openai/how-to/gpt-with-vision';
  } else if (
    (text.includes("'response_format' of type") && text.includes('is not supported with this model.')) ||
    (text.includes('Additional properties are not allowed') && text.includes("unexpected) - 'response_format'"))
  ) {
    hint =
      'The response_format parameter needs to be a dictionary such as {"type": "text"}. The value associated with the ' +
      "type key should be either 'text' or 'json_object' If you are using openai connection, you can only set " +
      'response_format to { "type": "json_object" } when calling gpt-3.5-turbo-1106 or gpt-4-1106-preview to enable ' +
      'JSON mode. You can refer to https://platform.openai.com/docs/guides/text-generation/json-mode. If you are using ' +
      "azure openai connection, then please first go to your Azure OpenAI resource, deploy model 'gpt-35-turbo-1106' or " +
      "'gpt-4-1106-preview'. You can refer to " +
      'https://learn.microsoft.com/en-us/azure/ai-services/openai/how-to/json-mode?tabs=python.';
  } else if (text.includes('Principal does not have access to API/Operation')) {
    hint =
      'Principal does not have access to API/Operation. If you are using azure openai connection, please make sure you ' +
      'have proper role assignment on your azure openai resource. You can refer to ' +
      'https://learn.microsoft.com/en-us/azure/ai-services/openai/how-to/role-based-access-control';
  }
  return hint ? `OpenAI API hits ${type}: ${hint}` : `OpenAI API hits ${type}: ${text} [${OPENAI_ERROR_REFERENCE}]`;
}

function causeChainText(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth++) {
    if (current instanceof Error) {
      parts.push(current.message, String((current as NodeJS.ErrnoException).code ?? ''));
      current = current.cause;
    } else {
      parts.push(String(current));
      break;
    }
  }
  return parts.join(' ').toLowerCase();
}

/**
 * `is_retriable_api_connection_error`: PF retries "connection aborted" and "server
 * disconnected without sending a response" (the Python HTTP stack's words for a
 * peer that dropped the connection). Node reports the same failures as
 * ECONNRESET / "socket hang up" / undici's "other side closed".
 */
export function isRetriableConnectionError(error: unknown): boolean {
  const text = causeChainText(error);
  return [
    'connection aborted',
    'server disconnected without sending a response',
    'econnreset',
    'socket hang up',
    'other side closed',
    'und_err_socket'
  ].some((m) => text.includes(m));
}

export type RetryDecision =
  | { kind: 'retry'; is422: boolean }
  | { kind: 'fail'; reason: 'wrapped' | 'abort' | 'other' };

/** Which branch of `handle_openai_error` an SDK error takes. */
export function classifyError(error: unknown): RetryDecision {
  if (error instanceof APIUserAbortError) return { kind: 'fail', reason: 'abort' };
  if (error instanceof APIConnectionTimeoutError) return { kind: 'retry', is422: false };
  if (error instanceof APIConnectionError) {
    return isRetriableConnectionError(error) ? { kind: 'retry', is422: false } : { kind: 'fail', reason: 'wrapped' };
  }
  if (error instanceof APIError && error.status !== undefined) {
    const status = error.status;
    if (status < 500 && status !== 429 && status !== 422) return { kind: 'fail', reason: 'wrapped' };
    // PF checks the error's `type` only (openai-python's RateLimitError.type).
    if (status === 429 && error.type === 'insufficient_quota') return { kind: 'fail', reason: 'wrapped' };
    return { kind: 'retry', is422: status === 422 };
  }
  if (error instanceof OpenAIError) return { kind: 'fail', reason: 'wrapped' };
  return { kind: 'fail', reason: 'other' };
}

/** The wait before the next try: the `retry-after` header (float seconds) when present, else the backoff. */
export function retryWaitSeconds(error: unknown, retryCount: number): number {
  const header = error instanceof APIError ? error.headers?.get('retry-after') : undefined;
  if (header) {
    const seconds = Number(header.trim());
    // PF would crash on an HTTP-date here; the backoff is the sane reading.
    if (header.trim() !== '' && Number.isFinite(seconds) && seconds >= 0) return seconds;
  }
  return retryIntervalSeconds(retryCount);
}
