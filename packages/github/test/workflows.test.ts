import { describe, expect, test } from '@jest/globals';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseDocument } from 'yaml';

/**
 * Keeps this repository's workflows and the example consumer workflows from drifting away
 * from the actions: every `uses:` names an existing action, every `with:` key is a
 * declared input (and every required one is given), every `steps.<id>.outputs.<name>` and
 * `needs.<job>.outputs.<name>` names an output that exists, and each job holds the
 * permissions its steps need.
 */

const repoRoot = resolve(import.meta.dirname, '../../..');

interface ActionMeta {
  inputs: Map<string, { required: boolean }>;
  outputs: Set<string>;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Obj = { [key: string]: Json };

function loadActions(root: string): Map<string, ActionMeta> {
  const actions = new Map<string, ActionMeta>();
  for (const dir of readdirSync(root)) {
    const file = join(root, dir, 'action.yml');
    if (!dir.startsWith('action-') || !existsSync(file)) continue;
    const meta = parseDocument(readFileSync(file, 'utf8')).toJS() as {
      inputs?: Record<string, { required?: boolean; default?: unknown }>;
      outputs?: Record<string, unknown>;
    };
    const inputs = new Map<string, { required: boolean }>();
    for (const [name, input] of Object.entries(meta.inputs ?? {})) {
      // An input with a default is filled by the runner even when `required: true`.
      inputs.set(name, { required: input?.required === true && (input.default === undefined || input.default === '') });
    }
    actions.set(dir, { inputs, outputs: new Set(Object.keys(meta.outputs ?? {})) });
  }
  return actions;
}

const ACTIONS = loadActions(repoRoot);

/** `./action-gate` or `<owner>/llmops-actions/action-gate@<ref>` → `action-gate`; other actions → undefined. */
function llmopsAction(uses: string): { name?: string; problem?: string } {
  const local = uses.match(/^\.\/(.*?)\/?$/);
  const remote = uses.match(/^[\w.-]+\/llmops-actions(?:\/(.*?))?(@.*)?$/);
  if (!local && !remote) {
    return /^[\w.-]+\/[\w.\/-]+@[\w.\/-]+$/.test(uses) || uses.startsWith('docker://')
      ? {}
      : { problem: `uses '${uses}' must be owner/repo[/path]@ref` };
  }
  const folder = (local ? local[1] : remote![1]) ?? '';
  if (remote && !remote[2]) return { problem: `uses '${uses}' has no @ref (e.g. @v1)` };
  if (!ACTIONS.has(folder)) return { problem: `uses '${uses}' names no action folder of this repository (${[...ACTIONS.keys()].join(', ')})` };
  return { name: folder };
}

/** Inputs whose literal values are paths in the repository. */
const PATH_INPUTS = new Set(['flow', 'data', 'run-file', 'connections-file', 'cache-dir', 'smoke-test-request']);

const STEP_OUTPUT = /\bsteps\.([A-Za-z_][\w-]*)\.outputs(?:\.([A-Za-z_][\w-]*)|\[\s*'([^']+)'\s*\])/g;
const NEEDS_OUTPUT = /\bneeds\.([A-Za-z_][\w-]*)\.outputs(?:\.([A-Za-z_][\w-]*)|\[\s*'([^']+)'\s*\])/g;

/** The expression text of a value: `if:` is an expression as a whole, anything else only inside `${{ }}`. */
function expressions(key: string, value: string): string[] {
  if (key === 'if') return [value.replace(/^\s*\$\{\{([\s\S]*)\}\}\s*$/, '$1')];
  return [...value.matchAll(/\$\{\{([\s\S]*?)\}\}/g)].map((m) => m[1]!);
}

/** Every string under `node` with the key it sits under. */
function strings(node: Json, key = ''): Array<{ key: string; value: string }> {
  if (typeof node === 'string') return [{ key, value: node }];
  if (Array.isArray(node)) return node.flatMap((item) => strings(item, key));
  if (node && typeof node === 'object') return Object.entries(node).flatMap(([k, v]) => strings(v, k));
  return [];
}

type Permissions = 'read-all' | 'write-all' | Record<string, string>;

function granted(permissions: Permissions | undefined, scope: string, level: 'read' | 'write'): boolean {
  if (permissions === 'write-all') return true;
  if (permissions === 'read-all') return level === 'read';
  const value = permissions?.[scope];
  return value === 'write' || (level === 'read' && value === 'read');
}

function isObj(value: Json | undefined): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Problems in one workflow, as `file: where: what` lines; empty when it is sound. */
function checkWorkflow(text: string, file: string): string[] {
  const problems: string[] = [];
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false });
  for (const error of [...doc.errors, ...doc.warnings]) problems.push(`${file}: invalid YAML: ${error.message.split('\n')[0]}`);
  if (doc.errors.length) return problems;
  const root = doc.toJS() as Obj;
  if (!isObj(root)) return [`${file}: not a mapping`];
  if (!('on' in root)) problems.push(`${file}: no 'on:' trigger`);
  const jobs = root.jobs;
  if (!isObj(jobs) || Object.keys(jobs).length === 0) return [...problems, `${file}: no jobs`];

  const workflowPermissions = root.permissions as Permissions | undefined;
  const workflowConcurrency = root.concurrency;

  for (const [jobId, jobValue] of Object.entries(jobs)) {
    const at = (where: string) => `${file}: jobs.${jobId}${where}`;
    if (!isObj(jobValue)) {
      problems.push(at(': not a mapping'));
      continue;
    }
    const job = jobValue;
    const steps = Array.isArray(job.steps) ? job.steps : [];
    if (!job['runs-on']) problems.push(at(": no 'runs-on'"));
    if (steps.length === 0) problems.push(at(': no steps'));
    const needs = new Set(typeof job.needs === 'string' ? [job.needs] : Array.isArray(job.needs) ? job.needs.map(String) : []);
    for (const need of needs) if (!(need in jobs)) problems.push(at(`.needs: no job '${need}'`));

    // Step ids, in order, with what each one is.
    const ids = new Map<string, { index: number; action?: string; run?: string }>();
    steps.forEach((stepValue, index) => {
      if (!isObj(stepValue)) return;
      const id = stepValue.id;
      if (id === undefined) return;
      if (typeof id !== 'string' || !/^[A-Za-z_][\w-]*$/.test(id)) problems.push(at(`.steps[${index}]: invalid id '${String(id)}'`));
      else if (ids.has(id)) problems.push(at(`.steps[${index}]: duplicate id '${id}'`));
      else {
        const uses = typeof stepValue.uses === 'string' ? llmopsAction(stepValue.uses).name : undefined;
        ids.set(id, { index, action: uses, run: typeof stepValue.run === 'string' ? stepValue.run : undefined });
      }
    });

    const checkReferences = (node: Json, where: string, stepIndex: number | undefined) => {
      for (const { key, value } of strings(node)) {
        for (const expression of expressions(key, value)) {
          for (const m of expression.matchAll(STEP_OUTPUT)) {
            const [id, output] = [m[1]!, m[2] ?? m[3]!];
            const step = ids.get(id);
            if (!step) {
              problems.push(at(`${where}: steps.${id}.outputs.${output}: no step with id '${id}' in this job`));
              continue;
            }
            if (stepIndex !== undefined && step.index >= stepIndex) {
              problems.push(at(`${where}: steps.${id}.outputs.${output}: step '${id}' runs after this one`));
            }
            if (step.action && !ACTIONS.get(step.action)!.outputs.has(output)) {
              problems.push(at(`${where}: steps.${id}.outputs.${output}: ${step.action} has no output '${output}' (it has ${[...ACTIONS.get(step.action)!.outputs].join(', ')})`));
            }
            if (step.run !== undefined && !(step.run.includes('GITHUB_OUTPUT') && new RegExp(`(^|[\\s"'])${output}(=|<<)`, 'm').test(step.run))) {
              problems.push(at(`${where}: steps.${id}.outputs.${output}: step '${id}' never writes '${output}' to GITHUB_OUTPUT`));
            }
          }
          for (const m of expression.matchAll(NEEDS_OUTPUT)) {
            const [need, output] = [m[1]!, m[2] ?? m[3]!];
            if (!needs.has(need)) {
              problems.push(at(`${where}: needs.${need}.outputs.${output}: '${need}' is not in this job's needs`));
              continue;
            }
            const declared = isObj(jobs[need]) ? (jobs[need] as Obj).outputs : undefined;
            if (!isObj(declared) || !(output in declared)) problems.push(at(`${where}: needs.${need}.outputs.${output}: job '${need}' declares no output '${output}'`));
          }
        }
      }
    };
    // Job-level expressions (outputs, environment url, if, ...) may name any step of the job.
    const { steps: _steps, ...jobRest } = job;
    checkReferences(jobRest as Obj, '', undefined);

    let comments = false;
    let readsArtifacts = false;
    let usesOidc = false;
    let deploys = false;
    steps.forEach((stepValue, index) => {
      const where = `.steps[${index}]${isObj(stepValue) && stepValue.id ? ` (${String(stepValue.id)})` : ''}`;
      if (!isObj(stepValue)) {
        problems.push(at(`${where}: not a mapping`));
        return;
      }
      const step = stepValue;
      if ((step.uses === undefined) === (step.run === undefined)) problems.push(at(`${where}: needs exactly one of 'uses' or 'run'`));
      checkReferences(step, where, index);
      if (typeof step.uses !== 'string') return;
      const { name, problem } = llmopsAction(step.uses);
      if (problem) problems.push(at(`${where}: ${problem}`));
      if (!name) return;
      const meta = ACTIONS.get(name)!;
      const given = step.with === undefined ? {} : step.with;
      if (!isObj(given)) {
        problems.push(at(`${where}.with: not a mapping`));
        return;
      }
      for (const [key, value] of Object.entries(given)) {
        if (!meta.inputs.has(key)) problems.push(at(`${where}.with.${key}: ${name} has no input '${key}'`));
        if (typeof value === 'object' && value !== null) problems.push(at(`${where}.with.${key}: must be a string (use a block scalar '|' for YAML or lists)`));
        if (PATH_INPUTS.has(key) && typeof value === 'string' && !value.includes('${{') && !existsSync(resolve(repoRoot, value))) {
          problems.push(at(`${where}.with.${key}: '${value}' does not exist in the repository`));
        }
      }
      for (const [input, { required }] of meta.inputs) {
        if (required && (given[input] === undefined || given[input] === '')) problems.push(at(`${where}: ${name} requires input '${input}'`));
      }
      if (name === 'action-gate' && String(given.comment ?? 'auto') !== 'never') comments = true;
      if (name === 'action-gate' && given['baseline-artifact']) readsArtifacts = true;
      if (given['client-id']) usesOidc = true;
      if (name === 'action-deploy') deploys = true;
    });

    const permissions = (job.permissions ?? workflowPermissions) as Permissions | undefined;
    if (permissions === undefined) problems.push(at(": no 'permissions' (neither the job nor the workflow sets them; the repository default may be write-all)"));
    if (comments && !granted(permissions, 'pull-requests', 'write')) problems.push(at(": comments on the PR (action-gate comment is not 'never') but lacks 'pull-requests: write'"));
    if (readsArtifacts && !granted(permissions, 'actions', 'read')) problems.push(at(": reads a baseline-artifact but lacks 'actions: read'"));
    if (usesOidc && !granted(permissions, 'id-token', 'write')) problems.push(at(": signs in with OIDC (client-id) but lacks 'id-token: write'"));
    if (deploys) {
      if (!job.environment) problems.push(at(": deploys without an 'environment' (approvals, environment secrets)"));
      const concurrency = (job.concurrency ?? workflowConcurrency) as Json | undefined;
      if (!isObj(concurrency) || concurrency['cancel-in-progress'] !== false) {
        problems.push(at(": deploys without a concurrency group with 'cancel-in-progress: false' (a rollout must never be cancelled halfway)"));
      }
    }
  }
  return problems;
}

