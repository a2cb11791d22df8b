/** Typed inputs of action-run-flow (names and defaults as in action.yml). */
import { getChoice, getKeyValues, getNumber, getPath, getString, workspaceDir } from '@llmops/github';
import { parseColumnMapping, parseConnectionOverrides, CACHE_MODES, type CacheMode, type RunFlowOptions } from '@llmops/flow';
import { UserError } from '@llmops/common';

/** The run's options (as the CLI passes them too), plus the step's failure rule. */
export type RunFlowInputs = Omit<RunFlowOptions, 'log'> & {
  concurrency: number;
  lineTimeoutSec: number;
  allowedFailureRate: number;
  runsDir: string;
  python: string;
  cache: CacheMode;
  cacheDir: string;
  cwd: string;
};

export function getInputs(): RunFlowInputs {
  const backend = getChoice('backend', ['local', 'azureml'] as const, { default: 'local' });
  if (backend !== 'local') {
    throw new UserError("backend 'azureml' is not available yet; use backend: local (the default).", { field: 'backend' });
  }
  const columnMapping = getString('column-mapping');
  const connections = getString('connections');
  return {
    flow: getPath('flow'),
    data: getPath('data'),
    runFile: getPath('run-file'),
    columnMapping: columnMapping ? parseColumnMapping(columnMapping, 'column-mapping') : undefined,
    run: getString('run'),
    variant: getString('variant'),
    connections: connections ? parseConnectionOverrides(connections, 'connections') : undefined,
    connectionsFile: getPath('connections-file'),
    environmentVariables: getKeyValues('environment-variables'),
    concurrency: getNumber('concurrency', { default: 16, min: 1, max: 256, integer: true }),
    lineTimeoutSec: getNumber('line-timeout', { default: 600, min: 1 }),
    allowedFailureRate: getNumber('allowed-failure-rate', { default: 0, min: 0, max: 1 }),
    runsDir: getPath('runs-dir', { default: '.llmops/runs' }),
    name: getString('name'),
    python: getString('python', { default: 'python3' }),
    cache: getChoice('cache', CACHE_MODES, { default: 'off' }),
    cacheDir: getPath('cache-dir', { default: '.llmops/cache' }),
    cwd: workspaceDir()
  };
}
