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
import { request } from 'node:http';
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
  const child = spawn(process.execPath, [join(import.meta.dirname, 'fake-endpoint.mjs'), String(latencyMs), 'bench-key'], {
    stdio: ['pipe', 'pipe', 'inherit']
  });
  let buffered = '';
  for await (const chunk of child.stdout!) {
    buffered += String(chunk);
    if (buffered.includes('\n')) break;
  }
  const url = buffered.trim();
  // A real endpoint is warm; the stand-in's first replies pay for its own JIT warm-up.
  for (let i = 0; i < 3; i++) {
    await Promise.all(
      Array.from({ length: concurrency }, () =>
        fetch(`${url}/openai/deployments/warmup/chat/completions?api-version=2024-02-01`, {
          method: 'POST',
          headers: { 'api-key': 'bench-key', 'content-type': 'application/json' },
          body: JSON.stringify({ messages: [{ role: 'user', content: 'warm up' }] })
        }).then((r) => r.text())
      )
    );
  }
  return {
    url,
    close: async () => {
      child.stdin!.end();
      await once(child, 'exit');
    }
  };
}

/**
 * The same traffic (C workers, k sequential calls per line, all lines) from a bare
 * keep-alive HTTP client: what this machine and the stand-in endpoint allow before
 * any executor work. On a small machine the endpoint process shares the cores.
 */
async function harnessCeiling(url: string): Promise<number> {
  const agent = new (await import('node:http')).Agent({ keepAlive: true });
  const body = JSON.stringify({ messages: [{ role: 'user', content: 'q' }] });
  const call = () =>
    new Promise<void>((resolve, reject) => {
      const req = request(`${url}/openai/deployments/bench/chat/completions?api-version=2024-02-01`, {
        method: 'POST',
        agent,
        headers: { 'api-key': 'bench-key', 'content-type': 'application/json' }
      }, (res) => {
        res.resume();
        res.on('end', () => resolve());
      });
      req.on('error', reject);
      req.end(body);
    });
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < lines) {
        next++;
        for (let i = 0; i < calls; i++) await call();
      }
    })
  );
  agent.destroy();
  return lines / ((performance.now() - started) / 1000);
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
    const ceiling = await harnessCeiling(server.url);
    console.log(
      `throughput: ${lines} lines, C=${concurrency}, k=${calls}, L=${latencyMs} ms: ` +
        `${throughput.toFixed(1)} lines/s in ${seconds.toFixed(2)} s; limit ${limit.toFixed(1)} lines/s; ratio ${(ratio * 100).toFixed(1)} % (target ≥ 90 %)` +
        (result.linesFailed ? `; ${result.linesFailed} lines FAILED` : '')
    );
    console.log(
      `  harness ceiling (bare HTTP client, same traffic): ${ceiling.toFixed(1)} lines/s, ratio ${((ceiling / limit) * 100).toFixed(1)} %; ` +
        `executor at ${((throughput / ceiling) * 100).toFixed(1)} % of it`
    );
    process.exitCode = ratio >= 0.9 && result.linesFailed === 0 ? 0 : 1;
  } finally {
    await server.close();
  }
}

await main();
