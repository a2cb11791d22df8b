/** What a run reports to people: the job summary and the failure-rate rule. */
import type { RunFlowResult } from './batch.js';

const MAX_FAILED_LINES_SHOWN = 10;

function cell(text: string, max = 300): string {
  const flat = text.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  return s < 120 ? `${s.toFixed(1)} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

export function renderRunSummary(result: RunFlowResult): string {
  const icon = result.linesFailed === 0 ? '✅' : result.linesCompleted === 0 ? '❌' : '⚠️';
  const lines = [
    `### ${icon} Flow run \`${result.runName}\``,
    '',
    '| status | lines | completed | failed | duration | tokens (prompt / completion) |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    `| ${result.status} | ${result.linesTotal} | ${result.linesCompleted} | ${result.linesFailed} | ${formatDuration(result.durationMs)} | ${result.usage.totalTokens} (${result.usage.promptTokens} / ${result.usage.completionTokens}) |`,
    ''
  ];
  const metrics = Object.entries(result.metrics);
  if (metrics.length) {
    lines.push('| metric | value |', '| --- | ---: |', ...metrics.map(([k, v]) => `| ${cell(k)} | ${cell(String(v))} |`), '');
  }
  if (result.failedLines.length) {
    const shown = result.failedLines.slice(0, MAX_FAILED_LINES_SHOWN);
    lines.push(
      `**Failed lines** (${result.failedLines.length}${result.failedLines.length > shown.length ? `, first ${shown.length} shown` : ''}):`,
      '',
      '| line | error |',
      '| ---: | --- |',
      ...shown.map((l) => `| ${l.lineNumber} | ${cell(l.message)} |`),
      ''
    );
  }
  if (result.aggregationError) {
    lines.push(`**Aggregation node \`${result.aggregationError.node}\` failed:** ${cell(result.aggregationError.message)}`, '');
  }
  lines.push(`Run directory: \`${result.runDir}\``);
  return lines.join('\n');
}

/** The message that fails the step when more lines failed than allowed, else undefined. */
export function failureRateExceeded(result: RunFlowResult, allowedFailureRate: number): string | undefined {
  if (result.linesTotal === 0 || result.linesFailed === 0) return undefined;
  const rate = result.linesFailed / result.linesTotal;
  if (rate <= allowedFailureRate) return undefined;
  const first = result.failedLines[0];
  return (
    `${result.linesFailed}/${result.linesTotal} lines failed (${(rate * 100).toFixed(1)}%), more than allowed-failure-rate ${allowedFailureRate}. ` +
    (first ? `First failure, line ${first.lineNumber}: ${first.message}` : '')
  );
}
