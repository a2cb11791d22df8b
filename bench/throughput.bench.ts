/**
 * Bulk-run throughput against the fake OpenAI endpoint with a fixed latency.
 * The limit for C lines at once, k sequential LLM calls per line and latency L
 * is C / (k·L) lines per second; the target is ≥ 90 % of it at C = 32,
 * L = 100 ms, 400 lines.
 *
 *   npx tsx bench/throughput.bench.ts [--lines 400] [--concurrency 32] [--latency 100] [--calls 2]
 */
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLog } from '@llmops/common';
import { runFlow } from '@llmops/flow';
import { spawn } from 'node:child_process';
import { once } from 'node:events';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

const lines = arg('lines', 400);
const concurrency = arg('concurrency', 32);
const latencyMs = arg('latency', 100);
const calls = arg('calls', 2);

/** A flow of `calls` chained chat nodes, each feeding the next. */
function writeFlow(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const nodes: string[] = [];
  for (let i = 0; i < calls; i++) {
    const input = i === 0 ? '${inputs.question}' : `\${step_${i - 1}.output}`;
    nodes.push(
      [
        `- name: step_${i}`,
        '  type: llm',
        '  source: {type: code, path: step.jinja2}',
        `  inputs: {deployment_name: bench, text: "${input}"}`,
        '  connection: bench_aoai',
        '  api: chat'
      ].join('\n')
    );
  }
  writeFileSync(
    join(dir, 'flow.dag.yaml'),
    ['inputs:', '  question: {type: string}', 'outputs:', `  answer: {type: string, reference: "\${step_${calls - 1}.output}"}`, 'nodes:', ...nodes].join('\n')
  );
  writeFileSync(join(dir, 'step.jinja2'), 'system:\nYou answer briefly.\nuser:\n{{text}}\n');
}

/** The endpoint runs in its own process, as a real one would be remote. */
async function startEndpoint(): Promise<{ url: string; close(): Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fake-endpoint.ts'), String(latencyMs), 'bench-key'], {
    stdio: ['pipe', 'pipe', 'inherit']
  });
  let buffered = '';
  for await (const chunk of child.stdout!) {
    buffered += String(chunk);
    if (buffered.includes('\n')) break;
  }
  return {
    url: buffered.trim(),
    close: async () => {
      child.stdin!.end();
      await once(child, 'exit');
    }
  };
}

async function main(): Promise<void> {
  const server = await startEndpoint();
  const work = mkdtempSync(join(tmpdir(), 'llmops-bench-'));
  try {
    writeFlow(join(work, 'flow'));
    writeFileSync(join(work, 'data.jsonl'), Array.from({ length: lines }, (_, i) => JSON.stringify({ question: `q${i}` })).join('\n'));
    writeFileSync(
      join(work, 'connections.yml'),
      `bench_aoai:\n  type: azure_open_ai\n  api_base: ${server.url}\n  api_key: bench-key\n  api_version: 2024-02-01\n`
    );
    const started = performance.now();
    const result = await runFlow({
      flow: join(work, 'flow'),
      data: join(work, 'data.jsonl'),
      connectionsFile: join(work, 'connections.yml'),
      concurrency,
      runsDir: join(work, 'runs'),
      log: silentLog
    });
    const seconds = (performance.now() - started) / 1000;
    const throughput = result.linesCompleted / seconds;
    const limit = concurrency / (calls * (latencyMs / 1000));
    const ratio = throughput / limit;
    console.log(
      `throughput: ${lines} lines, C=${concurrency}, k=${calls}, L=${latencyMs} ms: ` +
        `${throughput.toFixed(1)} lines/s in ${seconds.toFixed(2)} s; limit ${limit.toFixed(1)} lines/s; ratio ${(ratio * 100).toFixed(1)} % (target ≥ 90 %)` +
        (result.linesFailed ? `; ${result.linesFailed} lines FAILED` : '')
    );
    process.exitCode = ratio >= 0.9 && result.linesFailed === 0 ? 0 : 1;
  } finally {
    await server.close();
  }
}

await main();
