import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tempDir } from './support/env.js';

const repoRoot = resolve(import.meta.dirname, '../../..');
const script = join(repoRoot, 'scripts/generate-docs.mjs');

function generate(args: string[]) {
  const result = spawnSync(process.execPath, [script, ...args], { encoding: 'utf8', timeout: 20_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

test("every action README's usage block matches its action.yml (run `node scripts/generate-docs.mjs` to fix)", () => {
  const { status, stderr } = generate(['--check', '--root', repoRoot]);
  expect(stderr).not.toContain('README usage is stale');
  expect(status).toBe(0);
});

describe('generate-docs on a fixture repository', () => {
  const root = tempDir('llmops-docs-');
  writeFileSync(join(root, 'package.json'), JSON.stringify({ repository: { url: 'git+https://github.com/acme/llmops-actions.git' } }));
  mkdirSync(join(root, 'action-demo'));
  writeFileSync(
    join(root, 'action-demo/action.yml'),
    [
      'name: demo',
      'inputs:',
      '  threshold:',
      "    description: 'Minimum accuracy | as a fraction.'",
      '    required: true',
      '  token:',
      "    description: 'Token.'",
      "    default: '${{ github.token }}'",
      'outputs:',
      '  passed:',
      "    description: 'Whether it passed | or not.'",
      'runs:',
      '  using: node24',
      '  main: dist/index.js'
    ].join('\n')
  );
  const readme = join(root, 'action-demo/README.md');
  writeFileSync(readme, '# demo\n\n<!-- start usage -->\nold text\n<!-- end usage -->\n\nMore.\n');
  mkdirSync(join(root, 'action-bare'));
  writeFileSync(join(root, 'action-bare/action.yml'), 'name: bare\n');
  writeFileSync(join(root, 'action-bare/README.md'), '# bare, hand-written\n');

  test('--check fails on a stale block and changes nothing', () => {
    const { status, stderr } = generate(['--check', '--root', root]);
    expect(status).toBe(1);
    expect(stderr).toContain('action-demo/README.md');
    expect(stderr).toContain('action-bare/README.md: no <!-- start usage -->');
    expect(readFileSync(readme, 'utf8')).toContain('old text');
  });

  test('writes the block from action.yml, after which --check passes', () => {
    expect(generate(['--root', root]).stdout).toBe('updated action-demo/README.md\n');
    expect(readFileSync(readme, 'utf8')).toBe(
      [
        '# demo',
        '',
        '<!-- start usage -->',
        '```yaml',
        '- uses: acme/llmops-actions/action-demo@v1',
        '  with:',
        '    # Minimum accuracy | as a fraction.',
        '    # Required.',
        "    threshold: ''",
        '',
        '    # Token.',
        '    # Default: ${{ github.token }}',
        "    token: ''",
        '```',
        '',
        '### Outputs',
        '',
        '| Output | Description |',
        '| --- | --- |',
        '| `passed` | Whether it passed \\| or not. |',
        '<!-- end usage -->',
        '',
        'More.',
        ''
      ].join('\n')
    );
    expect(generate(['--check', '--root', root]).status).toBe(0);
    expect(readFileSync(join(root, 'action-bare/README.md'), 'utf8')).toBe('# bare, hand-written\n');
  });
});
