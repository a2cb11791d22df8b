import { formatTraffic } from './endpoint.js';
import type { DeployResult } from './rollout.js';

const LOG_LIMIT = 12_000;

function code(text: string, lang = ''): string {
  const fence = text.includes('```') ? '````' : '```';
  return `${fence}${lang}\n${text.replace(/\s+$/, '')}\n${fence}`;
}

function tail(text: string, limit = LOG_LIMIT): string {
  return text.length > limit ? `… (${text.length - limit} earlier characters cut)\n${text.slice(-limit)}` : text;
}

function prettyJson(text: string): { text: string; lang: string } {
  try {
    return { text: JSON.stringify(JSON.parse(text), null, 2), lang: 'json' };
  } catch {
    return { text, lang: '' };
  }
}

/** The job summary (or terminal report) of one rollout, success or rollback. */
export function renderDeploySummary(result: DeployResult): string {
  const lines: string[] = [];
  const target = `\`${result.deploymentName}\` on endpoint \`${result.endpointName}\``;
  if (result.succeeded) lines.push(`## Deployed ${target}`);
  else if (result.rolledBack) lines.push(`## Deployment of ${target} failed and was rolled back`);
  else lines.push(`## Deployment of ${target} failed; the rollback is incomplete`);
  lines.push('');
  if (result.failure) lines.push(`**Reason:** ${result.failure.reason}`, '');
  for (const problem of result.rollbackProblems) lines.push(`- :warning: ${problem}`);
  for (const warning of result.warnings) lines.push(`- :warning: ${warning}`);
  if (result.rollbackProblems.length || result.warnings.length) lines.push('');

  const env = result.environment;
  const envText = env.kind === 'given' ? `\`${env.id}\`` : `\`${env.name}:${env.version}\` (${env.kind === 'build' ? 'built with the flow\'s requirements.txt' : 'Prompt flow serving image'})`;
  const previous = result.previousDeployment
    ? `\`${result.previousDeployment}\`${result.deletedDeployments.includes(result.previousDeployment) ? ' (deleted)' : ''}`
    : 'none';
  lines.push('| | |', '| --- | --- |');
  lines.push(`| Model | \`${result.model.name}:${result.model.version}\` |`);
  lines.push(`| Endpoint | \`${result.endpointName}\`${result.endpointCreated ? ' (created)' : ''} |`);
  if (result.scoringUri) lines.push(`| Scoring URI | ${result.scoringUri} |`);
  lines.push(`| Deployment | \`${result.deploymentName}\`: ${result.instanceType} × ${result.instanceCount} |`);
  lines.push(`| Environment | ${envText} |`);
  lines.push(`| Previous deployment | ${previous} |`);
  lines.push(`| Traffic before | ${formatTraffic(result.trafficBefore)} |`);
  lines.push(`| Traffic now | ${formatTraffic(result.trafficAfter)} |`);
  lines.push(`| Smoke test | ${result.smokeTest} |`);
  if (result.roles?.missing.length) lines.push(`| Roles not granted | ${result.roles.missing.join(', ')} |`);
  lines.push('');

  for (const { share, result: smoke } of result.smokeTests) {
    const verdict = smoke.passed ? 'passed' : `failed: ${smoke.problems.join('; ')}`;
    const modelError = smoke.modelError ? ` (container status ${smoke.modelError.statusCode ?? '?'}${smoke.modelError.reason ? `, ${smoke.modelError.reason}` : ''})` : '';
    lines.push(`### Smoke test at ${share} % traffic: HTTP ${smoke.status}, ${smoke.durationMs} ms, ${verdict}${modelError}`, '');
    const reply = prettyJson(smoke.reply);
    if (reply.text) lines.push(code(reply.text, reply.lang), '');
  }

  if (result.logs) {
    lines.push(`### Logs of \`${result.deploymentName}\``, '');
    for (const [title, text] of [['Storage initializer (model download)', result.logs.storageInitializer], ['Inference server (the flow)', result.logs.inferenceServer]] as const) {
      lines.push(`<details><summary>${title}</summary>`, '', code(tail(text?.trim() ? text : '(empty)')), '', '</details>', '');
    }
  }
  return `${lines.join('\n').trimEnd()}\n`;
}
