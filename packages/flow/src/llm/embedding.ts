/**
 * The Embedding package tool (`promptflow.tools.embedding.embedding`) of
 * Prompt flow 1.18, natively: `client.embeddings.create(input=..., model=...)`
 * through the LlmClient (PF's retry policy, the LLM cache), returning
 * `response.data[0].embedding` as a list of Python floats.
 *
 * The openai SDK PF runs with asks for `encoding_format: "base64"` whenever the
 * caller gives none and decodes the answer as little-endian float32
 * (`np.frombuffer(..., dtype="float32").tolist()`), so that is the body sent
 * here, the raw answer is what the cache stores, and the floats are float32
 * values widened to double, exactly as PF writes them.
 */
import type { Connection } from '../connections/model.js';
import { isPlainObject, isPyFloat, pyFloat, type PyFloat } from '../py/pyvalue.js';
import type { LlmClient } from './client.js';
import { LlmToolError } from './errors.js';
import { toWire, usageOf } from './request.js';
import { endpointOf, TELEMETRY_HEADERS } from './tools.js';

export const EMBEDDING_TOOL = 'promptflow.tools.embedding.embedding';

/** The connection classes `embedding.yaml` accepts for `connection`. */
export const EMBEDDING_CONNECTION_TYPES: readonly string[] = ['AzureOpenAIConnection', 'OpenAIConnection', 'ServerlessConnection'];

/** PF's `EmbeddingModel.TEXT_EMBEDDING_ADA_002`, the default of `model`. */
export const DEFAULT_EMBEDDING_MODEL = 'text-embedding-ada-002';

export interface EmbeddingToolParam {
  name: string;
  type: 'connection' | 'string';
  hasDefault: boolean;
  default?: string;
}

/** `embedding(connection, input, deployment_name="", model=EmbeddingModel.TEXT_EMBEDDING_ADA_002)`. */
export const EMBEDDING_TOOL_PARAMS: readonly EmbeddingToolParam[] = [
  { name: 'connection', type: 'connection', hasDefault: false },
  { name: 'input', type: 'string', hasDefault: false },
  { name: 'deployment_name', type: 'string', hasDefault: true, default: '' },
  { name: 'model', type: 'string', hasDefault: true, default: DEFAULT_EMBEDDING_MODEL }
];

export interface EmbeddingToolCall {
  nodeName: string;
  /** The resolved connection, or whatever the `connection` input held when it was not a connection. */
  connection: Connection | unknown;
  /** The node's inputs as PF passes them as keyword arguments (without `connection`). */
  inputs: Record<string, unknown>;
  client: LlmClient;
  signal?: AbortSignal;
}

export interface EmbeddingToolResult {
  /** The embedding: Python floats (integral ones boxed as PyFloat). */
  output: Array<number | PyFloat>;
  usage: { promptTokens: number; completionTokens: number; totalTokens: number };
  cached: boolean;
}

function isConnection(value: unknown): value is Connection {
  return isPlainObject(value) && typeof value.className === 'string' && isPlainObject(value.configs) && isPlainObject(value.secrets);
}

function pyTypeName(value: unknown): string {
  if (value === null || value === undefined) return 'NoneType';
  if (typeof value === 'string') return 'str';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'bigint' || (typeof value === 'number' && Number.isInteger(value))) return 'int';
  if (typeof value === 'number' || isPyFloat(value)) return 'float';
  return Array.isArray(value) ? 'list' : 'dict';
}

/** What `handle_openai_error` makes of any other exception. */
function llmError(nodeName: string, type: string, message: string): LlmToolError {
  return new LlmToolError('LLMError', `OpenAI API hits exception: ${type}: ${message}`, { field: `nodes.${nodeName}.inputs` });
}

