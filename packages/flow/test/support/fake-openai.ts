/**
 * A fake Azure OpenAI + OpenAI endpoint on 127.0.0.1 (OS-chosen port) that
 * speaks both URL and auth styles with the real response and error shapes:
 *   Azure:  POST /openai/deployments/{dep}/chat/completions?api-version=…  (api-key header)
 *           POST /openai/deployments/{dep}/completions?api-version=…
 *           POST /openai/deployments/{dep}/embeddings?api-version=…
 *   OpenAI: POST /v1/chat/completions, POST /v1/completions, POST /v1/embeddings  (Authorization: Bearer)
 * By default a chat call answers `echo: <last user message>`, a completion
 * `echo: <prompt>`, and an embedding call `fakeEmbedding(input)` (float32 values,
 * base64 when `encoding_format` is "base64", as the real service); a behaviour hook can answer anything per request (429 with
 * Retry-After, 500s, insufficient_quota, 400s, delays, dropped connections,
 * tool calls). Used by unit tests, integration tests and bench/.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface RecordedRequest {
  /** 0-based arrival order. */
  index: number;
  method: string;
  path: string;
  query: Record<string, string>;
  style: 'azure' | 'openai' | 'unknown';
  api: 'chat' | 'completion' | 'embedding' | 'unknown';
  /** Azure deployment from the URL. */
  deployment?: string;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
}

export interface FakeToolCall {
  id: string;
  name: string;
  arguments: string;
}

/** What to answer one request with; fields left out take the default. */
export interface FakeBehavior {
  status?: number;
  /** A full JSON body (error or success) to send as is. */
  body?: unknown;
  /** Raw text body instead of JSON. */
  text?: string;
  headers?: Record<string, string>;
  /** Wait before answering. */
  delayMs?: number;
  /** Chat content / completion text for a default-shaped success. */
  content?: string | null;
  toolCalls?: FakeToolCall[];
  usage?: { prompt_tokens: number; completion_tokens: number };
  /** The vector an embedding call answers with (for every input). */
  embedding?: number[];
  /** Close the connection without answering (a "server disconnected"). */
  drop?: boolean;
}

export type BehaviorFn = (request: RecordedRequest) => FakeBehavior | undefined | Promise<FakeBehavior | undefined>;

export interface FakeOpenAIOptions {
  /** The accepted key for both auth styles (default 'test-key'). */
  apiKey?: string;
  /** Added to every answer, e.g. for benchmarks. */
  fixedLatencyMs?: number;
  behavior?: BehaviorFn;
  /** The default answer text, computed from the request. */
  reply?: (request: RecordedRequest) => string;
}

export interface FakeOpenAI {
  url: string;
  port: number;
  /** Azure api_base / OpenAI base_url for connections pointing here. */
  azureApiBase: string;
  openaiBaseUrl: string;
  requests: RecordedRequest[];
  setBehavior(fn: BehaviorFn | undefined): void;
  close(): Promise<void>;
}

/** Behaviour builders for the common failure shapes. */
export const fakeErrors = {
  rateLimited(retryAfter?: string): FakeBehavior {
    return {
      status: 429,
      headers: retryAfter === undefined ? {} : { 'retry-after': retryAfter },
      body: {
        error: {
          code: '429',
          message: 'Requests to the ChatCompletions_Create Operation under Azure OpenAI API have exceeded call rate limit. Please retry after 1 second.'
        }
      }
    };
  },
  insufficientQuota(): FakeBehavior {
    return {
      status: 429,
      body: {
        error: {
          message: 'You exceeded your current quota, please check your plan and billing details.',
          type: 'insufficient_quota',
          param: null,
          code: 'insufficient_quota'
        }
      }
    };
  },
  serverError(status = 500): FakeBehavior {
    return { status, body: { error: { message: 'The server had an error while processing your request. Sorry about that!', type: 'server_error', param: null, code: null } } };
  },
  badRequest(message: string, param: string | null = null): FakeBehavior {
    return { status: 400, body: { error: { message, type: 'invalid_request_error', param, code: null } } };
  },
  unprocessable(): FakeBehavior {
    return { status: 422, body: { error: { message: 'Unprocessable Entity', type: 'invalid_request_error', param: null, code: null } } };
  }
};

