import { resolve } from 'node:path';
import { UserError } from '@llmops/common';
import {
  CACHE_MODES,
  dumpsPy,
  failureRateExceeded,
  parseColumnMapping,
  parseConnectionOverrides,
  readRun,
  parseLlmCacheMode,
  runFlow
} from '@llmops/flow';
import { helpText, list, num, parseFlags, str, type FlagSpec } from '../args.js';
import type { Command } from '../command.js';

const FLAGS: Record<string, FlagSpec> = {
  flow: { kind: 'string', description: 'Flow directory or flow.dag.yaml.', alias: 'f' },
  data: { kind: 'string', description: 'Data file (.jsonl, .json, .csv, .tsv) or folder.' },
  file: { kind: 'string', description: 'A Prompt flow run.yml; flags override its keys.' },
  'column-mapping': { kind: 'list', description: "Input mapping, e.g. question='${data.question}' answer='${run.outputs.answer}'." },
  run: { kind: 'string', description: 'Base run (directory or name under --runs-dir) for ${run.outputs.x}.' },
  variant: { kind: 'string', description: 'Variant, as ${node_name.variant_id}.' },
  connections: { kind: 'list', description: 'Per-node connection overrides, e.g. classify.connection=my_aoai classify.deployment_name=gpt-4o.' },
  'connections-file': { kind: 'list', description: 'YAML file(s) of connections; values may be ${env:VAR}.' },
  'environment-variables': { kind: 'list', description: 'KEY=value pairs for the flow.' },
  concurrency: { kind: 'string', description: 'Lines run at once (default 16).' },
  'line-timeout': { kind: 'string', description: 'Seconds before a line times out (default 600).' },
  'allowed-failure-rate': { kind: 'string', description: 'Fraction of lines allowed to fail before exiting 1 (default 0).' },
  'runs-dir': { kind: 'string', description: 'Where run directories go (default .llmops/runs).' },
  name: { kind: 'string', description: 'Run name (default <flow>_<variant>_<timestamp>).', alias: 'n' },
  python: { kind: 'string', description: 'Python interpreter for Python nodes (default python3).' },
  cache: { kind: 'string', description: 'LLM cache: off | auto | replay | record (default off).' },
  'cache-dir': { kind: 'string', description: 'LLM cache directory (default .llmops/cache).' },
  resume: { kind: 'boolean', description: 'Continue an existing run directory, skipping completed lines.' },
  stream: { kind: 'boolean', description: 'Print each line as it finishes.', alias: 's' }
};

function keyValues(values: string[] | undefined, flag: string): Record<string, string> | undefined {
  if (!values) return undefined;
  const out: Record<string, string> = {};
  for (const pair of values) {
    const i = pair.indexOf('=');
    if (i <= 0) throw new UserError(`--${flag} expects KEY=VALUE pairs, got '${pair}'.`, { field: `--${flag}` });
    out[pair.slice(0, i)] = pair.slice(i + 1);
  }
  return out;
}

export const runCommand: Command = {
  name: 'run',
  summary: 'Bulk-run a flow over a dataset (like `pf run create`).',
  help: () => helpText('run', 'Bulk-run a flow over a dataset and write a Prompt flow run directory.', FLAGS),
  async run(argv, io) {
    const { flags } = parseFlags(argv, FLAGS, 'run');
    const cache = parseLlmCacheMode(str(flags, 'cache'), { field: '--cache' });
    const mapping = list(flags, 'column-mapping');
    const connections = list(flags, 'connections');
    const allowedFailureRate = num(flags, 'allowed-failure-rate') ?? 0;
    const stream = flags.stream === true;
    // Ctrl-C stops the run cleanly: finished lines stay on disk and --resume runs the rest.
    const stop = new AbortController();
    const onInterrupt = () => {
      io.log.warning('Interrupted: stopping after the lines in flight (press Ctrl-C again to quit at once).');
      process.off('SIGINT', onInterrupt);
      stop.abort(new Error('interrupted'));
    };
    process.on('SIGINT', onInterrupt);
    const result = await runFlow({
      signal: stop.signal,
      flow: str(flags, 'flow'),
      data: str(flags, 'data'),
      runFile: str(flags, 'file'),
      columnMapping: mapping ? parseColumnMapping(mapping.join('\n'), '--column-mapping') : undefined,
      run: str(flags, 'run'),
      variant: str(flags, 'variant'),
      connections: connections ? parseConnectionOverrides(connections.join('\n'), '--connections') : undefined,
      connectionsFile: list(flags, 'connections-file'),
      environmentVariables: keyValues(list(flags, 'environment-variables'), 'environment-variables'),
      concurrency: num(flags, 'concurrency'),
      lineTimeoutSec: num(flags, 'line-timeout'),
      runsDir: str(flags, 'runs-dir'),
      name: str(flags, 'name'),
      python: str(flags, 'python'),
      cache,
      cacheDir: str(flags, 'cache-dir'),
      resume: flags.resume === true,
      log: io.log,
      onLine: stream
        ? (line, progress) => {
            const detail = line.status === 'Completed' ? JSON.stringify(line.output) : line.error?.message ?? '';
            io.log.info(`[${progress.done}/${progress.total}] line ${line.lineNumber} ${line.status}: ${detail}`);
          }
        : undefined
    }).finally(() => process.off('SIGINT', onInterrupt));
    const record = await readRun(result.runDir, resolve(str(flags, 'runs-dir') ?? '.llmops/runs'));
    // `pf run create` prints json.dumps(run, indent=4): Python's float forms and \uXXXX escapes.
    io.stdout(`${dumpsPy(record.record, { indent: 4, ensureAscii: true })}\n`);
    if (result.status === 'Canceled') return 130;
    const exceeded = failureRateExceeded(result, allowedFailureRate);
    if (exceeded) {
      io.log.error(exceeded);
      return 1;
    }
    return 0;
  }
};
