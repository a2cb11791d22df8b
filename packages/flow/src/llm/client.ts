/**
 * Calls Azure OpenAI / OpenAI through the official `openai` SDK, with the SDK's
 * own retries off and Prompt flow's retry policy on top (`handle_openai_error`:
 * up to 100 retries, `retry-after` or 3, 4, 6, 10… s). Consults the LLM cache
 * first. A line's AbortSignal cancels both the wait and the request.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { AzureOpenAI, OpenAI } from 'openai';
import { silentLog, type Log } from '@llmops/common';
import { LlmCache, cacheKey, type LlmCacheRequest, type LlmCachedResponse } from './cache.js';
import { LlmToolError } from './errors.js';
import { httpFetch } from './http-fetch.js';
import { classifyError, openAIErrorMessage, pythonErrorText, pythonErrorType, retryWaitSeconds } from './retry.js';

/** Where the current call's raw error body goes (the SDK client, and so its fetch, is shared). */
const errorBodies = new AsyncLocalStorage<{ body?: string }>();

const capturingFetch: typeof fetch = async (input, init) => {
  const response = await httpFetch(input, init).catch((error: unknown) => {
    throw sameRealmError(error);
  });
  const captured = errorBodies.getStore();
  if (!response.ok && captured) captured.body = await response.clone().text().catch(() => undefined);
  return response;
};

export type LlmEndpoint =
  | { kind: 'azure'; apiBase: string; apiVersion: string; apiKey: string; unusable?: string }
  | { kind: 'openai'; baseUrl?: string; organization?: string; apiKey: string; unusable?: string };

/** Which SDK call: `chat.completions.create`, `completions.create` or `embeddings.create`. */
export type LlmApiKind = 'chat' | 'completion' | 'embedding';

export interface LlmRequest {
  /** The node making the call, for messages. */
  nodeName: string;
  endpoint: LlmEndpoint;
  api: LlmApiKind;
  /** The JSON body exactly as sent (model = deployment on Azure). */
  body: Record<string, unknown>;
  /** Extra headers (PF's `extra_headers` and telemetry headers); not part of the cache key. */
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export interface LlmResponse {
  /** The completion JSON, or the chunks when the body asked to stream. */
  response: LlmCachedResponse;
  /** Whether the answer came from the cache. */
  cached: boolean;
  /** Retries made before the answer (0 when the first try worked). */
  retries: number;
}

export interface LlmClientOptions {
  /** Per-request timeout; default 600000 (the SDK's 10 minutes). */
  requestTimeoutMs?: number;
  /** PF's `tries`: retries after the first attempt; default 100. */
  maxRetries?: number;
  /** PF's `unprocessable_entity_error_tries`: consecutive 422s allowed; default 3. */
  max422Tries?: number;
  /** Injectable wait, for tests. Must reject when `signal` aborts. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  cache?: LlmCache;
  log?: Log;
}

/**
 * The SDK recognises timeouts by `instanceof Error` + name AbortError. An error
 * from another realm (fetch's DOMException under a VM context, as in jest)
 * would lose its name there, so it is rebuilt as this realm's Error.
 */
function sameRealmError(error: unknown): unknown {
  if (error instanceof Error || typeof error !== 'object' || error === null) return error;
  const e = error as { name?: string; message?: string; cause?: unknown };
  const copy = new Error(e.message ?? String(error), { cause: e.cause });
  if (e.name) copy.name = e.name;
  return copy;
}

function maskSecret(text: string, secret: string): string {
  return secret ? text.split(secret).join('***') : text;
}

export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The request as the cache identifies it. */
export function cacheRequestOf(request: LlmRequest): LlmCacheRequest {
  const e = request.endpoint;
  return {
    endpoint: e.kind,
    base: e.kind === 'azure' ? e.apiBase : e.baseUrl || null,
    apiVersion: e.kind === 'azure' ? e.apiVersion : undefined,
    model: String(request.body.model ?? ''),
    api: request.api,
    body: request.body
  };
}

export class LlmClient {
  readonly cache: LlmCache;
  private readonly requestTimeoutMs: number;
  private readonly maxRetries: number;
  private readonly max422Tries: number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly log: Log;
  /** Cache entries being written, so concurrent identical calls in `auto` wait for one answer. */
  private readonly inFlight = new Map<string, Promise<LlmResponse>>();
  private readonly sdkClients = new Map<string, OpenAI>();

  constructor(options: LlmClientOptions = {}) {
    this.requestTimeoutMs = options.requestTimeoutMs ?? 600_000;
    this.maxRetries = options.maxRetries ?? 100;
    this.max422Tries = options.max422Tries ?? 3;
    this.sleep = options.sleep ?? abortableSleep;
    this.cache = options.cache ?? new LlmCache({ mode: 'off' });
    this.log = options.log ?? silentLog;
  }

