/**
 * The details file: what does not fit the flat metrics file (confusion matrix,
 * per-class scores with support, per-line results), written next to it as
 * `<name>.details.json` so that tools reading the metrics file are not disturbed.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import type { BuiltinDetails } from './builtin.js';

/** `out/metrics.json` → `out/metrics.details.json`. */
export function detailsFileFor(metricsFile: string): string {
  const ext = extname(metricsFile);
  return join(dirname(metricsFile), `${basename(metricsFile, ext)}.details.json`);
}

export async function writeEvaluationDetails(file: string, details: BuiltinDetails): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  // Lines failed have no prediction: JSON null rather than a missing key keeps rows uniform.
  const lines = details.lines.map((l) => ({ ...l, prediction: l.prediction ?? null }));
  await writeFile(file, `${JSON.stringify({ ...details, lines }, bigintAsNumber, 2)}\n`, 'utf8');
}

/** Integers beyond 2^53 from the run's files: JSON.stringify cannot write bigint. */
function bigintAsNumber(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? Number(value) : value;
}
