import { createDefaultHttpClient, createHttpHeaders, createPipelineFromOptions, createPipelineRequest, type TlsSettings } from '@azure/core-rest-pipeline';
import type { SmokeExpectation } from './settings.js';

export interface SmokeTestRequest {
  scoringUri: string;
  key: string;
  deployment: string;
  body: Record<string, unknown>;
  expect: SmokeExpectation;
  tlsOptions?: TlsSettings;
  /** Per-attempt timeout, default 300 s (the longest request a flow deployment allows). */
  timeoutMs?: number;
  /** Attempts for transient platform answers (429, 502, 503, 504, network), default 3. */
  attempts?: number;
  retryDelayMs?: number;
}

export interface SmokeTestResult {
  passed: boolean;
  status: number;
  /** Why it failed, in one line. */
  problems: string[];
  /** The reply's text, cut to `REPLY_LIMIT` characters. */
  reply: string;
  durationMs: number;
  /** `ms-azureml-model-error-*` headers of a 424 (the container's own status and reason). */
  modelError?: { statusCode?: string; reason?: string };
}

export const REPLY_LIMIT = 4000;
const TRANSIENT = new Set([429, 502, 503, 504]);

/**
 * POST the flow inputs to the scoring URI, pinned to one deployment with the
 * `azureml-model-deployment` header (which reaches it even at 0 % traffic), and check the
 * reply against the expectation.
 */
export async function runSmokeTest(request: SmokeTestRequest): Promise<SmokeTestResult> {
  const pipeline = createPipelineFromOptions({ retryOptions: { maxRetries: 0 }, ...(request.tlsOptions ? { tlsOptions: request.tlsOptions } : {}) });
  const client = createDefaultHttpClient();
  const attempts = request.attempts ?? 3;
  const started = Date.now();
  for (let attempt = 1; ; attempt += 1) {
    let status = 0;
    let text = '';
    let headers: Record<string, string> = {};
    try {
      const response = await pipeline.sendRequest(client, createPipelineRequest({
        url: request.scoringUri,
        method: 'POST',
        timeout: request.timeoutMs ?? 300_000,
        headers: createHttpHeaders({
          authorization: `Bearer ${request.key}`,
          'content-type': 'application/json',
          accept: 'application/json',
          'azureml-model-deployment': request.deployment
        }),
        body: JSON.stringify(request.body)
      }));
      status = response.status;
      text = response.bodyAsText ?? '';
      headers = response.headers.toJSON();
    } catch (error) {
      // Transport failures carry no secret (the key travels only in a header).
      text = error instanceof Error ? error.message.split('\n')[0]! : String(error);
    }
    if ((status === 0 || TRANSIENT.has(status)) && attempt < attempts) {
      await new Promise((r) => setTimeout(r, (request.retryDelayMs ?? 10_000) * attempt));
      continue;
    }
    const problems = status === 0 ? [`the request failed: ${text}`] : checkReply(status, text, request.expect);
    const modelError = headers['ms-azureml-model-error-statuscode'] || headers['ms-azureml-model-error-reason']
      ? { statusCode: headers['ms-azureml-model-error-statuscode'], reason: headers['ms-azureml-model-error-reason'] }
      : undefined;
    return { passed: problems.length === 0, status, problems, reply: cut(text), durationMs: Date.now() - started, modelError };
  }
}

/** Every way the reply misses the expectation (empty when it meets it). */
export function checkReply(status: number, text: string, expect: SmokeExpectation): string[] {
  const problems: string[] = [];
  if (status !== expect.status) {
    problems.push(`expected HTTP ${expect.status}, got ${status}${describeStatus(status)}`);
    return problems;
  }
  if (expect.keys.length === 0 && Object.keys(expect.values).length === 0) return problems;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return [`the reply is not JSON: ${cut(text, 200)}`];
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return [`the reply is not a JSON object of flow outputs: ${cut(text, 200)}`];
  const record = body as Record<string, unknown>;
  const missing = expect.keys.filter((k) => !(k in record));
  if (missing.length) problems.push(`the reply has no ${missing.map((k) => `'${k}'`).join(', ')} (it has ${Object.keys(record).map((k) => `'${k}'`).join(', ') || 'no keys'})`);
  for (const [key, expected] of Object.entries(expect.values)) {
    if (!(key in record)) {
      if (!missing.includes(key)) problems.push(`the reply has no '${key}'`);
      continue;
    }
    if (!matches(record[key], expected)) problems.push(`'${key}' is ${cut(JSON.stringify(record[key]), 200)}, expected ${cut(JSON.stringify(expected), 200)}`);
  }
  return problems;
}

/** JSON equality; a string expectation also matches a scalar whose text is that string. */
function matches(actual: unknown, expected: unknown): boolean {
  if (typeof expected === 'string' && actual !== null && typeof actual !== 'object') return String(actual) === expected;
  return canonical(actual) === canonical(expected);
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`;
  return JSON.stringify(value);
}

/** What the platform's codes mean (azureml-apis §2.5). */
function describeStatus(status: number): string {
  const meaning: Record<number, string> = {
    401: 'the endpoint key was refused',
    404: 'no such deployment behind the endpoint',
    408: 'the flow took longer than the request timeout',
    424: 'the flow server in the container answered with an error',
    429: 'too many requests',
    500: 'Azure ML platform error',
    502: 'the container did not answer',
    503: 'the deployment is not ready'
  };
  return meaning[status] ? ` (${meaning[status]})` : '';
}

function cut(text: string, limit = REPLY_LIMIT): string {
  return text.length > limit ? `${text.slice(0, limit)}… (${text.length - limit} more characters)` : text;
}