/** Python's own TypeError when the call does not fit the signature. */
function checkSignature(call: EmbeddingToolCall, kwargs: Record<string, unknown>): void {
  const names = new Set(EMBEDDING_TOOL_PARAMS.map((p) => p.name));
  const unexpected = Object.keys(kwargs).find((name) => !names.has(name));
  if (unexpected) throw llmError(call.nodeName, 'TypeError', `embedding() got an unexpected keyword argument '${unexpected}'`);
  const missing = EMBEDDING_TOOL_PARAMS.filter((p) => !p.hasDefault && kwargs[p.name] === undefined).map((p) => `'${p.name}'`);
  if (missing.length) {
    const list = missing.length === 1 ? missing[0] : `${missing.slice(0, -1).join(', ')} and ${missing.at(-1)}`;
    throw llmError(call.nodeName, 'TypeError', `embedding() missing ${missing.length} required positional argument${missing.length > 1 ? 's' : ''}: ${list}`);
  }
}

/** A keyword argument, or the signature's default when it was not passed (None stays None). */
function argOrDefault(kwargs: Record<string, unknown>, name: string): unknown {
  const value = kwargs[name];
  return value === undefined ? EMBEDDING_TOOL_PARAMS.find((p) => p.name === name)?.default : value;
}

/** The request body as openai-python sends it: input, model, encoding_format (user and dimensions are never given). */
export function buildEmbeddingBody(input: unknown, model: unknown): Record<string, unknown> {
  return { input: toWire(input), model: toWire(model), encoding_format: 'base64' };
}

/** Little-endian float32s, as numpy's frombuffer reads them. */
function decodeFloat32(base64: string, nodeName: string): number[] {
  const bytes = Buffer.from(base64, 'base64');
  if (bytes.length % 4 !== 0) throw llmError(nodeName, 'ValueError', 'buffer size must be a multiple of element size');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Array.from({ length: bytes.length / 4 }, (_, i) => view.getFloat32(i * 4, true));
}

/** `response.data[0].embedding`, decoded when the server answered in base64. */
export function embeddingOutput(json: unknown, nodeName = 'embedding'): Array<number | PyFloat> {
  const data = (json as { data?: unknown } | null | undefined)?.data;
  if (!Array.isArray(data) || data.length === 0) throw llmError(nodeName, 'ValueError', 'No embedding data received');
  const embedding = (data[0] as { embedding?: unknown } | null | undefined)?.embedding;
  if (typeof embedding === 'string') return decodeFloat32(embedding, nodeName).map(pyFloat);
  if (Array.isArray(embedding)) return embedding.map((x) => pyFloat(Number(x)));
  throw llmError(nodeName, 'TypeError', `the embedding in the response is not a list or a base64 string: ${JSON.stringify(embedding)?.slice(0, 100)}`);
}

export async function runEmbeddingTool(call: EmbeddingToolCall): Promise<EmbeddingToolResult> {
  const kwargs: Record<string, unknown> = { connection: call.connection, ...call.inputs };
  checkSignature(call, kwargs);
  const connection = call.connection;
  const className = isConnection(connection) ? connection.className : undefined;
  let body: Record<string, unknown>;
  const headers: Record<string, string> = { ...TELEMETRY_HEADERS };
  if (className === 'AzureOpenAIConnection') {
    body = buildEmbeddingBody(kwargs.input, argOrDefault(kwargs, 'deployment_name'));
    headers['ms-azure-ai-promptflow-called-from'] = 'aoai-tool';
  } else if (className === 'OpenAIConnection' || className === 'ServerlessConnection') {
    body = buildEmbeddingBody(kwargs.input, argOrDefault(kwargs, 'model'));
  } else {
    const typeName = className ?? pyTypeName(connection);
    throw new LlmToolError(
      'InvalidConnectionType',
      `Not Support connection type '${typeName}' for embedding api. Connection type should be in [AzureOpenAIConnection, OpenAIConnection, ServerlessConnection].`,
      { field: `nodes.${call.nodeName}.inputs.connection` }
    );
  }
  const endpoint = endpointOf(connection as Connection, call.nodeName);
  const answer = await call.client.request({ nodeName: call.nodeName, endpoint, api: 'embedding', body, headers, signal: call.signal });
  if (!('json' in answer.response)) throw llmError(call.nodeName, 'TypeError', 'the embeddings answer was a stream');
  const json = answer.response.json;
  return { output: embeddingOutput(json, call.nodeName), usage: usageOf(json), cached: answer.cached };
}
