import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from '@jest/globals';
import { SecretMasker, UserError, type Log } from '@llmops/common';
import { loadConnections, toExecutionConnectionDict } from '../src/connections/index.js';

const root = mkdtempSync(join(tmpdir(), 'connections-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let counter = 0;
function file(content: string, name = `c${++counter}.yaml`): string {
  const path = join(root, name);
  writeFileSync(path, content);
  return path;
}

/** A Log that records what it was told, masking registered secrets like the real ones. */
function recordingLog(): Log & { secrets: string[]; lines: string[] } {
  const masker = new SecretMasker();
  const secrets: string[] = [];
  const lines: string[] = [];
  return {
    secrets,
    lines,
    debug: (m) => lines.push(masker.mask(m)),
    info: (m) => lines.push(masker.mask(m)),
    warning: (m) => lines.push(masker.mask(m)),
    error: (m) => lines.push(masker.mask(m)),
    setSecret: (s) => { secrets.push(s); masker.add(s); }
  };
}

function userError(fn: () => unknown): UserError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    return error as UserError;
  }
  throw new Error('expected a UserError');
}

describe('our connections file', () => {
  test('a mapping of name → connection, ${env:VAR} resolved, defaults applied, secrets masked', () => {
    const path = file(`
my_aoai:
  type: azure_open_ai
  api_base: \${env:AOAI_ENDPOINT}
  api_key: \${env:AOAI_KEY}
my_openai:
  type: open_ai
  api_key: sk-literal-key
  base_url: ""
my_custom:
  type: custom
  configs:
    region: \${env:REGION}-1
  secrets:
    token: "\${env:TOKEN}"
`);
    const log = recordingLog();
    const env = { AOAI_ENDPOINT: 'https://x.openai.azure.com/', AOAI_KEY: 'aoai-secret-123', REGION: 'eu', TOKEN: 'tok-456' };
    const connections = loadConnections(path, { env, log });
    expect([...connections.keys()]).toEqual(['my_aoai', 'my_openai', 'my_custom']);
    expect(connections.get('my_aoai')).toEqual({
      name: 'my_aoai',
      type: 'azure_open_ai',
      className: 'AzureOpenAIConnection',
      configs: { api_base: 'https://x.openai.azure.com/', api_type: 'azure', api_version: '2024-02-01', auth_mode: 'key' },
      secrets: { api_key: 'aoai-secret-123' }
    });
    expect(connections.get('my_openai')).toEqual({ name: 'my_openai', type: 'open_ai', className: 'OpenAIConnection', configs: {}, secrets: { api_key: 'sk-literal-key' } });
    expect(connections.get('my_custom')).toMatchObject({ className: 'CustomConnection', configs: { region: 'eu-1' }, secrets: { token: 'tok-456' } });
    expect(log.secrets).toEqual(expect.arrayContaining(['aoai-secret-123', 'sk-literal-key', 'tok-456']));
    expect(log.secrets).not.toContain('https://x.openai.azure.com/');
    log.info('calling with aoai-secret-123 and tok-456');
    expect(log.lines.at(-1)).toBe('calling with *** and ***');
  });

  test('a missing environment variable names the file, the connection, the field and the variable', () => {
    const path = file('my_aoai:\n  type: azure_open_ai\n  api_base: https://x\n  api_key: ${env:MISSING_KEY}\n');
    const error = userError(() => loadConnections(path, { env: {}, log: recordingLog() }));
    expect(error.file).toBe(path);
    expect(error.field).toBe('my_aoai.api_key');
    expect(error.message).toContain("Connection 'my_aoai'");
    expect(error.message).toContain('MISSING_KEY');
  });

  test('required fields per type are checked; Entra ID auth needs no key', () => {
    const noBase = file('c:\n  type: azure_open_ai\n  api_key: k-123\n');
    expect(userError(() => loadConnections(noBase, { env: {}, log: recordingLog() })).field).toBe('c.api_base');
    const noKey = file('c:\n  type: serverless\n  api_base: https://x\n');
    expect(userError(() => loadConnections(noKey, { env: {}, log: recordingLog() })).message).toContain("missing required field 'api_key'");
    const meid = file('c:\n  type: azure_open_ai\n  api_base: https://x\n  auth_mode: meid_token\n');
    expect(loadConnections(meid, { env: {}, log: recordingLog() }).get('c')!.secrets).toEqual({});
    const customNoSecrets = file('c:\n  type: custom\n  configs: {a: b}\n');
    expect(userError(() => loadConnections(customNoSecrets, { env: {}, log: recordingLog() })).field).toBe('c.secrets');
    const unknownType = file('c:\n  type: telepathy\n');
    expect(userError(() => loadConnections(unknownType, { env: {}, log: recordingLog() })).message).toContain('Supported types: custom, azure_open_ai');
    const placeholder = file('c:\n  type: open_ai\n  api_key: "<user-input>"\n');
    expect(userError(() => loadConnections(placeholder, { env: {}, log: recordingLog() })).message).toContain('placeholder');
  });
});