function workflowFiles(): string[] {
  const dirs = [join(repoRoot, '.github/workflows')];
  const examples = join(repoRoot, 'examples');
  for (const example of existsSync(examples) ? readdirSync(examples) : []) dirs.push(join(examples, example, 'workflows'));
  return dirs
    .filter((dir) => existsSync(dir))
    .flatMap((dir) => readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).map((f) => join(dir, f)))
    .map((path) => path.slice(repoRoot.length + 1))
    .sort();
}

function load(file: string): Obj {
  return parseDocument(readFileSync(join(repoRoot, file), 'utf8')).toJS() as Obj;
}

function stepsOf(workflow: Obj, jobId: string): Obj[] {
  return ((workflow.jobs as Obj)[jobId] as Obj).steps as Obj[];
}

const files = workflowFiles();

test('the workflows are found', () => {
  expect(files).toEqual(expect.arrayContaining(['.github/workflows/ci.yml', 'examples/support-triage/workflows/pr-evaluation.yml', 'examples/support-triage/workflows/deploy.yml']));
  expect([...ACTIONS.keys()].sort()).toEqual(['action-deploy', 'action-evaluate', 'action-gate', 'action-register', 'action-run-flow']);
});

describe.each(files)('%s', (file) => {
  test('is valid and matches the actions it uses', () => {
    expect(checkWorkflow(readFileSync(join(repoRoot, file), 'utf8'), file)).toEqual([]);
  });
});

