/**
 * The fake OpenAI endpoint as its own process, so a benchmark measures the
 * executor and not the test double sharing its event loop. Prints the URL on
 * stdout, then serves until stdin closes.
 *   npx tsx bench/fake-endpoint.ts <latency-ms> <api-key>
 */
import { startFakeOpenAI } from '../packages/flow/test/support/fake-openai.js';

const server = await startFakeOpenAI({ fixedLatencyMs: Number(process.argv[2] ?? 0), apiKey: process.argv[3] ?? 'bench-key' });
process.stdout.write(`${server.url}\n`);
process.stdin.resume();
process.stdin.on('end', () => void server.close().then(() => process.exit(0)));
