/** LlmClient through the real openai SDK against the fake server: URL/auth styles, PF's retry policy, errors. */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import type { Log } from '@llmops/common';
import { LlmClient, type LlmEndpoint, type LlmRequest } from '../src/llm/client.js';
import { LlmToolError } from '../src/llm/errors.js';
import { startFakeOpenAI, fakeErrors, type FakeOpenAI } from './support/fake-openai.js';

let fake: FakeOpenAI;
beforeAll(async () => {
  fake = await startFakeOpenAI({ apiKey: 'sk-secret-123' });
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.requests.length = 0;
  fake.setBehavior(undefined);
});

const azure = (): LlmEndpoint => ({ kind: 'azure', apiBase: fake.azureApiBase, apiVersion: '2024-02-01', apiKey: 'sk-secret-123' });
const openai = (): LlmEndpoint => ({ kind: 'openai', baseUrl: fake.openaiBaseUrl, apiKey: 'sk-secret-123' });
const chat = (endpoint: LlmEndpoint, extra: Partial<LlmRequest> = {}): LlmRequest => ({
  nodeName: 'answer',
  endpoint,
  api: 'chat',
  body: { model: 'gpt-dep', messages: [{ role: 'user', content: 'hello there' }], temperature: 1, top_p: 1, n: 1, stream: false },
  ...extra
});

function recordingLog(): Log & { secrets: string[]; lines: string[] } {
  const secrets: string[] = [];
  const lines: string[] = [];
  return {
    secrets,
    lines,
    debug: (m) => lines.push(m),
    info: (m) => lines.push(m),
    warning: (m) => lines.push(m),
    error: (m) => lines.push(m),
    setSecret: (s) => secrets.push(s)
  };
}

function recordingSleep() {
  const waits: number[] = [];
  return { waits, sleep: async (ms: number) => void waits.push(ms / 1000) };
}

