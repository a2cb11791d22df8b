// Rewrites each action's README usage block (between `<!-- start usage -->` and
// `<!-- end usage -->`) from its action.yml, so the README cannot drift from the inputs.
// Usage: node scripts/generate-docs.mjs [--check] [--root DIR]
//   --check  change nothing; exit 1 listing the READMEs whose usage block is stale.
// A README without the markers is reported and left alone.
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse } from 'yaml';

const START = '<!-- start usage -->';
const END = '<!-- end usage -->';
const WIDTH = 80;

/** `owner/name` for `uses:` lines, from the root package.json's repository, else a placeholder. */
export function repositorySlug(root) {
  try {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    const url = typeof pkg.repository === 'string' ? pkg.repository : pkg.repository?.url;
    const m = url?.match(/github\.com[/:]([^/]+\/[^/.]+)/) ?? url?.match(/^github:([^/]+\/[^/.]+)/);
    if (m) return m[1];
  } catch {}
  return 'org/llmops-actions';
}

function wrap(text, width) {
  const lines = [];
  for (const paragraph of String(text).trim().split(/\n\s*\n/)) {
    let line = '';
    for (const word of paragraph.split(/\s+/).filter(Boolean)) {
      if (line && line.length + 1 + word.length > width) {
        lines.push(line);
        line = word;
      } else line = line ? `${line} ${word}` : word;
    }
    if (line) lines.push(line);
    lines.push('');
  }
  lines.pop();
  return lines;
}

function cell(text) {
  return String(text ?? '').trim().replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|');
}

/** The markdown between the markers for one action.yml. */
export function usageBlock(action, uses) {
  const out = ['```yaml', `- uses: ${uses}`];
  const inputs = Object.entries(action.inputs ?? {});
  if (inputs.length) out.push('  with:');
  inputs.forEach(([name, input], i) => {
    if (i > 0) out.push('');
    for (const line of wrap(input?.description ?? '', WIDTH - 6)) out.push(`    #${line ? ` ${line}` : ''}`);
    if (input?.deprecationMessage) out.push(`    # Deprecated: ${cell(input.deprecationMessage)}`);
    if (input?.required) out.push('    # Required.');
    if (input?.default !== undefined && input.default !== '') out.push(`    # Default: ${String(input.default)}`);
    out.push(`    ${name}: ''`);
  });
  out.push('```');
  const outputs = Object.entries(action.outputs ?? {});
  if (outputs.length) {
    out.push('', '### Outputs', '', '| Output | Description |', '| --- | --- |');
    for (const [name, output] of outputs) out.push(`| \`${name}\` | ${cell(output?.description)} |`);
  }
  return out.join('\n');
}

/** The README text with its usage block regenerated, or undefined when it has no markers. */
export function updateReadme(readme, block) {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) return undefined;
  return `${readme.slice(0, start + START.length)}\n${block}\n${readme.slice(end)}`;
}

export function generateDocs({ root, check }) {
  const slug = repositorySlug(root);
  const stale = [];
  const notes = [];
  const dirs = readdirSync(root).filter((d) => d.startsWith('action-') && existsSync(join(root, d, 'action.yml'))).sort();
  for (const dir of dirs) {
    const action = parse(readFileSync(join(root, dir, 'action.yml'), 'utf8')) ?? {};
    const readmePath = join(root, dir, 'README.md');
    if (!existsSync(readmePath)) {
      notes.push(`${dir}/README.md: missing; add one with ${START} and ${END} markers`);
      continue;
    }
    const readme = readFileSync(readmePath, 'utf8');
    const updated = updateReadme(readme, usageBlock(action, `${slug}/${dir}@v1`));
    if (updated === undefined) {
      notes.push(`${dir}/README.md: no ${START} / ${END} markers; usage not generated`);
      continue;
    }
    if (updated === readme) continue;
    stale.push(`${dir}/README.md`);
    if (!check) writeFileSync(readmePath, updated);
  }
  return { stale, notes, actions: dirs };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const args = process.argv.slice(2);
  const check = args.includes('--check');
  const i = args.indexOf('--root');
  const root = resolve(i >= 0 ? args[i + 1] : '.');
  const { stale, notes } = generateDocs({ root, check });
  for (const note of notes) process.stderr.write(`note: ${note}\n`);
  if (check && stale.length) {
    process.stderr.write(`README usage is stale; run \`node scripts/generate-docs.mjs\` and commit:\n  ${stale.join('\n  ')}\n`);
    process.exit(1);
  }
  for (const file of stale) process.stdout.write(`updated ${file}\n`);
}
