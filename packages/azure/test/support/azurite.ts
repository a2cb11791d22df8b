import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** Azurite's well-known development account (public, documented by Microsoft). */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface Azurite {
  /** `https://127.0.0.1:<port>` (or http when started without TLS). */
  origin: string;
  /** `127.0.0.1:<port>`: what a datastore's `endpoint` holds for a path-style emulator. */
  host: string;
  /** The account's blob endpoint, `<origin>/devstoreaccount1`. */
  blobEndpoint: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolvePort(port));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`azurite-blob exited early with code ${child.exitCode}`);
    const open = await new Promise<boolean>((done) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => { socket.destroy(); done(true); });
      socket.once('error', () => done(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`azurite-blob did not listen on 127.0.0.1:${port} within ${timeoutMs} ms`);
}

/**
 * Start Azurite's blob service on 127.0.0.1 with a free port and a temporary location.
 * With `tls`, it serves https and accepts bearer tokens (`--oauth basic`), which the
 * token-credential upload path needs.
 */
export async function startAzurite(options: { tls?: { certFile: string; keyFile: string }; timeoutMs?: number } = {}): Promise<Azurite> {
  const location = mkdtempSync(join(tmpdir(), 'llmops-azurite-'));
  const bin = resolve(process.cwd(), 'node_modules', '.bin', 'azurite-blob');
  // Another process may grab the port between probe and bind; retry a couple of times.
  for (let attempt = 0; ; attempt += 1) {
    const port = await freePort();
    const args = ['--silent', '--skipApiVersionCheck', '--loose', '--blobHost', '127.0.0.1', '--blobPort', String(port), '--location', location];
    if (options.tls) args.push('--cert', options.tls.certFile, '--key', options.tls.keyFile, '--oauth', 'basic');
    const child = spawn(bin, args, { stdio: 'ignore', detached: false });
    try {
      await waitForPort(port, child, options.timeoutMs ?? 15_000);
    } catch (error) {
      child.kill('SIGKILL');
      if (attempt < 2) continue;
      rmSync(location, { recursive: true, force: true });
      throw error;
    }
    const origin = `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
    return {
      origin,
      host: `127.0.0.1:${port}`,
      blobEndpoint: `${origin}/${AZURITE_ACCOUNT}`,
      stop: async () => {
        if (child.exitCode === null) {
          const exited = new Promise((r) => child.once('exit', r));
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
          await exited;
          clearTimeout(timer);
        }
        rmSync(location, { recursive: true, force: true });
      }
    };
  }
}