describe('wire', () => {
  test('Azure: deployment URL, api-version, api-key header, PF headers; raw JSON back', async () => {
    const log = recordingLog();
    const client = new LlmClient({ log });
    const res = await client.request(chat(azure(), { headers: { 'ms-azure-ai-promptflow-called-from': 'aoai-tool' } }));
    const req = fake.requests[0]!;
    expect(req.path).toBe('/openai/deployments/gpt-dep/chat/completions');
    expect(req.query['api-version']).toBe('2024-02-01');
    expect(req.headers['api-key']).toBe('sk-secret-123');
    expect(req.headers.authorization).toBeUndefined();
    expect(req.headers['ms-azure-ai-promptflow-called-from']).toBe('aoai-tool');
    expect(req.headers['x-stainless-retry-count']).toBe('0');
    expect(req.body).toEqual(chat(azure()).body);
    expect(res.response).toEqual({ json: expect.objectContaining({ object: 'chat.completion', usage: { prompt_tokens: 2, completion_tokens: 3, total_tokens: 5 } }) });
    expect(res.cached).toBe(false);
    expect(log.secrets).toContain('sk-secret-123');
  });

  test('OpenAI: /v1 URL with Bearer auth; completion endpoint', async () => {
    const client = new LlmClient();
    const res = await client.request({ nodeName: 'n', endpoint: openai(), api: 'completion', body: { model: 'davinci', prompt: 'say hi' } });
    const req = fake.requests[0]!;
    expect(req.path).toBe('/v1/completions');
    expect(req.headers.authorization).toBe('Bearer sk-secret-123');
    expect(req.headers['api-key']).toBeUndefined();
    expect((res.response as { json: { choices: { text: string }[] } }).json.choices[0]!.text).toBe('echo: say hi');
  });

  test('a wrong key is a WrappedOpenAIError worded like openai-python, not retried, key not echoed', async () => {
    const client = new LlmClient({ sleep: async () => undefined });
    const error = await client.request(chat({ kind: 'azure', apiBase: fake.azureApiBase, apiVersion: '2024-02-01', apiKey: 'wrong-key' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LlmToolError);
    expect((error as LlmToolError).code).toBe('WrappedOpenAIError');
    expect((error as Error).message).toBe(
      "OpenAI API hits AuthenticationError: Error code: 401 - {'error': {'code': '401', 'message': 'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.'}} [Error reference: https://platform.openai.com/docs/guides/error-codes/api-errors]"
    );
    expect((error as LlmToolError).field).toBe('nodes.answer');
    expect(fake.requests).toHaveLength(1);
  });
});

describe('retry policy (handle_openai_error)', () => {
  test('backoff without Retry-After is 3, 4, 6, 10, 18, 34, 60, 60 s', async () => {
    const { waits, sleep } = recordingSleep();
    fake.setBehavior((r) => (r.index < 8 ? fakeErrors.serverError(503) : undefined));
    const res = await new LlmClient({ sleep }).request(chat(azure()));
    expect(waits).toEqual([3, 4, 6, 10, 18, 34, 60, 60]);
    expect(res.retries).toBe(8);
    expect(fake.requests).toHaveLength(9);
  });

  test('Retry-After header (float seconds) is used as is', async () => {
    const { waits, sleep } = recordingSleep();
    fake.setBehavior((r) => (r.index === 0 ? fakeErrors.rateLimited('0.5') : r.index === 1 ? fakeErrors.rateLimited('2') : undefined));
    await new LlmClient({ sleep }).request(chat(openai()));
    expect(waits).toEqual([0.5, 2]);
  });

  test('after maxRetries retries: ExceedMaxRetryTimes', async () => {
    const { waits, sleep } = recordingSleep();
    fake.setBehavior(() => fakeErrors.rateLimited());
    const error = await new LlmClient({ sleep, maxRetries: 3 }).request(chat(azure())).catch((e: unknown) => e);
    expect((error as LlmToolError).code).toBe('ExceedMaxRetryTimes');
    expect((error as Error).message).toMatch(/^Exceed max retry times\. OpenAI API hits RateLimitError: Error code: 429 - \{'error': \{'code': '429'/);
    expect(waits).toEqual([3, 4, 6]);
    expect(fake.requests).toHaveLength(4);
  });

  test('insufficient_quota is not retried', async () => {
    const { waits, sleep } = recordingSleep();
    fake.setBehavior(() => fakeErrors.insufficientQuota());
    const error = await new LlmClient({ sleep }).request(chat(openai())).catch((e: unknown) => e);
    expect((error as LlmToolError).code).toBe('WrappedOpenAIError');
    expect((error as Error).message).toContain("OpenAI API hits RateLimitError: Error code: 429 - {'error': {'message': 'You exceeded your current quota");
    expect(waits).toEqual([]);
    expect(fake.requests).toHaveLength(1);
  });

  test('400 is not retried and is reported with the body', async () => {
    const { waits, sleep } = recordingSleep();
    fake.setBehavior(() => fakeErrors.badRequest("'messages' must contain the word 'json'", 'messages'));
    const error = await new LlmClient({ sleep }).request(chat(azure())).catch((e: unknown) => e);
    expect((error as Error).message).toBe(
      "OpenAI API hits BadRequestError: Error code: 400 - {'error': {'message': \"'messages' must contain the word 'json'\", 'type': 'invalid_request_error', 'param': 'messages', 'code': None}} [Error reference: https://platform.openai.com/docs/guides/error-codes/api-errors]"
    );
    expect(waits).toEqual([]);
  });

  test('422 is retried at most 3 times in a row', async () => {
    const { waits, sleep } = recordingSleep();
    fake.setBehavior(() => fakeErrors.unprocessable());
    const error = await new LlmClient({ sleep }).request(chat(azure())).catch((e: unknown) => e);
    expect((error as LlmToolError).code).toBe('ExceedMaxRetryTimes');
    expect(fake.requests).toHaveLength(3);
    expect(waits).toEqual([3, 4]);
  });

  test('a 422 streak is reset by another retriable error', async () => {
    const { sleep } = recordingSleep();
    const script = [422, 422, 500, 422, 422];
    fake.setBehavior((r) => (r.index < script.length ? (script[r.index] === 422 ? fakeErrors.unprocessable() : fakeErrors.serverError()) : undefined));
    await new LlmClient({ sleep }).request(chat(azure()));
    expect(fake.requests).toHaveLength(6);
  });

  test('a request timeout is retried', async () => {
    const { waits, sleep } = recordingSleep();
    fake.setBehavior((r) => (r.index === 0 ? { delayMs: 400 } : undefined));
    const res = await new LlmClient({ sleep, requestTimeoutMs: 100 }).request(chat(azure()));
    expect(waits).toEqual([3]);
    expect(res.retries).toBe(1);
  });

  test('a dropped connection is retried; a refused one is not', async () => {
    const { waits, sleep } = recordingSleep();
    fake.setBehavior((r) => (r.index === 0 ? { drop: true } : undefined));
    await new LlmClient({ sleep }).request(chat(azure()));
    expect(waits).toEqual([3]);

    const closed = await startFakeOpenAI();
    const base = closed.azureApiBase;
    await closed.close();
    const error = await new LlmClient({ sleep }).request(chat({ kind: 'azure', apiBase: base, apiVersion: '2024-02-01', apiKey: 'sk-secret-123' })).catch((e: unknown) => e);
    expect((error as LlmToolError).code).toBe('WrappedOpenAIError');
    expect((error as Error).message).toContain('OpenAI API hits APIConnectionError: Connection error.');
  });

  test('an aborted line stops the wait and the request', async () => {
    fake.setBehavior(() => fakeErrors.serverError());
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(new Error('Line 0 execution timeout for exceeding 1 seconds')), 150);
    const error = await new LlmClient().request(chat(azure(), { signal: controller.signal })).catch((e: unknown) => e);
    expect((error as Error).message).toBe('Line 0 execution timeout for exceeding 1 seconds');
    expect(Date.now() - started).toBeLessThan(2000);

    fake.setBehavior(() => ({ delayMs: 5000 }));
    const c2 = new AbortController();
    setTimeout(() => c2.abort(new Error('timeout')), 100);
    const t0 = Date.now();
    await expect(new LlmClient().request(chat(azure(), { signal: c2.signal }))).rejects.toThrow('timeout');
    expect(Date.now() - t0).toBeLessThan(2000);
  });
});