describe('ci.yml', () => {
  const ci = load('.github/workflows/ci.yml');
  const jobs = ci.jobs as Obj;

  test('runs .ci/run on Node 24', () => {
    const steps = stepsOf(ci, 'test');
    expect(steps.find((s) => String(s.uses).startsWith('actions/setup-node@'))?.with).toMatchObject({ 'node-version': 24 });
    expect(steps.map((s) => s.run)).toContain('bash .ci/run');
  });

  test('self-tests every action but deploy from this checkout, offline', () => {
    const used = Object.keys(jobs).flatMap((id) => ((jobs[id] as Obj).steps as Obj[]).map((s) => String(s.uses ?? '')));
    const local = new Set(used.filter((u) => u.startsWith('./')));
    expect(local).toEqual(new Set(['./action-run-flow', './action-evaluate', './action-gate', './action-register']));
    expect(used.some((u) => u.includes('llmops-actions/'))).toBe(false);
    const run = stepsOf(ci, 'self-test-evaluate').find((s) => s.uses === './action-run-flow')!;
    expect(run.with).toMatchObject({ cache: 'replay', 'cache-dir': 'examples/support-triage/recordings' });
    const register = stepsOf(ci, 'self-test-evaluate').filter((s) => s.uses === './action-register');
    expect(register.every((s) => (s.with as Obj).target === 'local')).toBe(true);
  });
});

