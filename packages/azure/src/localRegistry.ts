import { cp, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { FolderFile } from './folder.js';

/** `<registry-dir>/<model>/<version>/model.json`: what a local registration records. */
export interface LocalModelRecord {
  name: string;
  version: string;
  id: string;
  description?: string;
  modelType: 'custom_model';
  /** The flow folder inside the version directory. */
  path: 'flow';
  tags: Record<string, string>;
  properties: Record<string, string>;
  createdAt: string;
}

export const DEFAULT_REGISTRY_DIR = '.llmops/registry';

/** Every registered version of a model, read from its model.json files. */
export async function listLocalVersions(registryDir: string, modelName: string): Promise<LocalModelRecord[]> {
  const modelDir = join(registryDir, modelName);
  const entries = await readdir(modelDir, { withFileTypes: true }).catch(() => []);
  const records: LocalModelRecord[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory() || !/^\d+$/.test(entry.name)) continue;
    const text = await readFile(join(modelDir, entry.name, 'model.json'), 'utf8').catch(() => undefined);
    if (text === undefined) continue; // an interrupted registration: ignore it
    records.push(JSON.parse(text) as LocalModelRecord);
  }
  return records.sort((a, b) => Number(a.version) - Number(b.version));
}

/**
 * Register into a folder registry: copy the flow to `<version>/flow/` and write model.json.
 * Written under a temporary name and renamed, so a crash never leaves a half version.
 */
export async function writeLocalVersion(registryDir: string, record: LocalModelRecord, files: readonly FolderFile[]): Promise<string> {
  const versionDir = join(registryDir, record.name, record.version);
  const staging = `${versionDir}.partial-${process.pid}-${Date.now()}`;
  await rm(staging, { recursive: true, force: true });
  for (const file of files) {
    const target = join(staging, 'flow', file.relativePath);
    await mkdir(dirname(target), { recursive: true });
    await cp(file.absolutePath, target);
  }
  await mkdir(staging, { recursive: true });
  await writeFile(join(staging, 'model.json'), `${JSON.stringify(record, null, 2)}\n`);
  await rename(staging, versionDir);
  return versionDir;
}