function countTokens(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

function messageText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((p) => (p && typeof p === 'object' && 'text' in p ? String(p.text) : '')).join('\n');
  return '';
}

export function defaultReply(request: RecordedRequest): string {
  if (request.api === 'completion') return `echo: ${String(request.body.prompt ?? '')}`;
  const messages = (request.body.messages as { role: string; content: unknown }[] | undefined) ?? [];
  const lastUser = [...messages].reverse().find((m) => m.role === 'user');
  return `echo: ${messageText(lastUser?.content)}`;
}

const ROUTE_APIS: Record<string, RecordedRequest['api']> = { 'chat/completions': 'chat', completions: 'completion', embeddings: 'embedding' };

function parseRoute(path: string): Pick<RecordedRequest, 'style' | 'api' | 'deployment'> {
  const azure = /^\/openai\/deployments\/([^/]+)\/(chat\/completions|completions|embeddings)$/.exec(path);
  if (azure) return { style: 'azure', deployment: decodeURIComponent(azure[1]!), api: ROUTE_APIS[azure[2]!]! };
  const openai = /^\/v1\/(chat\/completions|completions|embeddings)$/.exec(path);
  if (openai) return { style: 'openai', api: ROUTE_APIS[openai[1]!]! };
  return { style: 'unknown', api: 'unknown' };
}

/**
 * A deterministic float32 vector for a text: each of `dimensions` buckets sums the
 * code points at positions ≡ i (mod dimensions), mapped into [-0.5, 0.5); an empty
 * bucket is 0 (so short texts give exact zeros, as a test of `0.0`).
 */
export function fakeEmbedding(text: string, dimensions = 8): number[] {
  const sums = new Array<number>(dimensions).fill(0);
  const seen = new Array<boolean>(dimensions).fill(false);
  Array.from(text).forEach((ch, i) => {
    sums[i % dimensions]! += ch.codePointAt(0)! * (i + 1);
    seen[i % dimensions] = true;
  });
  return sums.map((sum, i) => (seen[i] ? Math.fround(((sum % 1000) - 500) / 1000) : 0));
}

function embeddingBody(request: RecordedRequest, behavior: FakeBehavior): Record<string, unknown> {
  const raw = request.body.input;
  const inputs = Array.isArray(raw) ? raw : [raw];
  const dimensions = typeof request.body.dimensions === 'number' ? request.body.dimensions : 8;
  const base64 = request.body.encoding_format === 'base64';
  const data = inputs.map((input, index) => {
    const vector = behavior.embedding ?? fakeEmbedding(String(input ?? ''), dimensions);
    const embedding = base64 ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector.map(Math.fround);
    return { object: 'embedding', index, embedding };
  });
  const promptTokens = behavior.usage?.prompt_tokens ?? inputs.reduce((n: number, input) => n + countTokens(String(input ?? '')), 0);
  const model = request.deployment ?? String(request.body.model ?? '');
  return { object: 'list', data, model, usage: { prompt_tokens: promptTokens, total_tokens: promptTokens } };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function authError(style: RecordedRequest['style']): unknown {
  return style === 'azure'
    ? {
        error: {
          code: '401',
          message:
            'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.'
        }
      }
    : {
        error: {
          message: 'Incorrect API key provided: ***. You can find your API key at https://platform.openai.com/account/api-keys.',
          type: 'invalid_request_error',
          param: null,
          code: 'invalid_api_key'
        }
      };
}

function successBody(request: RecordedRequest, behavior: FakeBehavior, reply: (r: RecordedRequest) => string, id: number): Record<string, unknown> {
  const model = request.deployment ?? String(request.body.model ?? '');
  const content = behavior.content !== undefined ? behavior.content : behavior.toolCalls ? null : reply(request);
  const promptText = request.api === 'completion' ? String(request.body.prompt ?? '') : ((request.body.messages as { content: unknown }[]) ?? []).map((m) => messageText(m.content)).join(' ');
  const usage = behavior.usage ?? { prompt_tokens: countTokens(promptText), completion_tokens: countTokens(content ?? '') };
  const n = typeof request.body.n === 'number' ? request.body.n : 1;
  const base = { id: `${request.api === 'chat' ? 'chatcmpl' : 'cmpl'}-fake-${id}`, created: 1700000000, model };
  const usageBody = { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens };
  if (request.api === 'completion') {
    const choices = Array.from({ length: n }, (_, index) => ({ text: content ?? '', index, logprobs: null, finish_reason: 'stop' }));
    return { ...base, object: 'text_completion', choices, usage: usageBody };
  }
  const toolCalls = behavior.toolCalls?.map((t) => ({ id: t.id, type: 'function', function: { name: t.name, arguments: t.arguments } }));
  const choices = Array.from({ length: n }, (_, index) => ({
    index,
    message: { role: 'assistant', content, ...(toolCalls ? { tool_calls: toolCalls } : {}) },
    logprobs: null,
    finish_reason: toolCalls ? 'tool_calls' : 'stop'
  }));
  return { ...base, object: 'chat.completion', choices, usage: usageBody, system_fingerprint: null };
}

function sendStream(res: ServerResponse, request: RecordedRequest, body: Record<string, unknown>): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const choice = (body.choices as Record<string, unknown>[])[0]!;
  const text = request.api === 'chat' ? String((choice.message as { content: unknown }).content ?? '') : String(choice.text ?? '');
  const pieces = text.match(/\S+\s*|\s+/g) ?? [];
  const object = request.api === 'chat' ? 'chat.completion.chunk' : 'text_completion';
  for (const piece of pieces) {
    const delta = request.api === 'chat' ? { index: 0, delta: { content: piece }, finish_reason: null } : { index: 0, text: piece, finish_reason: null };
    res.write(`data: ${JSON.stringify({ id: body.id, object, created: body.created, model: body.model, choices: [delta] })}\n\n`);
  }
  res.write('data: [DONE]\n\n');
  res.end();
}