describe('the example workflows', () => {
  test('pr-evaluation: PR and main triggers, concurrency, permissions, fork guard', () => {
    const wf = load('examples/support-triage/workflows/pr-evaluation.yml');
    expect(Object.keys(wf.on as Obj)).toEqual(expect.arrayContaining(['pull_request', 'push']));
    expect(((wf.on as Obj).push as Obj).branches).toEqual(['main']);
    expect(wf.concurrency).toEqual({
      group: 'llm-eval-${{ github.workflow }}-${{ github.event.pull_request.number || github.ref }}',
      'cancel-in-progress': true
    });
    expect(wf.permissions).toEqual({ contents: 'read', 'pull-requests': 'write', actions: 'read' });
    const steps = stepsOf(wf, 'evaluate');
    const llmops = steps.filter((s) => String(s.uses).includes('/llmops-actions/'));
    expect(llmops.map((s) => s.id)).toEqual(['run', 'evaluate', 'gate']);
    // Every step that needs the key waits for the guard.
    for (const step of llmops) expect(String(step.if)).toContain("steps.guard.outputs.evaluate == 'true'");
    expect(llmops[0]!.env).toMatchObject({ AZURE_OPENAI_API_KEY: '${{ secrets.AZURE_OPENAI_API_KEY }}' });
    expect(llmops[0]!.with).toMatchObject({ cache: 'auto', 'cache-dir': 'examples/support-triage/recordings' });
    expect((llmops[1]!.with as Obj)['artifact-name']).toBe((llmops[2]!.with as Obj)['baseline-artifact']);
  });

  test('deploy: gated, OIDC, environment, stable endpoint, staged traffic and a smoke test', () => {
    const wf = load('examples/support-triage/workflows/deploy.yml');
    const deploy = (wf.jobs as Obj).deploy as Obj;
    expect(deploy.needs).toBe('evaluate');
    expect(deploy.permissions).toMatchObject({ 'id-token': 'write' });
    expect(deploy.concurrency).toMatchObject({ 'cancel-in-progress': false });
    const step = (deploy.steps as Obj[]).find((s) => String(s.uses).includes('/action-deploy@'))!;
    expect(step.with).toMatchObject({ traffic: '10,50,100', 'smoke-test-request': 'examples/support-triage/smoke-request.json' });
    expect(String((step.with as Obj)['smoke-test-expect'])).toContain('category: billing');
    expect(String((step.with as Obj)['endpoint-name'])).not.toMatch(/run_id|run_number|sha|random/i);
    expect(stepsOf(wf, 'evaluate').map((s) => String(s.uses ?? ''))).toEqual(
      expect.arrayContaining(['org/llmops-actions/action-run-flow@v1', 'org/llmops-actions/action-evaluate@v1', 'org/llmops-actions/action-gate@v1'])
    );
  });
});

