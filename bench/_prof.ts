import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLog } from '@llmops/common';
import { runFlow } from '@llmops/flow';
const child = spawn(process.execPath, ['bench/fake-endpoint.mjs', '100', 'k'], { stdio: ['pipe', 'pipe', 'inherit'] });
let url = '';
for await (const c of child.stdout!) { url += String(c); if (url.includes('\n')) break; }
url = url.trim();
const work = mkdtempSync(join(tmpdir(), 'b-'));
mkdirSync(join(work,'flow'));
writeFileSync(join(work,'flow','flow.dag.yaml'), `inputs:\n  question: {type: string}\noutputs:\n  answer: {type: string, reference: "\${step_1.output}"}\nnodes:\n- name: step_0\n  type: llm\n  source: {type: code, path: step.jinja2}\n  inputs: {deployment_name: bench, text: "\${inputs.question}"}\n  connection: bench_aoai\n  api: chat\n- name: step_1\n  type: llm\n  source: {type: code, path: step.jinja2}\n  inputs: {deployment_name: bench, text: "\${step_0.output}"}\n  connection: bench_aoai\n  api: chat\n`);
writeFileSync(join(work,'flow','step.jinja2'), 'system:\nYou answer briefly.\nuser:\n{{text}}\n');
writeFileSync(join(work,'data.jsonl'), Array.from({length: 400}, (_, i) => JSON.stringify({question: `q${i}`})).join('\n'));
writeFileSync(join(work,'c.yml'), `bench_aoai:\n  type: azure_open_ai\n  api_base: ${url}\n  api_key: k\n`);
const t0 = performance.now();
let first = 0, last = 0;
const r = await runFlow({ flow: join(work,'flow'), data: join(work,'data.jsonl'), connectionsFile: join(work,'c.yml'), runsDir: join(work,'runs'), concurrency: 32, log: { ...silentLog, debug: (m: string) => console.log(((performance.now()-t0)|0) + ' ' + m) },
  onLine: (l, p) => { const t = performance.now() - t0; if (p.done === 1) first = t; last = t; } });
const end = performance.now() - t0;
console.log({ first: first.toFixed(0), last: last.toFixed(0), end: end.toFixed(0), failed: r.linesFailed });
child.stdin!.end();