describe('Prompt flow’s own formats', () => {
  test('a single-connection YAML (name and type at top level, $schema allowed), and a list of files', () => {
    const aoai = file(`$schema: https://azuremlschemas.azureedge.net/promptflow/latest/AzureOpenAIConnection.schema.json
name: open_ai_connection
type: azure_open_ai
api_key: \${env:KEY}
api_base: https://y.openai.azure.com/
api_version: 2024-06-01
`);
    const serp = file('name: serp\ntype: serp\napi_key: serp-secret\n');
    const log = recordingLog();
    const connections = loadConnections([aoai, serp], { env: { KEY: 'key-789' }, log });
    expect(connections.get('open_ai_connection')!.configs.api_version).toBe('2024-06-01');
    expect(connections.get('serp')).toEqual({ name: 'serp', type: 'serp', className: 'SerpConnection', configs: {}, secrets: { api_key: 'serp-secret' } });
    expect(log.secrets).toEqual(expect.arrayContaining(['key-789', 'serp-secret']));
  });

  test('the PROMPTFLOW_CONNECTIONS execution JSON', () => {
    const path = file(
      JSON.stringify({
        aoai: { type: 'AzureOpenAIConnection', module: 'promptflow.connections', value: { api_base: 'https://z', api_key: 'exec-key-1', api_type: 'azure', api_version: '2024-02-01' }, secret_keys: ['api_key'] },
        custom: { type: 'CustomConnection', value: { endpoint: 'https://c', password: 'pw-secret-2' }, secret_keys: ['password'] }
      }),
      'connections.json'
    );
    const log = recordingLog();
    const connections = loadConnections(path, { env: {}, log });
    expect(connections.get('aoai')).toMatchObject({ type: 'azure_open_ai', className: 'AzureOpenAIConnection', secrets: { api_key: 'exec-key-1' } });
    expect(connections.get('custom')).toMatchObject({ type: 'custom', configs: { endpoint: 'https://c' }, secrets: { password: 'pw-secret-2' } });
    expect(log.secrets).toEqual(expect.arrayContaining(['exec-key-1', 'pw-secret-2']));
    expect(toExecutionConnectionDict(connections.get('custom')!)).toEqual({
      type: 'CustomConnection',
      module: 'promptflow.connections',
      value: { endpoint: 'https://c', password: 'pw-secret-2' },
      secret_keys: ['password']
    });
  });

  test('a missing file and bad YAML are UserErrors naming the file', () => {
    expect(userError(() => loadConnections(join(root, 'none.yaml'), { log: recordingLog() })).file).toBe(join(root, 'none.yaml'));
    const bad = file('a: [\n');
    expect(userError(() => loadConnections(bad, { log: recordingLog() })).file).toBe(bad);
  });
});

describe('deferMissingEnv', () => {
  test('a connection with an unset variable loads, and says why when it is used', async () => {
    const { mkdtemp, writeFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { connectionProblem, loadConnections } = await import('../src/connections/index.js');
    const { silentLog } = await import('@llmops/common');
    const dir = await mkdtemp(join(tmpdir(), 'conn-defer-'));
    const file = join(dir, 'connections.yml');
    await writeFile(file, 'aoai:\n  type: azure_open_ai\n  api_base: ${env:LLMOPS_TEST_UNSET_BASE}\n  api_key: ${env:LLMOPS_TEST_UNSET_KEY}\nok:\n  type: open_ai\n  api_key: sk-test-value\n');
    const env = {};
    expect(() => loadConnections(file, { env, log: silentLog })).toThrow(/LLMOPS_TEST_UNSET_(KEY|BASE), which is not set/);
    const connections = loadConnections(file, { env, log: silentLog, deferMissingEnv: true });
    expect(connectionProblem(connections.get('aoai')!)?.message).toMatch(/field 'api_key' references environment variable LLMOPS_TEST_UNSET_KEY|field 'api_base' references environment variable LLMOPS_TEST_UNSET_BASE/);
    expect(connectionProblem(connections.get('aoai')!)?.field).toMatch(/^aoai\./);
    expect(connectionProblem(connections.get('ok')!)).toBeUndefined();
  });
});
