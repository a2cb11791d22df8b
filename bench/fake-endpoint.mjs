// A lean stand-in for an Azure OpenAI / OpenAI chat endpoint, run as its own process so
// a benchmark measures the executor, not the test double: it answers every chat
// completion after a fixed latency with one canned reply in the real response shape.
// (The tests' full fake, packages/flow/test/support/fake-openai.ts, records and scripts
// requests; that bookkeeping would be charged to the executor here.)
//   node bench/fake-endpoint.mjs <latency-ms> <api-key>   prints its URL, serves until stdin closes
import { createServer } from 'node:http';

const latencyMs = Number(process.argv[2] ?? 0);
const apiKey = process.argv[3] ?? 'bench-key';
let id = 0;
const REPLY_TAIL = JSON.stringify({
  object: 'chat.completion',
  created: 1700000000,
  model: 'bench',
  choices: [{ index: 0, message: { role: 'assistant', content: 'A short answer.' }, finish_reason: 'stop', logprobs: null }],
  usage: { prompt_tokens: 12, completion_tokens: 6, total_tokens: 18 }
}).slice(1);

const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    const authorized = req.headers['api-key'] === apiKey || req.headers.authorization === `Bearer ${apiKey}`;
    setTimeout(() => {
      if (!authorized) {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: '401', message: 'Access denied due to invalid subscription key.' } }));
        return;
      }
      // The request is not parsed: the stand-in should cost as little CPU as it can.
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(`{"id":"chatcmpl-bench-${id++}",${REPLY_TAIL}`);
    }, latencyMs);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`http://127.0.0.1:${server.address().port}\n`);
});
process.stdin.resume();
process.stdin.on('end', () => server.close(() => process.exit(0)));
