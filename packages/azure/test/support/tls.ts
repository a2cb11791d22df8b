import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A throwaway self-signed certificate for 127.0.0.1, made with the openssl CLI.
 * The Azure SDKs refuse bearer tokens over plain http and MSAL refuses a non-https
 * authority, so the fakes serve https and the clients trust this certificate via
 * `tlsOptions: { ca }`.
 */
export interface TestTls {
  cert: string;
  key: string;
  /** Files on disk, for processes such as Azurite that take paths. */
  certFile: string;
  keyFile: string;
  dir: string;
  dispose(): void;
}

export function makeTestTls(): TestTls {
  const dir = mkdtempSync(join(tmpdir(), 'llmops-tls-'));
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '2',
    '-keyout', keyFile, '-out', certFile, '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'
  ], { stdio: 'ignore', timeout: 20_000 });
  return {
    cert: readFileSync(certFile, 'utf8'),
    key: readFileSync(keyFile, 'utf8'),
    certFile,
    keyFile,
    dir,
    dispose: () => rmSync(dir, { recursive: true, force: true })
  };
}
