/** Run names and display names, by Prompt flow's rules (`_sdk/entities/_run.py`). */
import { statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { displayNameTimestamp, runNameTimestamp } from './time.js';

export const DEFAULT_VARIANT = 'variant_0';

/** `${node.variant_id}` → [node, variant_id]; undefined when it is not of that form. */
export function parseVariant(variant: string): [string, string] | undefined {
  const match = /^\$\{([^.]+)\.([^}]+)\}$/.exec(variant.trim());
  return match ? [match[1]!, match[2]!] : undefined;
}

/** The variant id from `${node.variant_1}`, or the text itself when already bare. */
function variantId(variant: string | undefined): string {
  if (!variant) return DEFAULT_VARIANT;
  return parseVariant(variant)?.[1] ?? variant;
}

/**
 * Prompt flow's `_sanitize_python_variable_name`: lowercase, every non-alphanumeric
 * (and `_`) becomes a space, spaces collapse, leading digit gets an `n`, spaces → `_`.
 */
export function sanitizeName(name: string): string {
  let out = name.toLowerCase().replace(/[^\p{L}\p{N}\p{M}]/gu, ' ');
  out = out.replace(/ +/g, ' ').trim();
  if (/^\d/.test(out)) out = `n${out}`;
  return out.replace(/ /g, '_');
}

/** `<flow dir>_<variant id|variant_0>_<YYYYMMDD_HHMMSS_ffffff>`, sanitized. */
export function defaultRunName(flowDir: string, variant?: string, now: Date = new Date()): string {
  let dir = resolve(flowDir);
  try {
    if (!statSync(dir).isDirectory()) dir = dirname(dir);
  } catch {
    // a path that does not exist yet is taken as the flow directory itself
  }
  return sanitizeName(`${basename(dir)}_${variantId(variant)}_${runNameTimestamp(now)}`);
}

/** Replace `${variant_id}`, `${run}` and `${timestamp}` in a display name; default is the run name. */
export function formatDisplayName(displayName: string | undefined, context: { name: string; variant?: string; run?: string; now?: Date }): string {
  let out = displayName || context.name;
  if (context.run) out = out.split('${run}').join(context.run);
  out = out.split('${timestamp}').join(displayNameTimestamp(context.now ?? new Date()));
  return out.split('${variant_id}').join(variantId(context.variant));
}
