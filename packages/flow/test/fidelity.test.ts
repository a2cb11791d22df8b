/**
 * The fidelity suite: flows written for the tests, each with the output
 * Prompt flow 1.18 produces for it, asserted byte for byte.
 *
 * One folder per case under `test/fidelity/<case>/`:
 *   flow/             flow.dag.yaml and its tools / templates
 *   data.*            data.jsonl | data.json | data.csv | data.tsv | data/ (a folder)
 *   case.yml          optional knobs (see CaseSpec), and a comment naming the PF rule and source file
 *   expected/output.jsonl   flow_outputs/output.jsonl, byte-exact (completed lines only, sorted)
 *   expected/metrics.json   metrics.json, byte-exact (when present)
 *   expected/failed.json    [{line_number, message, codes}] of every failed line (absent: no line fails)
 *   expected/requests.json  the LLM request bodies the fake server received (order-insensitive)
 *
 * Every run uses the same connections file (below) and one fake OpenAI server.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { silentLog } from '@llmops/common';
import { parsePyJson, runFlow, type RunFlowOptions, type RunFlowResult } from '@llmops/flow';
import { startFakeOpenAI, type FakeBehavior, type FakeOpenAI, type RecordedRequest } from './support/fake-openai.js';

const CASES_DIR = fileURLToPath(new URL('./fidelity/', import.meta.url));

interface CaseSpec {
  /** Data file or folder name inside the case (default: the first data.* found). */
  data?: string;
  column_mapping?: Record<string, unknown>;
  variant?: string;
  /** Per-node overrides as in run.yml. */
  connections?: Record<string, Record<string, unknown>>;
  /** Another case run first; this case gets it as `run` (for `${run.outputs.x}` / `${run.inputs.x}`). */
  base?: string;
  env?: Record<string, string>;
  concurrency?: number;
  line_timeout?: number;
  /** Fake LLM answers: a fixed content, tool calls, or `messages` (the content is the JSON of the request's messages). */
  llm?: { content?: string | null; tool_calls?: Array<{ id: string; name: string; arguments: string }>; reply?: 'messages' };
  /** The whole run must fail with a UserError whose message holds each `contains` string (paths are scratch folders). */
  run_error?: { contains: string[]; code?: string };
  /** An aggregation node must fail (the run still completes) with this message in error.json. */
  aggregation_error?: { node: string; message: string };
  /** Run record expectations. */
  run_json?: { name_prefix?: string; node_variant?: string };
}

const CONNECTIONS_YAML = (fake: FakeOpenAI) => `
azure_open_ai_connection:
  type: azure_open_ai
  api_base: ${fake.azureApiBase}
  api_key: test-key
  api_version: 2024-02-01
open_ai_connection:
  type: open_ai
  api_key: test-key
  base_url: ${fake.openaiBaseUrl}
custom_connection:
  type: custom
  configs:
    endpoint: https://example.invalid/api
    retries: "3"
  secrets:
    token: s3cr3t-token
`;

const DATA_NAMES = ['data.jsonl', 'data.json', 'data.csv', 'data.tsv', 'data'];

function listCases(): string[] {
  return readdirSync(CASES_DIR)
    .filter((name) => statSync(join(CASES_DIR, name)).isDirectory() && existsSync(join(CASES_DIR, name, 'flow')))
    .sort();
}

function readSpec(caseName: string): CaseSpec {
  const file = join(CASES_DIR, caseName, 'case.yml');
  return existsSync(file) ? ((parseYaml(readFileSync(file, 'utf8')) as CaseSpec | null) ?? {}) : {};
}

function readExpected(caseName: string, file: string): string | undefined {
  const path = join(CASES_DIR, caseName, 'expected', file);
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}

function behaviorFor(spec: CaseSpec): ((r: RecordedRequest) => FakeBehavior) | undefined {
  const llm = spec.llm;
  if (!llm) return undefined;
  return (request) => {
    if (llm.reply === 'messages') return { content: JSON.stringify(request.body.messages ?? request.body.prompt) };
    if (llm.tool_calls) return { toolCalls: llm.tool_calls, content: llm.content ?? null };
    return { content: llm.content };
  };
}

/** The failed lines as recorded in flow_artifacts: message and PF's code chain, outermost first. */
function failedLines(runDir: string): Array<{ line_number: number; message: string; codes: string[] }> {
  const dir = join(runDir, 'flow_artifacts');
  const failed: Array<{ line_number: number; message: string; codes: string[] }> = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.jsonl')).sort()) {
    for (const line of readFileSync(join(dir, file), 'utf8').split('\n').filter(Boolean)) {
      const record = parsePyJson(line) as { line_number: number; run_info: { status: string; error?: ErrorDict } };
      if (record.run_info.status !== 'Failed') continue;
      failed.push({ line_number: record.line_number, message: record.run_info.error!.message, codes: codeChain(record.run_info.error!) });
    }
  }
  return failed.sort((a, b) => a.line_number - b.line_number);
}

interface ErrorDict {
  message: string;
  code: string;
  innerError?: { code: string; innerError: unknown } | null;
}

function codeChain(error: ErrorDict): string[] {
  const codes = [error.code];
  let inner = error.innerError as { code: string; innerError: unknown } | null | undefined;
  while (inner) {
    codes.push(inner.code);
    inner = inner.innerError as typeof inner;
  }
  return codes;
}

