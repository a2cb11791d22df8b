/**
 * Re-records the example's LLM replies into examples/support-triage/recordings.
 * The replies are hand-written for the example (no model is called): a local
 * fake endpoint answers each ticket with the reply below, and the run records
 * the exchanges with `cache: record`. Run: npx tsx scripts/record-example.ts
 */
import { rmSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { consoleLog } from '@llmops/common';
import { runFlow } from '@llmops/flow';
import { startFakeOpenAI } from '../packages/flow/test/support/fake-openai.js';

const example = join(import.meta.dirname, '..', 'examples', 'support-triage');

/** Subject → the reply the example's model gives (one deliberate mistake: Parquet export). */
const REPLIES: Record<string, { category: string; evidence: string }> = {
  'Invoice shows wrong VAT': { category: 'billing', evidence: 'invoice applied 25% VAT' },
  "Can't log in after password reset": { category: 'account', evidence: 'account is locked' },
  'Dashboard charts not loading': { category: 'technical', evidence: 'Console shows a 504' },
  'Dark mode please': { category: 'feature_request', evidence: 'Would love a dark theme' },
  'Refund for unused seats': { category: 'billing', evidence: 'prorated refund' },
  'Add a teammate as admin': { category: 'account', evidence: 'give my colleague admin rights' },
  'API returns 429 constantly': { category: 'technical', evidence: 'gets rate limited' },
  'Export to Parquet': { category: 'technical', evidence: 'exports could be written as Parquet' },
  'Thanks!': { category: 'other', evidence: 'No action needed' },
  'Credit card expired': { category: 'billing', evidence: 'the payment failed' },
  "Webhook signatures don't verify": { category: 'technical', evidence: 'HMAC signatures on webhooks stopped matching' },
  'Delete my account': { category: 'account', evidence: 'close my account' }
};

const server = await startFakeOpenAI({
  apiKey: 'recording-only',
  behavior: (request) => {
    const messages = request.body.messages as Array<{ role: string; content: string }>;
    const last = messages[messages.length - 1]!.content;
    const subject = /^Subject: (.*)$/m.exec(last)?.[1]?.trim() ?? '';
    const reply = REPLIES[subject];
    if (!reply) return { status: 400, body: { error: { message: `no example reply for '${subject}'`, type: 'invalid_request_error' } } };
    return { content: JSON.stringify(reply), usage: { prompt_tokens: Math.ceil(JSON.stringify(messages).length / 4), completion_tokens: 18 } };
  }
});
// The example's connection reads these; the recordings' keys do not depend on them.
process.env.AZURE_OPENAI_ENDPOINT = server.url;
process.env.AZURE_OPENAI_API_KEY = 'recording-only';
const work = mkdtempSync(join(tmpdir(), 'llmops-record-'));
try {
  rmSync(join(example, 'recordings'), { recursive: true, force: true });
  const result = await runFlow({
    runFile: join(example, 'run.yml'),
    connectionsFile: join(example, 'connections.yml'),
    runsDir: join(work, 'runs'),
    cache: 'record',
    cacheDir: join(example, 'recordings'),
    cwd: example,
    log: consoleLog()
  });
  writeFileSync(join(work, 'result.json'), JSON.stringify(result, null, 2));
  console.log(`recorded ${result.linesCompleted}/${result.linesTotal} lines into ${join(example, 'recordings')}`);
} finally {
  await server.close();
}
