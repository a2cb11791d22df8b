/**
 * Record/replay of LLM calls, so evaluations can run in CI without a model
 * and a prompt change shows up as a cache miss. One pretty-printed JSON file
 * per call, `<dir>/<first 2 hex>/<key>.json`, readable in a PR diff. The key
 * is the sha256 of the whole request in canonical JSON (endpoint kind,
 * deployment or model, api, every body field), never the api key. The
 * resource URL and api-version are stored for review but left out of the key,
 * so recordings made against one resource replay against another (a fork, a
 * dev resource, CI) as long as the deployment and the request are the same.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { UserError } from '@llmops/common';

export type LlmCacheMode = 'off' | 'auto' | 'replay' | 'record';
export const LLM_CACHE_MODES: readonly LlmCacheMode[] = ['off', 'auto', 'replay', 'record'];
export const DEFAULT_LLM_CACHE_DIR = '.llmops/cache';

/** What identifies a call: everything that can change the model's answer. */
export interface LlmCacheRequest {
  endpoint: 'azure' | 'openai';
  /** api_base (Azure) or base_url (OpenAI; null for the default). */
  base: string | null;
  /** Azure only. */
  apiVersion?: string;
  /** The deployment (Azure) or model (OpenAI). */
  model: string;
  api: 'chat' | 'completion' | 'embedding';
  body: Record<string, unknown>;
}

/** A stored response: the raw completion JSON, or the chunks of a streamed one. */
export type LlmCachedResponse = { json: unknown } | { chunks: unknown[] };

export interface LlmCacheEntry {
  key: string;
  request: Record<string, unknown>;
  response: LlmCachedResponse;
  recordedAt: string;
}

/** JSON with object keys sorted at every level: the same request always hashes the same. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(JSON.parse(JSON.stringify(value, bigintAsNumber)) as unknown));
}

function bigintAsNumber(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? Number(value) : value;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) sorted[key] = sortKeys((value as Record<string, unknown>)[key]);
    return sorted;
  }
  return value;
}

/** The request as stored and hashed: snake_case keys as in Prompt flow's connection fields. */
export function cacheRequestRecord(request: LlmCacheRequest): Record<string, unknown> {
  const record: Record<string, unknown> = { endpoint: request.endpoint };
  if (request.endpoint === 'azure') {
    record.api_base = request.base;
    record.api_version = request.apiVersion ?? null;
    record.deployment = request.model;
  } else {
    record.base_url = request.base;
    record.model = request.model;
  }
  record.api = request.api;
  record.body = request.body;
  return sortKeys(JSON.parse(JSON.stringify(record, bigintAsNumber))) as Record<string, unknown>;
}

export function cacheKey(request: LlmCacheRequest): string {
  const { api_base: _apiBase, base_url: _baseUrl, api_version: _apiVersion, ...identity } = cacheRequestRecord(request);
  return createHash('sha256').update(canonicalJson(identity)).digest('hex');
}

export function parseLlmCacheMode(value: string | undefined, where: { file?: string; field?: string } = {}): LlmCacheMode {
  const mode = (value ?? '').trim().toLowerCase() || 'off';
  if ((LLM_CACHE_MODES as readonly string[]).includes(mode)) return mode as LlmCacheMode;
  throw new UserError(`Unknown LLM cache mode '${value}'. Use one of: ${LLM_CACHE_MODES.join(', ')}.`, {
    ...where,
    code: 'InvalidCacheMode'
  });
}

export class LlmCache {
  readonly mode: LlmCacheMode;
  readonly dir: string;

  constructor(options: { mode?: LlmCacheMode; dir?: string } = {}) {
    this.mode = options.mode ?? 'off';
    this.dir = options.dir ?? DEFAULT_LLM_CACHE_DIR;
  }

  /** Whether a stored answer may be used instead of calling. */
  get reads(): boolean {
    return this.mode === 'auto' || this.mode === 'replay';
  }

  /** Whether answers from the model are stored. */
  get writes(): boolean {
    return this.mode === 'auto' || this.mode === 'record';
  }

  pathOf(key: string): string {
    return join(this.dir, key.slice(0, 2), `${key}.json`);
  }

  async get(key: string): Promise<LlmCacheEntry | undefined> {
    let text: string;
    try {
      text = await readFile(this.pathOf(key), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    try {
      const entry = JSON.parse(text) as LlmCacheEntry;
      if (!entry || typeof entry !== 'object' || !entry.response) throw new Error('no response');
      return entry;
    } catch (error) {
      throw new UserError(`The LLM cache entry ${this.pathOf(key)} is not valid JSON (${(error as Error).message}). Delete it and record again.`, {
        file: this.pathOf(key),
        code: 'InvalidCacheEntry'
      });
    }
  }

  /** Store atomically: concurrent writers of the same key each rename a complete file. */
  async put(key: string, request: LlmCacheRequest, response: LlmCachedResponse): Promise<string> {
    const path = this.pathOf(key);
    const entry: LlmCacheEntry = { key, request: cacheRequestRecord(request), response, recordedAt: new Date().toISOString() };
    await mkdir(dirname(path), { recursive: true });
    const temp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await writeFile(temp, `${JSON.stringify(entry, bigintAsNumber, 2)}\n`, 'utf8');
      await rename(temp, path);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
    return path;
  }
}