/** Delays never keep the process alive after close(). */
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms).unref());

export async function startFakeOpenAI(options: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  const apiKey = options.apiKey ?? 'test-key';
  const reply = options.reply ?? defaultReply;
  let behavior = options.behavior;
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();

  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const text = await readBody(req);
      let body: Record<string, unknown> = {};
      try {
        body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      } catch {
        return sendJson(res, 400, { error: { message: 'We could not parse the JSON body of your request.', type: 'invalid_request_error', param: null, code: null } });
      }
      const route = parseRoute(url.pathname);
      const request: RecordedRequest = {
        index: requests.length,
        method: req.method ?? 'GET',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        ...route,
        headers: req.headers,
        body
      };
      requests.push(request);
      if (req.method !== 'POST' || route.style === 'unknown') {
        return sendJson(res, 404, { error: { code: '404', message: 'Resource not found' } });
      }
      const key = route.style === 'azure' ? req.headers['api-key'] : /^Bearer (.*)$/.exec(req.headers.authorization ?? '')?.[1];
      if (key !== apiKey) return sendJson(res, 401, authError(route.style));
      if (route.style === 'azure' && !request.query['api-version']) {
        return sendJson(res, 404, { error: { code: '404', message: 'Resource not found' } });
      }
      const chosen = (await behavior?.(request)) ?? {};
      const delay = (options.fixedLatencyMs ?? 0) + (chosen.delayMs ?? 0);
      if (delay > 0) await sleep(delay);
      if (chosen.drop) {
        req.socket.destroy();
        return;
      }
      if (chosen.text !== undefined) {
        res.writeHead(chosen.status ?? 200, { 'content-type': 'text/plain', ...chosen.headers });
        return res.end(chosen.text);
      }
      if (chosen.body !== undefined) return sendJson(res, chosen.status ?? 200, chosen.body, chosen.headers);
      if (route.api === 'embedding') return sendJson(res, chosen.status ?? 200, embeddingBody(request, chosen), chosen.headers);
      const success = successBody(request, chosen, reply, request.index);
      if (body.stream === true) return sendStream(res, request, success);
      sendJson(res, chosen.status ?? 200, success, chosen.headers);
    } catch (error) {
      if (!res.headersSent) sendJson(res, 500, { error: { message: String(error), type: 'server_error', param: null, code: null } });
      else res.end();
    }
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    port,
    azureApiBase: url,
    openaiBaseUrl: `${url}/v1`,
    requests,
    setBehavior(fn) {
      behavior = fn;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      })
  };
}
