/** The Embedding package tool against the fake server: both URL styles, output, errors, retries, cache, and as a flow node. */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLog } from '@llmops/common';
import { runFlow } from '@llmops/flow';
import type { Connection } from '../src/connections/model.js';
import { LlmCache } from '../src/llm/cache.js';
import { LlmClient } from '../src/llm/client.js';
import { embeddingOutput, runEmbeddingTool, type EmbeddingToolCall } from '../src/llm/embedding.js';
import { LlmToolError } from '../src/llm/errors.js';
import { isPyFloat, PyFloat, pyStr } from '../src/py/pyvalue.js';
import { fakeEmbedding, fakeErrors, startFakeOpenAI, type FakeOpenAI } from './support/fake-openai.js';

let fake: FakeOpenAI;
let work: string;
beforeAll(async () => {
  fake = await startFakeOpenAI({ apiKey: 'emb-key-42' });
  work = await mkdtemp(join(tmpdir(), 'llm-embedding-'));
});
afterAll(async () => {
  await fake.close();
  await rm(work, { recursive: true, force: true });
});
beforeEach(() => {
  fake.requests.length = 0;
  fake.setBehavior(undefined);
});

const aoai = (): Connection => ({
  name: 'aoai',
  type: 'azure_open_ai',
  className: 'AzureOpenAIConnection',
  configs: { api_base: fake.azureApiBase, api_version: '2024-06-01' },
  secrets: { api_key: 'emb-key-42' }
});
const oai = (): Connection => ({ name: 'oai', type: 'open_ai', className: 'OpenAIConnection', configs: { base_url: fake.openaiBaseUrl }, secrets: { api_key: 'emb-key-42' } });
const noSleep = () => new LlmClient({ sleep: async () => undefined });
const call = (extra: Partial<EmbeddingToolCall>): EmbeddingToolCall => ({
  nodeName: 'embed',
  connection: aoai(),
  inputs: { input: 'hello world', deployment_name: 'ada-dep' },
  client: noSleep(),
  ...extra
});

/** The error a call must fail with (a resolved call fails the test). */
async function failure<E = LlmToolError>(promise: Promise<unknown>): Promise<E> {
  return promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e as E
  );
}

/** What PF prints for the float32 vector: each value widened to double, in Python's repr. */
const pyFloats = (vector: number[]) => vector.map((x) => (Number.isInteger(x) ? `${x}.0` : String(Math.fround(x))));

describe('request', () => {
  test('Azure: deployment URL, api-version, api-key, PF headers; body is input, model, encoding_format base64', async () => {
    const result = await runEmbeddingTool(call({}));
    const req = fake.requests[0]!;
    expect(req.path).toBe('/openai/deployments/ada-dep/embeddings');
    expect(req.query['api-version']).toBe('2024-06-01');
    expect(req.headers['api-key']).toBe('emb-key-42');
    expect(req.headers.authorization).toBeUndefined();
    expect(req.headers['ms-azure-ai-promptflow-called-from']).toBe('aoai-tool');
    expect(req.headers['x-ms-useragent']).toBe('llmops-actions');
    expect(req.body).toEqual({ input: 'hello world', model: 'ada-dep', encoding_format: 'base64' });
    expect(Object.keys(req.body)).toEqual(['input', 'model', 'encoding_format']);
    expect(result.usage).toEqual({ promptTokens: 2, completionTokens: 0, totalTokens: 2 });
    expect(result.cached).toBe(false);
  });

  test('OpenAI: /v1/embeddings with Bearer, model defaults to text-embedding-ada-002; no called-from header', async () => {
    await runEmbeddingTool(call({ connection: oai(), inputs: { input: 'abc' } }));
    await runEmbeddingTool(call({ connection: oai(), inputs: { input: 'abc', model: 'text-embedding-3-small', deployment_name: 'ignored' } }));
    const [first, second] = fake.requests;
    expect(first!.path).toBe('/v1/embeddings');
    expect(first!.headers.authorization).toBe('Bearer emb-key-42');
    expect(first!.headers['api-key']).toBeUndefined();
    expect(first!.headers['ms-azure-ai-promptflow-called-from']).toBeUndefined();
    expect(first!.body).toEqual({ input: 'abc', model: 'text-embedding-ada-002', encoding_format: 'base64' });
    expect(second!.body).toEqual({ input: 'abc', model: 'text-embedding-3-small', encoding_format: 'base64' });
  });

  test('Serverless: OpenAI style at api_base + /v1', async () => {
    const serverless: Connection = { name: 's', type: 'serverless', className: 'ServerlessConnection', configs: { api_base: fake.url }, secrets: { api_key: 'emb-key-42' } };
    await runEmbeddingTool(call({ connection: serverless, inputs: { input: 'x', model: 'my-embedder' } }));
    expect(fake.requests[0]!.path).toBe('/v1/embeddings');
    expect(fake.requests[0]!.body.model).toBe('my-embedder');
  });
});

