import { parse as parseYaml } from 'yaml';
import { UserError } from '@llmops/common';

/**
 * `traffic`: the new deployment's share after each stage, e.g. `100` or `10,50,100`.
 * Stages rise strictly and end at 100, so the rollout always finishes on the new deployment.
 */
export function parseTrafficStages(text: string | undefined): number[] {
  const trimmed = text?.trim();
  if (!trimmed) return [100];
  const parts = trimmed.split(/[\s,]+/).filter(Boolean).map((p) => p.replace(/%$/, ''));
  const stages = parts.map((p) => (/^\d+$/.test(p) ? Number(p) : Number.NaN));
  const bad = (why: string) => new UserError(`\`traffic\` '${trimmed}' ${why}; use 100, or rising percentages ending at 100 such as 10,50,100`, { field: 'traffic', code: 'InvalidInput' });
  if (stages.some((s) => !Number.isInteger(s) || s < 1 || s > 100)) throw bad('must list whole percentages between 1 and 100');
  if (stages.some((s, i) => i > 0 && s <= stages[i - 1]!)) throw bad('must rise from stage to stage');
  if (stages.at(-1) !== 100) throw bad('must end at 100');
  return stages;
}

/** `request-timeout` seconds as the ISO-8601 duration Azure expects (`PT90S`). */
export function requestTimeoutIso(seconds: number | undefined): string | undefined {
  if (seconds === undefined) return undefined;
  // 300 s is the ceiling for Prompt flow deployments (180 s for other models).
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > 300) {
    throw new UserError(`\`request-timeout\` must be a whole number of seconds between 1 and 300, got ${seconds}`, { field: 'request-timeout', code: 'InvalidInput' });
  }
  return `PT${seconds}S`;
}

/** What a smoke-test reply must look like. */
export interface SmokeExpectation {
  /** HTTP status, default 200. */
  status: number;
  /** Keys the JSON reply must have (flow outputs). */
  keys: string[];
  /** Values the reply must hold: compared as JSON, a string also matches the value's text. */
  values: Record<string, unknown>;
}

export const DEFAULT_EXPECTATION: SmokeExpectation = { status: 200, keys: [], values: {} };

/**
 * `smoke-test-expect`: YAML or JSON, `{status: 200, keys: [answer], values: {category: billing}}`.
 * A bare list is the keys; a bare number is the status.
 */
export function parseSmokeExpectation(text: string | undefined): SmokeExpectation {
  const trimmed = text?.trim();
  if (!trimmed) return { ...DEFAULT_EXPECTATION };
  const field = 'smoke-test-expect';
  let parsed: unknown;
  try {
    parsed = parseYaml(trimmed);
  } catch (error) {
    throw new UserError(`\`${field}\` is not valid YAML/JSON: ${(error as Error).message.split('\n')[0]}`, { field, code: 'InvalidInput' });
  }
  if (typeof parsed === 'number') parsed = { status: parsed };
  if (Array.isArray(parsed)) parsed = { keys: parsed };
  if (parsed === null || typeof parsed !== 'object') throw new UserError(`\`${field}\` must be a mapping such as {status: 200, keys: [answer], values: {category: billing}}`, { field, code: 'InvalidInput' });
  const record = parsed as Record<string, unknown>;
  const unknown = Object.keys(record).filter((k) => !['status', 'keys', 'values'].includes(k));
  if (unknown.length) throw new UserError(`\`${field}\` has unknown key(s) ${unknown.join(', ')}; allowed: status, keys, values`, { field, code: 'InvalidInput' });
  const status = record.status ?? 200;
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599) throw new UserError(`\`${field}\`: status must be an HTTP status code such as 200`, { field, code: 'InvalidInput' });
  const keys = record.keys ?? [];
  if (!Array.isArray(keys) || keys.some((k) => typeof k !== 'string' && typeof k !== 'number')) throw new UserError(`\`${field}\`: keys must be a list of output names`, { field, code: 'InvalidInput' });
  const values = record.values ?? {};
  if (values === null || typeof values !== 'object' || Array.isArray(values)) throw new UserError(`\`${field}\`: values must be a mapping of output name to expected value`, { field, code: 'InvalidInput' });
  return { status, keys: keys.map(String), values: values as Record<string, unknown> };
}

/** The smoke-test request body: a JSON object of flow inputs. */
export function parseSmokeRequest(text: string, file: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UserError(`The smoke-test request is not valid JSON: ${(error as Error).message.split('\n')[0]}`, { file, field: 'smoke-test-request', code: 'InvalidInput' });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new UserError('The smoke-test request must be a JSON object of flow inputs, such as {"question": "..."}', { file, field: 'smoke-test-request', code: 'InvalidInput' });
  }
  return parsed as Record<string, unknown>;
}

/** Environment variable names a deployment accepts (what a container's env can hold). */
export function validateEnvironmentVariables(vars: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(vars ?? {})) {
    if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(name)) throw new UserError(`\`environment-variables\`: '${name}' is not a valid variable name`, { field: 'environment-variables', code: 'InvalidInput' });
    out[name] = String(value);
  }
  return out;
}