  async request(request: LlmRequest): Promise<LlmResponse> {
    if (request.endpoint.apiKey) this.log.setSecret(request.endpoint.apiKey);
    const cache = this.cache;
    if (cache.mode === 'off') return this.callWithRetries(request);
    const cacheRequest = cacheRequestOf(request);
    const key = cacheKey(cacheRequest);
    if (cache.reads) {
      const hit = await cache.get(key);
      if (hit) return { response: hit.response, cached: true, retries: 0 };
      if (cache.mode === 'replay') {
        throw new LlmToolError(
          'LlmCacheMiss',
          `No recorded LLM response for node '${request.nodeName}' in ${cache.dir} (cache: replay, key ${key}). ` +
            `The prompt or a parameter changed since it was recorded: run once with cache: record (or cache: auto) and commit ${cache.dir}.`,
          { field: `nodes.${request.nodeName}` }
        );
      }
    }
    const pending = this.inFlight.get(key);
    if (pending && cache.mode === 'auto') return pending.then((r) => ({ ...r, cached: true, retries: 0 }));
    const call = (async () => {
      const result = await this.callWithRetries(request);
      await cache.put(key, cacheRequest, result.response);
      return result;
    })();
    this.inFlight.set(key, call);
    try {
      return await call;
    } finally {
      if (this.inFlight.get(key) === call) this.inFlight.delete(key);
    }
  }

  private async callWithRetries(request: LlmRequest): Promise<LlmResponse> {
    if (request.endpoint.unusable) {
      throw new LlmToolError('InvalidConnectionType', request.endpoint.unusable, { field: `nodes.${request.nodeName}.connection` });
    }
    let consecutive422 = 0;
    for (let attempt = 0; ; attempt++) {
      const captured: { body?: string } = {};
      try {
        const response = await this.callOnce(request, captured);
        return { response, cached: false, retries: attempt };
      } catch (error) {
        if (request.signal?.aborted) throw request.signal.reason;
        if (error instanceof LlmToolError) throw error;
        const type = pythonErrorType(error);
        // Some gateways echo the key in their error text; it must not reach logs or run files.
        const text = maskSecret(pythonErrorText(error, captured.body), request.endpoint.apiKey);
        this.log.warning(`Node '${request.nodeName}': ${type}: ${text}`);
        const decision = classifyError(error);
        const where = { field: `nodes.${request.nodeName}`, cause: error };
        if (decision.kind === 'fail') {
          if (decision.reason === 'abort') throw error;
          if (decision.reason === 'other') {
            throw new LlmToolError('LLMError', `OpenAI API hits exception: ${type}: ${text}`, where);
          }
          throw new LlmToolError('WrappedOpenAIError', openAIErrorMessage(type, text), where);
        }
        consecutive422 = decision.is422 ? consecutive422 + 1 : 0;
        if (attempt >= this.maxRetries || consecutive422 >= this.max422Tries) {
          throw new LlmToolError('ExceedMaxRetryTimes', `Exceed max retry times. ${openAIErrorMessage(type, text)}`, where);
        }
        const seconds = retryWaitSeconds(error, attempt);
        this.log.info(`Node '${request.nodeName}': ${type} #${attempt}, back off ${seconds} seconds for retry.`);
        await this.sleep(seconds * 1000, request.signal ?? undefined);
      }
    }
  }

  /** One HTTP call. Error bodies are captured raw, to word errors as openai-python does. */
  private async callOnce(request: LlmRequest, captured: { body?: string }): Promise<LlmCachedResponse> {
    return errorBodies.run(captured, () => this.send(request));
  }

  /** SDK clients are kept per endpoint: building one per call cost more than the call's own work. */
  private sdkClient(e: LlmEndpoint): OpenAI {
    const key = JSON.stringify(e);
    let client = this.sdkClients.get(key);
    if (!client) {
      const common = { apiKey: e.apiKey, maxRetries: 0, timeout: this.requestTimeoutMs, fetch: capturingFetch };
      client =
        e.kind === 'azure'
          ? // The base URL is built here (PF's azure_endpoint + "/openai") so OPENAI_BASE_URL cannot interfere.
            new AzureOpenAI({ ...common, apiVersion: e.apiVersion, baseURL: `${e.apiBase.replace(/\/+$/, '')}/openai` })
          : new OpenAI({ ...common, baseURL: e.baseUrl || undefined, organization: e.organization || null });
      this.sdkClients.set(key, client);
    }
    return client;
  }

  private async send(request: LlmRequest): Promise<LlmCachedResponse> {
    const client = this.sdkClient(request.endpoint);
    const options = { headers: request.headers, signal: request.signal, maxRetries: 0, timeout: this.requestTimeoutMs };
    const endpoint = request.api === 'chat' ? client.chat.completions : request.api === 'embedding' ? client.embeddings : client.completions;
    const create = endpoint.create.bind(endpoint) as (body: unknown, options: unknown) => PromiseLike<unknown> & {
      asResponse(): Promise<Response>;
    };
    if (request.body.stream === true) {
      const stream = (await create(request.body, options)) as AsyncIterable<unknown>;
      const chunks: unknown[] = [];
      for await (const chunk of stream) chunks.push(chunk);
      return { chunks };
    }
    const response = await create(request.body, options).asResponse();
    const text = await response.text();
    try {
      return { json: JSON.parse(text) as unknown };
    } catch {
      throw new LlmToolError('LLMError', `OpenAI API hits exception: JSONDecodeError: the response of ${response.url} is not JSON: ${text.slice(0, 200)}`);
    }
  }
}