describe('checkWorkflow catches drift', () => {
  const check = (text: string) => checkWorkflow(text, 'bad.yml');
  const job = (steps: string, head = 'permissions: { contents: read }') =>
    ['on: pull_request', head, 'jobs:', '  j:', '    runs-on: ubuntu-latest', '    steps:', steps].join('\n');

  test('a sound workflow has no problems', () => {
    expect(
      check(
        job(
          [
            '      - id: run',
            '        uses: org/llmops-actions/action-run-flow@v1',
            '        with: { run-file: examples/support-triage/run.yml }',
            '      - uses: ./action-gate',
            '        with:',
            '          metrics: ${{ steps.run.outputs.metrics }}',
            '          comment: never'
          ].join('\n')
        )
      )
    ).toEqual([]);
  });

  test('invalid YAML and duplicate keys', () => {
    expect(check('on: push\njobs: {a: 1\n')[0]).toMatch(/^bad\.yml: invalid YAML/);
    expect(check(job('      - run: echo\n        run: echo')).join('\n')).toMatch(/invalid YAML/);
  });

  test('unknown action folders and unpinned references', () => {
    const problems = check(
      job(['      - uses: ./action-nope', '      - uses: org/llmops-actions/action-gate', '      - uses: actions/checkout'].join('\n'))
    ).join('\n');
    expect(problems).toContain("uses './action-nope' names no action folder");
    expect(problems).toContain("uses 'org/llmops-actions/action-gate' has no @ref");
    expect(problems).toContain("uses 'actions/checkout' must be owner/repo[/path]@ref");
  });

  test('unknown and missing inputs, non-string values, missing paths', () => {
    const problems = check(
      job(
        [
          '      - uses: ./action-deploy',
          '        with:',
          '          model: m',
          '          endpoint: e',
          '          smoke-test-expect: { status: 200 }',
          '          smoke-test-request: nowhere/request.json'
        ].join('\n')
      )
    ).join('\n');
    expect(problems).toContain("with.endpoint: action-deploy has no input 'endpoint'");
    expect(problems).toContain("action-deploy requires input 'endpoint-name'");
    expect(problems).toContain("action-deploy requires input 'resource-group'");
    expect(problems).toContain('with.smoke-test-expect: must be a string');
    expect(problems).toContain("with.smoke-test-request: 'nowhere/request.json' does not exist");
  });

  test('outputs that the step does not declare, unknown or later steps, run steps that never write them', () => {
    const problems = check(
      job(
        [
          '      - id: guard',
          '        run: echo "go=true" >> "$GITHUB_OUTPUT"',
          '      - if: steps.guard.outputs.evaluate == \'true\'',
          '        run: echo ${{ steps.run.outputs.run-dir }} ${{ steps.nobody.outputs.x }}',
          '      - id: run',
          '        uses: ./action-run-flow',
          '        with: { flow: examples/support-triage/flow }',
          '      - run: echo ${{ steps.run.outputs.rundir }} ${{ steps.run.outputs[\'run-name\'] }} ${{ steps.guard.outputs.go }}'
        ].join('\n')
      )
    );
    expect(problems).toEqual([
      "bad.yml: jobs.j.steps[1]: steps.guard.outputs.evaluate: step 'guard' never writes 'evaluate' to GITHUB_OUTPUT",
      "bad.yml: jobs.j.steps[1]: steps.run.outputs.run-dir: step 'run' runs after this one",
      "bad.yml: jobs.j.steps[1]: steps.nobody.outputs.x: no step with id 'nobody' in this job",
      expect.stringContaining("bad.yml: jobs.j.steps[3]: steps.run.outputs.rundir: action-run-flow has no output 'rundir' (it has run-name, run-dir")
    ]);
  });

  test('needs outputs must be declared by a job in needs', () => {
    const text = [
      'on: push',
      'permissions: {}',
      'jobs:',
      '  a:',
      '    runs-on: ubuntu-latest',
      '    outputs: { name: "${{ steps.run.outputs.run-name }}" }',
      '    steps:',
      '      - id: run',
      '        uses: ./action-run-flow',
      '        with: { flow: examples/support-triage/flow }',
      '  b:',
      '    needs: a',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - run: echo ${{ needs.a.outputs.name }} ${{ needs.a.outputs.metrics }} ${{ needs.c.outputs.x }}'
    ].join('\n');
    expect(check(text)).toEqual([
      "bad.yml: jobs.b.steps[0]: needs.a.outputs.metrics: job 'a' declares no output 'metrics'",
      "bad.yml: jobs.b.steps[0]: needs.c.outputs.x: 'c' is not in this job's needs"
    ]);
  });

  test('permissions: commenting, baseline artifacts, OIDC, and none at all', () => {
    const gate = ['      - uses: ./action-gate', '        with: { metrics: m.json, baseline-artifact: eval-metrics }'].join('\n');
    expect(check(job(gate))).toEqual([
      "bad.yml: jobs.j: comments on the PR (action-gate comment is not 'never') but lacks 'pull-requests: write'",
      "bad.yml: jobs.j: reads a baseline-artifact but lacks 'actions: read'"
    ]);
    expect(check(job(gate, 'permissions: { contents: read, pull-requests: write, actions: read }'))).toEqual([]);
    // Job-level permissions replace the workflow's.
    expect(check(job(gate, 'permissions: write-all').replace('    runs-on:', '    permissions: { contents: read }\n    runs-on:'))).toHaveLength(2);
    const register = ['      - uses: ./action-register', '        with: { flow: examples/support-triage/flow, model-name: m, client-id: x, tenant-id: y }'].join('\n');
    expect(check(job(register))).toEqual(["bad.yml: jobs.j: signs in with OIDC (client-id) but lacks 'id-token: write'"]);
    expect(check(job(register, 'permissions: { id-token: write }'))).toEqual([]);
    expect(check(job(register, '')).join('\n')).toContain("no 'permissions'");
  });

  test('deploy jobs need an environment and an uncancellable concurrency group', () => {
    const deploy = [
      '      - uses: ./action-deploy',
      '        with: { model: m, endpoint-name: e, resource-group: g, workspace: w }'
    ].join('\n');
    expect(check(job(deploy))).toEqual([
      "bad.yml: jobs.j: deploys without an 'environment' (approvals, environment secrets)",
      "bad.yml: jobs.j: deploys without a concurrency group with 'cancel-in-progress: false' (a rollout must never be cancelled halfway)"
    ]);
    const safe = job(deploy, 'permissions: {}\nconcurrency: { group: deploy, cancel-in-progress: false }').replace('    runs-on:', '    environment: production\n    runs-on:');
    expect(check(safe)).toEqual([]);
  });
});
