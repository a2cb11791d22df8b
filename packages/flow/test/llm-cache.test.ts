/** LLM record/replay: modes, key stability, file format, replay miss, concurrency. */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LlmCache, cacheKey, parseLlmCacheMode, type LlmCacheMode } from '../src/llm/cache.js';
import { LlmClient, type LlmRequest } from '../src/llm/client.js';
import { LlmToolError } from '../src/llm/errors.js';
import { startFakeOpenAI, type FakeOpenAI } from './support/fake-openai.js';

let fake: FakeOpenAI;
let dir: string;
beforeAll(async () => {
  fake = await startFakeOpenAI({ apiKey: 'k-123456' });
});
afterAll(async () => {
  await fake.close();
});
beforeEach(async () => {
  fake.requests.length = 0;
  fake.setBehavior(undefined);
  dir = await mkdtemp(join(tmpdir(), 'llm-cache-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const request = (content: string, apiKey = 'k-123456'): LlmRequest => ({
  nodeName: 'classify',
  endpoint: { kind: 'azure', apiBase: fake.azureApiBase, apiVersion: '2024-02-01', apiKey },
  api: 'chat',
  body: { model: 'gpt', messages: [{ role: 'user', content }], temperature: 0, top_p: 1, n: 1, stream: false }
});
const client = (mode: LlmCacheMode) => new LlmClient({ cache: new LlmCache({ mode, dir }), sleep: async () => undefined });

async function files(): Promise<string[]> {
  const out: string[] = [];
  for (const sub of await readdir(dir).catch(() => [] as string[])) {
    for (const f of await readdir(join(dir, sub))) out.push(join(sub, f));
  }
  return out.sort();
}

describe('modes', () => {
  test('off: always calls, writes nothing', async () => {
    await client('off').request(request('a'));
    await client('off').request(request('a'));
    expect(fake.requests).toHaveLength(2);
    expect(await files()).toEqual([]);
  });

  test('auto: miss calls and stores, hit replays exactly without calling', async () => {
    const first = await client('auto').request(request('hello'));
    const second = await client('auto').request(request('hello'));
    expect(fake.requests).toHaveLength(1);
    expect(first.cached).toBe(false);
    expect(second.cached).toBe(true);
    expect(second.response).toEqual(first.response);
    const [file] = await files();
    const entry = JSON.parse(await readFile(join(dir, file!), 'utf8'));
    expect(file).toBe(`${entry.key.slice(0, 2)}/${entry.key}.json`);
    expect(entry.request).toEqual({
      api: 'chat',
      api_base: fake.azureApiBase,
      api_version: '2024-02-01',
      body: { messages: [{ content: 'hello', role: 'user' }], model: 'gpt', n: 1, stream: false, temperature: 0, top_p: 1 },
      deployment: 'gpt',
      endpoint: 'azure'
    });
    expect(entry.response.json.usage).toEqual({ prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 });
    expect(typeof entry.recordedAt).toBe('string');
    const text = await readFile(join(dir, file!), 'utf8');
    expect(text).toContain('\n  "key"');
    expect(text).not.toContain('k-123456');
  });

  test('replay: hit answers; miss fails the line naming the node and how to record', async () => {
    await client('record').request(request('known'));
    const hit = await client('replay').request(request('known'));
    expect(hit.cached).toBe(true);
    expect(fake.requests).toHaveLength(1);
    const error = await client('replay').request(request('changed prompt')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LlmToolError);
    expect((error as LlmToolError).code).toBe('LlmCacheMiss');
    expect((error as Error).message).toMatch(/No recorded LLM response for node 'classify' in .*\(cache: replay, key [0-9a-f]{64}\)\. .*cache: record \(or cache: auto\)/);
    expect(fake.requests).toHaveLength(1);
  });

  test('record: always calls and overwrites', async () => {
    fake.setBehavior((r) => ({ content: `answer ${r.index}` }));
    await client('record').request(request('q'));
    const second = await client('record').request(request('q'));
    expect(fake.requests).toHaveLength(2);
    const replayed = await client('replay').request(request('q'));
    expect(replayed.response).toEqual(second.response);
    expect(await files()).toHaveLength(1);
  });

  test('concurrent identical calls in auto make one request and one file', async () => {
    fake.setBehavior(() => ({ delayMs: 50 }));
    const c = client('auto');
    const results = await Promise.all([1, 2, 3, 4].map(() => c.request(request('same'))));
    expect(fake.requests).toHaveLength(1);
    expect(new Set(results.map((r) => JSON.stringify(r.response))).size).toBe(1);
    expect(await files()).toHaveLength(1);
    expect((await readdir(join(dir, (await files())[0]!.slice(0, 2)))).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

describe('key', () => {
  const base = { endpoint: 'azure' as const, base: 'https://x', apiVersion: 'v', model: 'm', api: 'chat' as const };
  test('independent of key order and of the api key; sensitive to every field', () => {
    const k = cacheKey({ ...base, body: { a: 1, b: { c: 2, d: [1, 2] } } });
    expect(cacheKey({ ...base, body: { b: { d: [1, 2], c: 2 }, a: 1 } })).toBe(k);
    expect(cacheKey({ ...base, body: { a: 1, b: { c: 2, d: [2, 1] } } })).not.toBe(k);
    expect(cacheKey({ ...base, model: 'other', body: { a: 1, b: { c: 2, d: [1, 2] } } })).not.toBe(k);
    expect(cacheKey({ ...base, api: 'completion', body: { a: 1, b: { c: 2, d: [1, 2] } } })).not.toBe(k);
    expect(cacheKey({ ...base, endpoint: 'openai', body: { a: 1, b: { c: 2, d: [1, 2] } } })).not.toBe(k);
  });

  test('the resource URL and api-version do not change the key, so recordings travel between resources', () => {
    const k = cacheKey({ ...base, body: { a: 1 } });
    expect(cacheKey({ ...base, base: 'https://y', apiVersion: 'w', body: { a: 1 } })).toBe(k);
  });

  test('the api key never changes the key', async () => {
    const d = await mkdtemp(join(tmpdir(), 'llm-cache-'));
    const cache = new LlmCache({ mode: 'auto', dir: d });
    await new LlmClient({ cache }).request(request('x'));
    const other = new LlmClient({ cache: new LlmCache({ mode: 'replay', dir: d }) });
    await expect(other.request(request('x', 'a-different-key'))).resolves.toMatchObject({ cached: true });
    await rm(d, { recursive: true, force: true });
  });

  test('mode parsing', () => {
    expect(parseLlmCacheMode(undefined)).toBe('off');
    expect(parseLlmCacheMode(' Replay ')).toBe('replay');
    expect(() => parseLlmCacheMode('sometimes', { field: 'cache' })).toThrow("Unknown LLM cache mode 'sometimes'. Use one of: off, auto, replay, record.");
  });
});
