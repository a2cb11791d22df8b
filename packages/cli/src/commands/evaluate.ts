/**
 * `llmops evaluate`: action-evaluate from a terminal. Scores a run with an evaluation
 * flow (like `pf run create --file run_evaluation.yml --run <base>`), built-in metrics,
 * or both; prints the metrics as `pf run show-metrics` does and writes the report.
 */
import { isAbsolute, relative } from 'node:path';
import { UserError } from '@llmops/common';
import { evaluate, parseMetricList, stringifyMetrics } from '@llmops/evaluate';
import { parseColumnMapping, parseEnvironmentVariables, parseLlmCacheMode, runFlow } from '@llmops/flow';
import { helpText, list, num, parseFlags, str, type FlagSpec } from '../args.js';
import type { Command } from '../command.js';

const FLAGS: Record<string, FlagSpec> = {
  run: { kind: 'string', description: 'The run to score: a run directory or a run name under --runs-dir (default: run: in --file).' },
  flow: { kind: 'string', description: 'Evaluation flow directory or flow.dag.yaml.', alias: 'f' },
  file: { kind: 'string', description: 'A Prompt flow run.yml for the evaluation flow (e.g. run_evaluation.yml); flags override its keys.' },
  'run-file': { kind: 'string', description: 'Same as --file.' },
  data: { kind: 'string', description: 'Data for the evaluation flow, and for ${data.x} of built-in metrics (default there: the base run\'s data).' },
  'column-mapping': { kind: 'list', description: "Evaluation flow inputs, e.g. groundtruth='${data.answer}' prediction='${run.outputs.category}'." },
  'connections-file': { kind: 'list', description: 'YAML file(s) of connections for LLM nodes; values may be ${env:VAR}.' },
  'environment-variables': { kind: 'list', description: 'KEY=value pairs for the evaluation flow.' },
  concurrency: { kind: 'string', description: 'Lines of the evaluation flow run at once (default 16).' },
  'line-timeout': { kind: 'string', description: 'Seconds before a line times out (default 600).' },
  'runs-dir': { kind: 'string', description: 'Where runs are found by name and the evaluation run is written (default .llmops/runs).' },
  name: { kind: 'string', description: 'Name of the evaluation run.', alias: 'n' },
  python: { kind: 'string', description: 'Python interpreter for Python nodes (default python3).' },
  cache: { kind: 'string', description: 'LLM cache: off | auto | replay | record (default off).' },
  'cache-dir': { kind: 'string', description: 'LLM cache directory (default .llmops/cache).' },
  metrics: { kind: 'list', description: 'Built-in metrics: accuracy precision recall f1 confusion_matrix exact_match.' },
  prediction: { kind: 'string', description: "The prediction for built-in metrics, e.g. '${run.outputs.category}'." },
  'ground-truth': { kind: 'string', description: "The expected answer for built-in metrics, e.g. '${data.answer}'." },
  normalize: { kind: 'boolean', description: 'Trim and lowercase labels before comparing (the default; --normalize=false to turn off).' },
  'no-normalize': { kind: 'boolean', description: 'Compare labels as written.' },
  baseline: { kind: 'string', description: 'Metrics to compare with: JSON, a metrics file, a run directory or a run name.' },
  'metrics-file': { kind: 'string', description: 'Where to write the metrics (default: metrics.json of the evaluation run, or <run>/evaluation/metrics.json).' },
  'report-file': { kind: 'string', description: 'Where to write the Markdown report (default: report.md next to the metrics file).' },
  'worst-lines': { kind: 'string', description: 'Wrong lines shown in the report (default 10).' }
};

const flag = (name: string) => `--${name === 'run-file' ? 'file' : name}`;

export const evaluateCommand: Command = {
  name: 'evaluate',
  summary: 'Score a run with an evaluation flow and/or built-in metrics; print the metrics, write the report.',
  help: () =>
    helpText(
      'evaluate',
      'Score a run with an evaluation flow (like `pf run create --file run_evaluation.yml --run <base>`) and/or built-in metrics. Prints the metrics as JSON (like `pf run show-metrics`) and writes the metrics file, its details and a Markdown report.',
      FLAGS
    ),
  async run(argv, io) {
    const { flags, positionals } = parseFlags(argv, FLAGS, 'evaluate');
    if (positionals.length > 0) {
      throw new UserError(`Unexpected argument '${positionals[0]}' for 'llmops evaluate'; give the run as --run.`, { field: positionals[0] });
    }
    const cache = parseLlmCacheMode(str(flags, 'cache'), { field: '--cache' });
    if (str(flags, 'file') && str(flags, 'run-file')) {
      throw new UserError("Give --file or --run-file, not both (they are the same option).", { field: '--file' });
    }
    const mapping = list(flags, 'column-mapping');
    const environment = list(flags, 'environment-variables');
    const metrics = list(flags, 'metrics');
    const cwd = process.cwd();
    const result = await evaluate(
      {
        run: str(flags, 'run'),
        flow: str(flags, 'flow'),
        runFile: str(flags, 'file') ?? str(flags, 'run-file'),
        data: str(flags, 'data'),
        columnMapping: mapping ? parseColumnMapping(mapping, '--column-mapping') : undefined,
        connectionsFile: list(flags, 'connections-file'),
        environmentVariables: environment ? parseEnvironmentVariables(environment, '--environment-variables') : undefined,
        concurrency: num(flags, 'concurrency'),
        lineTimeoutSec: num(flags, 'line-timeout'),
        runsDir: str(flags, 'runs-dir'),
        name: str(flags, 'name'),
        python: str(flags, 'python'),
        cache,
        cacheDir: str(flags, 'cache-dir'),
        runFlow,
        metrics: metrics ? parseMetricList(metrics.join(','), '--metrics') : undefined,
        prediction: str(flags, 'prediction'),
        groundTruth: str(flags, 'ground-truth'),
        normalize: flags['no-normalize'] === true ? false : flags.normalize !== false,
        baseline: str(flags, 'baseline'),
        metricsFile: str(flags, 'metrics-file'),
        reportFile: str(flags, 'report-file'),
        worstLines: num(flags, 'worst-lines'),
        cwd,
        fieldName: flag
      },
      io.log
    );
    const shown = (p: string) => {
      const rel = relative(cwd, p);
      return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : p;
    };
    io.log.info(`Metrics: ${shown(result.metricsFile)}`);
    if (result.detailsFile) io.log.info(`Details: ${shown(result.detailsFile)}`);
    io.log.info(`Report: ${shown(result.reportFile)}`);
    io.stdout(`${stringifyMetrics(result.metrics, 4)}\n`);
    return 0;
  }
};
