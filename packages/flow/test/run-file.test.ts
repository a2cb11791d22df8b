import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from '@jest/globals';
import { UserError } from '@llmops/common';
import { loadRunFile, parseDotEnv } from '../src/run/index.js';

const root = mkdtempSync(join(tmpdir(), 'run-file-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let counter = 0;
/** A folder with a flow dir, a data file, a .env and the given run.yml. */
function project(runYaml: string): string {
  const dir = join(root, `p${++counter}`);
  mkdirSync(join(dir, 'flows', 'web'), { recursive: true });
  mkdirSync(join(dir, 'data'), { recursive: true });
  writeFileSync(join(dir, 'flows', 'web', 'flow.dag.yaml'), 'inputs: {}\n');
  writeFileSync(join(dir, 'data', 'd.jsonl'), '{"url": "u"}\n');
  writeFileSync(join(dir, 'vars.env'), '# comment\nexport A=1\nB="two\\nlines"\nC=plain # trailing comment\n');
  const file = join(dir, 'run.yml');
  writeFileSync(file, runYaml);
  return file;
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

describe('run.yml', () => {
  test('every local key; paths are relative to the YAML file', () => {
    const file = project(`$schema: https://azuremlschemas.azureedge.net/promptflow/latest/Run.schema.json
flow: flows/web
data: data/d.jsonl
run: base_run
variant: \${summarize_text_content.variant_1}
column_mapping:
  url: \${data.url}
  config: {temperature: 0}
connections:
  classify:
    connection: my_aoai
    deployment_name: gpt-4o
environment_variables:
  PF_WORKER_COUNT: 2
  KEY: \${my_aoai.api_key}
name: my_run
display_name: web-\${variant_id}-\${timestamp}
description: a run
tags: {team: ml}
properties: {owner: me}
`);
    const spec = loadRunFile(file);
    expect(spec.flow).toBe(join(file, '..', 'flows', 'web'));
    expect(spec.data).toBe(join(file, '..', 'data', 'd.jsonl'));
    expect(spec.run).toBe('base_run');
    expect(spec.variant).toBe('${summarize_text_content.variant_1}');
    expect(spec.columnMapping).toEqual({ url: '${data.url}', config: { temperature: 0 } });
    expect(spec.connections).toEqual({ classify: { connection: 'my_aoai', deployment_name: 'gpt-4o' } });
    expect(spec.environmentVariables).toEqual({ PF_WORKER_COUNT: '2', KEY: '${my_aoai.api_key}' });
    expect(spec.name).toBe('my_run');
    expect(spec.displayName).toBe('web-${variant_id}-${timestamp}');
    expect(spec.description).toBe('a run');
    expect(spec.tags).toEqual({ team: 'ml' });
    expect(spec.properties).toEqual({ owner: 'me' });
    expect(spec.warnings).toEqual([]);
  });

  test('environment_variables may name a .env file', () => {
    const spec = loadRunFile(project('flow: flows/web\ndata: data/d.jsonl\nenvironment_variables: vars.env\n'));
    expect(spec.environmentVariables).toEqual({ A: '1', B: 'two\nlines', C: 'plain' });
  });

  test('unknown keys are warnings; cloud-only keys are kept and noted', () => {
    const spec = loadRunFile(project('flow: flows/web\ndata: data/d.jsonl\nstreaming: true\nruntime: rt\nresources: {instance_type: Standard_D2}\n'));
    expect(spec.warnings).toEqual([
      'Run schema validation warnings. Unknown fields found: streaming.',
      'runtime, resources only apply to cloud runs (backend azureml); ignored for local runs.'
    ]);
    expect(spec.cloud).toEqual({ runtime: 'rt', resources: { instance_type: 'Standard_D2' } });
  });

  test('remote data is kept as written, with a note', () => {
    const spec = loadRunFile(project('flow: flows/web\ndata: azureml:web_data:1\n'));
    expect(spec.data).toBe('azureml:web_data:1');
    expect(spec.warnings[0]).toContain('remote');
  });

  test('mistakes are UserErrors naming the file and field', () => {
    const missingData = project('flow: flows/web\ndata: data/nope.jsonl\n');
    const error = userError(() => loadRunFile(missingData));
    expect(error.file).toBe(missingData);
    expect(error.field).toBe('data');
    expect(userError(() => loadRunFile(project('flow: flows/web\ncolumn_mapping: [a]\n'))).field).toBe('column_mapping');
    expect(userError(() => loadRunFile(project('flow: flows/web\nconnections: {classify: my_aoai}\n'))).field).toBe('connections.classify');
    expect(userError(() => loadRunFile(project('flow: [\n'))).file).toContain('run.yml');
    expect(userError(() => loadRunFile(join(root, 'missing.yml'))).field).toBe('run-file');
  });
});

test('parseDotEnv handles export, quotes, comments and multi-line values', () => {
  expect(parseDotEnv("X='single # not comment'\nY=\"multi\nline\"\n#Z=1\n")).toEqual({ X: 'single # not comment', Y: 'multi\nline' });
});
