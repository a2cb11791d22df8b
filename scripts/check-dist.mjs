// Fails when a committed dist/ differs from a fresh build (users run dist/, not src/).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { targets } from './build.mjs';

function files(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true }).map(String).filter((f) => statSync(join(dir, f)).isFile()).sort();
}

const outRoot = mkdtempSync(join(tmpdir(), 'llmops-dist-'));
execFileSync(process.execPath, ['scripts/build.mjs', '--out', outRoot], { stdio: 'inherit' });
const stale = [];
for (const t of targets()) {
  const fresh = join(outRoot, t, 'dist');
  const committed = join(t, 'dist');
  const names = new Set([...files(fresh), ...files(committed)]);
  for (const name of names) {
    const a = join(fresh, name);
    const b = join(committed, name);
    if (!existsSync(a) || !existsSync(b) || !readFileSync(a).equals(readFileSync(b))) stale.push(relative('.', b));
  }
}
if (stale.length) {
  console.error(`dist/ is stale; run \`npm run build\` and commit:\n  ${stale.join('\n  ')}`);
  process.exit(1);
}
console.log('dist/ is fresh');
