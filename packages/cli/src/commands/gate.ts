/**
 * `llmops gate`: action-gate from a terminal. Checks metrics against thresholds and,
 * with a baseline, the allowed regression; prints the report and exits 1 when the
 * gate fails, so a script or another CI can stop on it.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { UserError } from '@llmops/common';
import { evaluateGate, loadMetrics, parseMaxRegression, parseThresholds, renderGateReport } from '@llmops/evaluate';
import { helpText, list, parseFlags, str, type FlagSpec } from '../args.js';
import type { Command } from '../command.js';

const FLAGS: Record<string, FlagSpec> = {
  metrics: { kind: 'string', description: 'The metrics: JSON, a metrics file (metrics.json, result.json), a run directory or a run name.' },
  thresholds: { kind: 'list', description: "Conditions, one per value: 'accuracy >= 0.9' 'latency_ms < 800'; a bare number N means accuracy >= N." },
  baseline: { kind: 'string', description: 'Metrics to compare with (JSON, a metrics file, a run directory or a run name).' },
  'max-regression': { kind: 'list', description: "Largest allowed drops from the baseline: 'accuracy 0.02' 'latency_ms 10%' '* 0.01'." },
  'report-file': { kind: 'string', description: 'Also write the Markdown report to this file.' },
  'runs-dir': { kind: 'string', description: 'Where run names are looked up (default .llmops/runs).' }
};

export const gateCommand: Command = {
  name: 'gate',
  summary: 'Check metrics against thresholds and a baseline; print the report; exit 1 when the gate fails.',
  help: () =>
    helpText(
      'gate',
      'Check metrics against thresholds and, with --baseline, the allowed regression. Prints the Markdown report (as action-gate writes it) and exits 1 when a check fails, 0 when all pass.',
      FLAGS,
      '--metrics METRICS --thresholds CONDITION [CONDITION ...] [options]'
    ),
  async run(argv, io) {
    const { flags, positionals } = parseFlags(argv, FLAGS, 'gate');
    if (positionals.length > 0) {
      throw new UserError(`Unexpected argument '${positionals[0]}' for 'llmops gate'; quote each condition, e.g. --thresholds 'accuracy >= 0.9'.`, { field: positionals[0] });
    }
    const source = str(flags, 'metrics');
    if (!source) throw new UserError("'llmops gate' needs --metrics: JSON, a metrics file or a run directory.", { field: '--metrics', code: 'MissingInput' });
    const thresholds = parseThresholds((list(flags, 'thresholds') ?? []).join('\n'), '--thresholds');
    const maxRegression = parseMaxRegression((list(flags, 'max-regression') ?? []).join('\n'), '--max-regression');
    const baselineSource = str(flags, 'baseline');
    if (thresholds.length === 0 && maxRegression.length === 0) {
      throw new UserError("Nothing to gate on: give --thresholds (e.g. 'accuracy >= 0.9') and/or --max-regression with --baseline.", { field: '--thresholds', code: 'InvalidInput' });
    }
    if (maxRegression.length > 0 && !baselineSource) {
      throw new UserError('--max-regression compares with a baseline: also give --baseline.', { field: '--max-regression', code: 'InvalidInput' });
    }

    const runsDir = str(flags, 'runs-dir') ?? '.llmops/runs';
    const current = await loadMetrics(source, { field: '--metrics', runsDir });
    if (current.ignored.length) io.log.info(`Not numbers, so not gated: ${current.ignored.join(', ')}`);
    const baseline = baselineSource ? await loadMetrics(baselineSource, { field: '--baseline', runsDir }) : undefined;
    const result = evaluateGate({ metrics: current.metrics, thresholds, baseline: baseline?.metrics, maxRegression });
    const report = renderGateReport(result, { metrics: current.metrics, metricsOrigin: current.origin, baselineOrigin: baseline?.origin });

    const reportFile = str(flags, 'report-file');
    if (reportFile) {
      const path = resolve(reportFile);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, report, 'utf8');
    }
    io.stdout(forTerminal(report));
    for (const note of result.notes) io.log.info(`Note: ${note}`);
    if (result.passed) return 0;
    io.log.error(`Gate failed: ${result.failures.map((f) => f.message).join('; ')}`);
    return 1;
  }
};

/** The report file keeps Markdown's entities; a terminal shows the characters they stand for. */
function forTerminal(markdown: string): string {
  return markdown.replace(/&gt;/g, '>').replace(/&lt;/g, '<').replace(/&amp;/g, '&');
}