/** Recorded requests, reduced to what PF decides: route, deployment and body. */
function requestView(r: RecordedRequest): Record<string, unknown> {
  return { path: r.path, ...(r.query['api-version'] ? { api_version: r.query['api-version'] } : {}), body: r.body };
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v
  );
}

describe('fidelity: Prompt flow 1.18 outputs', () => {
  let fake: FakeOpenAI;
  let work: string;
  let connectionsFile: string;
  const baseRuns = new Map<string, RunFlowResult>();

  beforeAll(async () => {
    fake = await startFakeOpenAI();
    work = mkdtempSync(join(tmpdir(), 'llmops-fidelity-'));
    connectionsFile = join(work, 'connections.yml');
    writeFileSync(connectionsFile, CONNECTIONS_YAML(fake));
  });
  afterAll(async () => {
    await fake?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /** Copy the case's flow and data to a scratch folder (tools never write into the fixtures) and run it. */
  async function runCase(caseName: string, spec: CaseSpec, runsDir: string): Promise<RunFlowResult> {
    const caseDir = join(CASES_DIR, caseName);
    const scratch = join(work, caseName);
    if (!existsSync(scratch)) {
      cpSync(join(caseDir, 'flow'), join(scratch, caseName.replace(/-/g, '_')), { recursive: true });
      for (const name of DATA_NAMES) if (existsSync(join(caseDir, name))) cpSync(join(caseDir, name), join(scratch, name), { recursive: true });
    }
    const data = spec.data ?? DATA_NAMES.find((name) => existsSync(join(caseDir, name)));
    let run: string | undefined;
    if (spec.base) {
      let base = baseRuns.get(spec.base);
      if (!base) {
        base = await runCase(spec.base, readSpec(spec.base), runsDir);
        baseRuns.set(spec.base, base);
      }
      run = base.runDir;
    }
    const options: RunFlowOptions = {
      flow: join(scratch, caseName.replace(/-/g, '_')),
      data: data === undefined ? undefined : join(scratch, data),
      columnMapping: spec.column_mapping,
      run,
      variant: spec.variant,
      connections: spec.connections,
      connectionsFile,
      environmentVariables: { PYTHONDONTWRITEBYTECODE: '1', ...(spec.env ?? {}) },
      concurrency: spec.concurrency ?? 1, // one python worker per case keeps the suite fast (a worker costs ~0.3 s to start)
      lineTimeoutSec: spec.line_timeout,
      runsDir,
      log: silentLog
    };
    fake.setBehavior(behaviorFor(spec));
    return runFlow(options);
  }

  const cases = listCases();
  test('has at least 40 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
  });

  test.each(cases)('%s', async (caseName) => {
    const spec = readSpec(caseName);
    const runsDir = join(work, 'runs', caseName);
    const firstRequest = fake.requests.length;

    if (spec.run_error) {
      const error = await runCase(caseName, spec, runsDir).then(
        () => undefined,
        (e: unknown) => e as Error & { code?: string }
      );
      expect(error?.name).toBe('UserError');
      for (const part of spec.run_error.contains) expect(error?.message).toContain(part);
      if (spec.run_error.code) expect(error?.code).toBe(spec.run_error.code);
      return;
    }

    const result = await runCase(caseName, spec, runsDir);
    const requests = fake.requests.slice(firstRequest);
    expect(result.status).toBe('Completed');

    const output = readFileSync(result.outputFile, 'utf8');
    expect(output).toBe(readExpected(caseName, 'output.jsonl') ?? '');

    const metrics = readExpected(caseName, 'metrics.json');
    if (metrics !== undefined) expect(readFileSync(join(result.runDir, 'metrics.json'), 'utf8')).toBe(metrics.trimEnd());

    const failed = readExpected(caseName, 'failed.json');
    expect(failedLines(result.runDir)).toEqual(failed === undefined ? [] : JSON.parse(failed));

    const expectedRequests = readExpected(caseName, 'requests.json');
    if (expectedRequests !== undefined) {
      const sort = (list: unknown[]) => list.map(canonical).sort();
      expect(sort(requests.map(requestView))).toEqual(sort(JSON.parse(expectedRequests) as unknown[]));
    }

    if (spec.aggregation_error) {
      const error = JSON.parse(readFileSync(join(result.runDir, 'error.json'), 'utf8')) as {
        additionalInfo: Array<{ info: { errors: Array<{ aggregation_node_name?: string; error: { message: string } }> } }>;
      };
      const errors = error.additionalInfo[0]!.info.errors.filter((e) => e.aggregation_node_name !== undefined);
      expect(errors.map((e) => ({ node: e.aggregation_node_name, message: e.error.message }))).toEqual([spec.aggregation_error]);
      expect(result.aggregationError?.node).toBe(spec.aggregation_error.node);
    }

    if (spec.run_json) {
      const record = JSON.parse(readFileSync(join(result.runDir, 'run.json'), 'utf8')) as { name: string; properties: Record<string, unknown> };
      if (spec.run_json.name_prefix) expect(record.name).toMatch(new RegExp(`^${spec.run_json.name_prefix}\\d{8}_\\d{6}_\\d{6}$`));
      if (spec.run_json.node_variant) expect(record.properties.node_variant).toBe(spec.run_json.node_variant);
    }
  });
});
