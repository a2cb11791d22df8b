/** Typed inputs of action-evaluate (names and defaults as in action.yml). */
import { parseMetricList, type BuiltinMetricName } from '@llmops/evaluate';
import { CACHE_MODES, parseColumnMapping, type CacheMode } from '@llmops/flow';
import { getBoolean, getChoice, getKeyValues, getNumber, getPath, getString, workspaceDir } from '@llmops/github';


export interface EvaluateInputs {
  run?: string;
  flow?: string;
  runFile?: string;
  data?: string;
  columnMapping?: Record<string, unknown>;
  connectionsFile?: string;
  environmentVariables?: Record<string, string>;
  concurrency: number;
  runsDir: string;
  name?: string;
  python: string;
  cache: CacheMode;
  cacheDir: string;
  metrics: BuiltinMetricName[];
  prediction?: string;
  groundTruth?: string;
  normalize: boolean;
  baseline?: string;
  metricsFile?: string;
  reportFile?: string;
  artifactName?: string;
  artifactRetentionDays?: number;
  workspace: string;
}

/** Reads and checks every input before anything runs, so a typo fails fast with its input named. */
export function getInputs(): EvaluateInputs {
  const columnMapping = getString('column-mapping');
  return {
    run: getString('run'),
    flow: getPath('flow'),
    runFile: getPath('run-file'),
    data: getPath('data'),
    columnMapping: columnMapping ? parseColumnMapping(columnMapping, 'column-mapping') : undefined,
    connectionsFile: getPath('connections-file'),
    environmentVariables: getKeyValues('environment-variables'),
    concurrency: getNumber('concurrency', { default: 16, min: 1, max: 256, integer: true }),
    runsDir: getPath('runs-dir', { default: '.llmops/runs' }),
    name: getString('name'),
    python: getString('python', { default: 'python3' }),
    cache: getChoice('cache', CACHE_MODES, { default: 'off' }),
    cacheDir: getPath('cache-dir', { default: '.llmops/cache' }),
    metrics: parseMetricList(getString('metrics', { default: '' }), 'metrics'),
    prediction: getString('prediction'),
    groundTruth: getString('ground-truth'),
    normalize: getBoolean('normalize', { default: true }),
    baseline: getString('baseline'),
    metricsFile: getPath('metrics-file'),
    reportFile: getPath('report-file'),
    artifactName: getString('artifact-name'),
    artifactRetentionDays: getNumber('artifact-retention-days', { min: 1, max: 90, integer: true }),
    workspace: workspaceDir()
  };
}
