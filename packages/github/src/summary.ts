import * as core from '@actions/core';
import { truncateMarkdown } from './truncate.js';

/** GitHub rejects a step summary over 1 MiB; keep a margin for what other code appends. */
export const SUMMARY_MAX_BYTES = 900 * 1024;

export interface SummaryOptions {
  /** Where the full report lives (artifact, report file, run URL); shown when the text is cut. */
  pointer?: string;
  maxBytes?: number;
  /** A markdown-aware fitter, e.g. evaluate's fitMarkdown; defaults to truncateMarkdown. */
  fit?: (markdown: string, maxBytes: number, pointer: string) => string;
}

/**
 * Appends markdown to the job summary. Returns false (with a debug note) when the step
 * runs outside GitHub Actions and GITHUB_STEP_SUMMARY is unset.
 */
export async function writeSummary(markdown: string, options: SummaryOptions = {}): Promise<boolean> {
  if (!process.env.GITHUB_STEP_SUMMARY) {
    core.debug('GITHUB_STEP_SUMMARY is not set; skipping the job summary');
    return false;
  }
  const maxBytes = options.maxBytes ?? SUMMARY_MAX_BYTES;
  const pointer = options.pointer ?? 'See the step log for the full report.';
  const fit = options.fit ?? ((md: string, max: number, p: string) => truncateMarkdown(md, { maxBytes: max }, p));
  const text = fit(markdown, maxBytes, pointer);
  await core.summary.addRaw(text, true).write();
  return true;
}
