import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { UserError } from '@llmops/common';

/**
 * What never belongs in an uploaded or registered flow: VCS data, Python caches, and
 * Prompt flow's and our own run folders (`.promptflow`, `.llmops`, `.runs`).
 */
export const DEFAULT_IGNORE: readonly string[] = ['.git', '__pycache__', '*.pyc', '.promptflow', '.llmops', '.runs', '.DS_Store'];

export interface FolderFile {
  /** POSIX path relative to the folder, e.g. `prompts/classify.jinja2`. */
  relativePath: string;
  absolutePath: string;
  size: number;
}

/** A basename pattern (`*` and `?` wildcards) or a relative path prefix (`data/raw`). */
function matcher(pattern: string): (relativePath: string, name: string) => boolean {
  const clean = pattern.trim().replace(/\\/g, '/').replace(/^\.\/|\/+$/g, '');
  if (clean.includes('/')) return (rel) => rel === clean || rel.startsWith(`${clean}/`);
  const re = new RegExp(`^${clean.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return (_rel, name) => re.test(name);
}

/** Every file under `dir` not excluded by `ignore` (plus the defaults), sorted by path. */
export async function listFolderFiles(dir: string, ignore: readonly string[] = []): Promise<FolderFile[]> {
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) throw new UserError(`Flow folder not found: ${dir}`, { file: dir, field: 'flow', code: 'FlowNotFound' });
  const skip = [...DEFAULT_IGNORE, ...ignore].filter((p) => p.trim()).map(matcher);
  const files: FolderFile[] = [];
  const walk = async (current: string): Promise<void> => {
    for (const entry of await readdir(current, { withFileTypes: true })) {
      const absolutePath = join(current, entry.name);
      const relativePath = relative(dir, absolutePath).split(sep).join('/');
      if (skip.some((m) => m(relativePath, entry.name))) continue;
      if (entry.isDirectory()) await walk(absolutePath);
      else if (entry.isFile()) files.push({ relativePath, absolutePath, size: (await stat(absolutePath)).size });
      // Symlinks and sockets are skipped: an upload must not leave the folder.
    }
  };
  await walk(dir);
  return files.sort((a, b) => (a.relativePath < b.relativePath ? -1 : a.relativePath > b.relativePath ? 1 : 0));
}

/**
 * The folder's content hash: sha256 over, for each file in byte order of its POSIX relative
 * path, `path \0 size \0 bytes`. Stable across machines and checkouts (no mtimes, no
 * absolute paths), changed by any renamed, added, removed or edited file. 32 hex chars,
 * like the md5-sized names under azure-ai-ml's `LocalUpload/`.
 */
export async function hashFolderFiles(files: readonly FolderFile[]): Promise<string> {
  const hash = createHash('sha256');
  for (const file of files) {
    hash.update(file.relativePath);
    hash.update('\0');
    const bytes = await readFile(file.absolutePath);
    hash.update(String(bytes.length));
    hash.update('\0');
    hash.update(bytes);
  }
  return hash.digest('hex').slice(0, 32);
}
