// Bundles every action (and the llmops CLI) with @vercel/ncc into its committed dist/.
// Usage: node scripts/build.mjs [--out DIR]   (--out writes <DIR>/<target>/dist instead, for check-dist)
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

export function targets() {
  const found = readdirSync('.').filter((d) => d.startsWith('action-') && existsSync(join(d, 'src', 'index.ts')));
  return [...found, join('packages', 'cli')];
}

function build(target, outRoot) {
  const out = outRoot ? join(outRoot, target, 'dist') : join(target, 'dist');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  execFileSync(process.execPath, ['node_modules/@vercel/ncc/dist/ncc/cli.js', 'build', join(target, 'src', 'index.ts'), '-o', out, '--quiet', '--license', 'licenses.txt'], { stdio: 'inherit' });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const i = process.argv.indexOf('--out');
  const outRoot = i > 0 ? process.argv[i + 1] : undefined;
  for (const t of targets()) {
    process.stdout.write(`building ${t}\n`);
    build(t, outRoot);
  }
}
