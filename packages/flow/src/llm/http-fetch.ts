/**
 * A `fetch` for the openai SDK over node:http(s) with keep-alive agents. At
 * dozens of calls in flight, undici's fetch spent more CPU per call than the
 * rest of a line's work; this one buffers non-streaming replies and hands the
 * SDK a standard Response. Streaming replies (`text/event-stream`) stay streams.
 */
import http from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';

const agents = {
  'http:': new http.Agent({ keepAlive: true, maxSockets: Infinity }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: Infinity })
};

function abortError(signal: AbortSignal): Error {
  const reason = signal.reason as { name?: string; message?: string } | undefined;
  const error = new Error(reason?.message ?? 'This operation was aborted');
  error.name = 'AbortError';
  return error;
}

function requestUrl(input: Parameters<typeof fetch>[0]): URL {
  if (typeof input === 'string') return new URL(input);
  if (input instanceof URL) return input;
  return new URL(input.url);
}

function requestBody(body: unknown): string | Uint8Array | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string' || body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  throw new Error(`unsupported request body type for the LLM client: ${Object.prototype.toString.call(body)}`);
}

export const httpFetch: typeof fetch = (input, init = {}) =>
  new Promise<Response>((resolve, reject) => {
    const url = requestUrl(input);
    const signal = init.signal ?? undefined;
    if (signal?.aborted) return reject(abortError(signal));
    const transport = url.protocol === 'https:' ? https : http;
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, key) => {
      headers[key] = value;
    });
    const body = requestBody(init.body);
    const req = transport.request(url, { method: init.method ?? 'GET', headers, agent: agents[url.protocol as 'http:' | 'https:'] }, (res) => {
      const responseHeaders = new Headers();
      for (const [key, value] of Object.entries(res.headers)) {
        if (Array.isArray(value)) for (const v of value) responseHeaders.append(key, v);
        else if (value !== undefined) responseHeaders.set(key, value);
      }
      const status = res.statusCode ?? 0;
      const init = { status, statusText: res.statusMessage, headers: responseHeaders };
      if (String(res.headers['content-type'] ?? '').includes('text/event-stream')) {
        resolve(new Response(Readable.toWeb(res) as ReadableStream, init));
        return;
      }
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve(new Response(status === 204 || status === 304 ? null : Buffer.concat(chunks), init)));
      res.on('error', reject);
    });
    const onAbort = () => req.destroy(abortError(signal!));
    signal?.addEventListener('abort', onAbort, { once: true });
    req.on('close', () => signal?.removeEventListener('abort', onAbort));
    req.on('error', reject);
    req.end(body);
  });