describe('output', () => {
  test('data[0].embedding decoded from base64 float32 into Python floats; zeros are 0.0', async () => {
    const { output } = await runEmbeddingTool(call({ inputs: { input: 'hi', deployment_name: 'd' } }));
    const vector = fakeEmbedding('hi');
    expect(output).toHaveLength(8);
    expect(vector.slice(2)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(output.map((x) => pyStr(x))).toEqual(pyFloats(vector));
    expect(isPyFloat(output[7])).toBe(true);
  });

  test('integral and float32-rounded values print as Python does', async () => {
    fake.setBehavior(() => ({ embedding: [1, -2, 0.1, 0.0023064255, 0] }));
    const { output } = await runEmbeddingTool(call({}));
    expect(output.map((x) => pyStr(x))).toEqual(['1.0', '-2.0', '0.10000000149011612', '0.002306425478309393', '0.0']);
  });

  test('a float-format answer (a server ignoring encoding_format) is taken as is', () => {
    const output = embeddingOutput({ data: [{ embedding: [0.5, 0, 2] }, { embedding: [9] }] });
    expect(output).toEqual([0.5, new PyFloat(0), new PyFloat(2)]);
  });

  test('no data is a ValueError, as openai-python raises it', () => {
    expect(() => embeddingOutput({ data: [] }, 'embed')).toThrow('OpenAI API hits exception: ValueError: No embedding data received');
  });

  test('a list input is sent as a list; the first embedding is returned', async () => {
    const { output } = await runEmbeddingTool(call({ inputs: { input: ['first', 'second'], deployment_name: 'd' } }));
    expect(fake.requests[0]!.body.input).toEqual(['first', 'second']);
    expect(output.map((x) => pyStr(x))).toEqual(pyFloats(fakeEmbedding('first')));
  });
});

describe('errors', () => {
  test('a connection of another type is InvalidConnectionType, worded as PF', async () => {
    const custom: Connection = { name: 'c', type: 'custom', className: 'CustomConnection', configs: {}, secrets: {} };
    const error = await runEmbeddingTool(call({ connection: custom })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LlmToolError);
    expect((error as LlmToolError).code).toBe('InvalidConnectionType');
    expect((error as Error).message).toBe(
      "Not Support connection type 'CustomConnection' for embedding api. Connection type should be in [AzureOpenAIConnection, OpenAIConnection, ServerlessConnection]."
    );
    const fromString = await runEmbeddingTool(call({ connection: 'aoai' })).catch((e: Error) => e.message);
    expect(fromString).toContain("Not Support connection type 'str'");
    expect(fake.requests).toHaveLength(0);
  });

  test('missing or unexpected arguments fail as Python calls do', async () => {
    await expect(runEmbeddingTool(call({ inputs: { deployment_name: 'd' } }))).rejects.toThrow(
      "OpenAI API hits exception: TypeError: embedding() missing 1 required positional argument: 'input'"
    );
    await expect(runEmbeddingTool(call({ connection: undefined, inputs: {} }))).rejects.toThrow(
      "embedding() missing 2 required positional arguments: 'connection' and 'input'"
    );
    await expect(runEmbeddingTool(call({ inputs: { input: 'x', temperature: 0 } }))).rejects.toThrow(
      "embedding() got an unexpected keyword argument 'temperature'"
    );
  });

  test('429 is retried with PF backoff (Retry-After honoured); the answer then arrives', async () => {
    let calls = 0;
    fake.setBehavior(() => (++calls === 1 ? fakeErrors.rateLimited('0.5') : calls === 2 ? fakeErrors.rateLimited() : undefined));
    const waits: number[] = [];
    const client = new LlmClient({ sleep: async (ms) => void waits.push(ms / 1000) });
    const result = await runEmbeddingTool(call({ client }));
    expect(fake.requests).toHaveLength(3);
    expect(waits).toEqual([0.5, 4]);
    expect(result.output).toHaveLength(8);
  });

  test('a 400 is a WrappedOpenAIError, not retried', async () => {
    fake.setBehavior(() => fakeErrors.badRequest("This model's maximum context length is 8191 tokens", 'input'));
    const error = await failure(runEmbeddingTool(call({})));
    expect(error.code).toBe('WrappedOpenAIError');
    expect(error.message).toContain("OpenAI API hits BadRequestError: Error code: 400 - {'error': {'message': \"This model's maximum context length");
    expect(fake.requests).toHaveLength(1);
  });
});

describe('cache', () => {
  test('record then replay: the same floats without a call; a changed input misses', async () => {
    const dir = join(work, 'cache');
    const recorded = await runEmbeddingTool(call({ client: new LlmClient({ cache: new LlmCache({ mode: 'record', dir }) }) }));
    expect(fake.requests).toHaveLength(1);
    // Replay needs no key and no server: the connection's endpoint is never called.
    const keyless: Connection = { ...aoai(), configs: { api_base: 'http://127.0.0.1:9' }, secrets: {} };
    const replayer = new LlmClient({ cache: new LlmCache({ mode: 'replay', dir }) });
    const replayed = await runEmbeddingTool(call({ connection: keyless, client: replayer }));
    expect(fake.requests).toHaveLength(1);
    expect(replayed.cached).toBe(true);
    expect(replayed.output.map((x) => pyStr(x))).toEqual(recorded.output.map((x) => pyStr(x)));
    expect(replayed.usage).toEqual(recorded.usage);
    const miss = await failure(runEmbeddingTool(call({ client: replayer, inputs: { input: 'other', deployment_name: 'ada-dep' } })));
    expect(miss.code).toBe('LlmCacheMiss');
  });
});

describe('as a flow node', () => {
  async function writeFlow(name: string, connection: string): Promise<string> {
    const dir = join(work, name);
    await mkdir(dir, { recursive: true });
    await writeFile(
      join(dir, 'flow.dag.yaml'),
      `inputs:
  text:
    type: string
outputs:
  vector:
    type: list
    reference: \${embed.output}
nodes:
- name: embed
  type: python
  source:
    type: package
    tool: promptflow.tools.embedding.embedding
  inputs:
    connection: ${connection}
    deployment_name: ada-dep
    input: \${inputs.text}
`
    );
    await writeFile(join(dir, 'data.jsonl'), '{"text": "hi"}\n');
    await writeFile(
      join(dir, 'connections.yml'),
      `aoai:
  type: azure_open_ai
  api_base: ${fake.azureApiBase}
  api_key: \${env:LLMOPS_TEST_EMBEDDING_KEY_UNSET}
custom:
  type: custom
  configs:
    a: b
  secrets: {}
`
    );
    return dir;
  }

  test('a connection of a type embedding.yaml does not list fails the run before any line', async () => {
    const dir = await writeFlow('custom-conn', 'custom');
    const error = await failure<Error & { code?: string }>(
      runFlow({ flow: dir, data: join(dir, 'data.jsonl'), connectionsFile: join(dir, 'connections.yml'), runsDir: join(dir, 'runs'), log: silentLog })
    );
    expect(error.message).toBe(
      "Input 'connection' for node 'embed' of type 'CustomConnection' is not supported, valid types ['AzureOpenAIConnection', 'OpenAIConnection', 'ServerlessConnection']."
    );
    expect(error.code).toBe('NodeInputValidationError');
  });

  test('replays recorded embeddings with the key unset; output.jsonl keeps Python floats', async () => {
    const dir = await writeFlow('replay', 'aoai');
    const cacheDir = join(dir, 'cache');
    // Record with the key set, then replay with it unset.
    const options = { flow: dir, data: join(dir, 'data.jsonl'), connectionsFile: join(dir, 'connections.yml'), log: silentLog, cacheDir };
    process.env.LLMOPS_TEST_EMBEDDING_KEY_UNSET = 'emb-key-42';
    try {
      const recorded = await runFlow({ ...options, runsDir: join(dir, 'runs1'), cache: 'record' });
      expect(recorded.status).toBe('Completed');
    } finally {
      delete process.env.LLMOPS_TEST_EMBEDDING_KEY_UNSET;
    }
    const replayed = await runFlow({ ...options, runsDir: join(dir, 'runs2'), cache: 'replay' });
    expect(fake.requests).toHaveLength(1);
    const line = await readFile(replayed.outputFile, 'utf8');
    expect(line).toBe(`{"line_number": 0, "vector": [${pyFloats(fakeEmbedding('hi')).join(', ')}]}\n`);
  });

  test('a run.yml connection override on an embedding node switches its connection', async () => {
    const dir = await writeFlow('override', 'custom');
    await writeFile(join(dir, 'more.yml'), `oai:\n  type: open_ai\n  api_key: emb-key-42\n  base_url: ${fake.openaiBaseUrl}\n`);
    const result = await runFlow({
      flow: dir,
      data: join(dir, 'data.jsonl'),
      connectionsFile: [join(dir, 'connections.yml'), join(dir, 'more.yml')],
      connections: { embed: { connection: 'oai' } },
      runsDir: join(dir, 'runs'),
      log: silentLog
    });
    expect(result.linesCompleted).toBe(1);
    expect(fake.requests.map((r) => r.style)).toEqual(['openai']);
  });
});
