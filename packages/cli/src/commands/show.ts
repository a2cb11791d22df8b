import { resolve } from 'node:path';
import { UserError } from '@llmops/common';
import { dumpsPy, pyStr, readRun } from '@llmops/flow';
import { helpText, num, parseFlags, str, type FlagSpec } from '../args.js';
import type { Command } from '../command.js';
import { gridTable } from '../table.js';

const RUN_FLAGS: Record<string, FlagSpec> = {
  'runs-dir': { kind: 'string', description: 'Where run directories are (default .llmops/runs).' }
};

function runArgument(positionals: string[], flags: Record<string, unknown>, command: string): string {
  const name = positionals[0] ?? (typeof flags.name === 'string' ? flags.name : undefined);
  if (!name) throw new UserError(`'llmops ${command}' needs a run: a run directory or a run name.`, { field: 'RUN' });
  return name;
}

export const showMetricsCommand: Command = {
  name: 'show-metrics',
  summary: 'Print a run\'s metrics as JSON (like `pf run show-metrics`).',
  help: () => helpText('show-metrics', "Print a run's metrics.json.", { ...RUN_FLAGS, name: { kind: 'string', description: 'Run name.', alias: 'n' } }, 'RUN [options]'),
  async run(argv, io) {
    const specs = { ...RUN_FLAGS, name: { kind: 'string', description: 'Run name.', alias: 'n' } } as Record<string, FlagSpec>;
    const { flags, positionals } = parseFlags(argv, specs, 'show-metrics');
    const run = await readRun(runArgument(positionals, flags, 'show-metrics'), resolve(str(flags, 'runs-dir') ?? '.llmops/runs'));
    run.ensureCompleted();
    // `pf run show-metrics` prints json.dumps(metrics, indent=4), which escapes non-ASCII.
    io.stdout(`${dumpsPy(run.metrics(), { indent: 4, ensureAscii: true })}\n`);
    return 0;
  }
};

export const showDetailsCommand: Command = {
  name: 'show-details',
  summary: 'Print a run\'s inputs and outputs per line (like `pf run show-details`).',
  help: () =>
    helpText(
      'show-details',
      "Print a run's lines as a grid: inputs.<name> then outputs.<name>; failed lines show (Failed).",
      { ...RUN_FLAGS, 'max-results': { kind: 'string', description: 'Lines shown (default 100).', alias: 'r' }, 'all-results': { kind: 'boolean', description: 'Show every line.' } },
      'RUN [options]'
    ),
  async run(argv, io) {
    const specs: Record<string, FlagSpec> = {
      ...RUN_FLAGS,
      name: { kind: 'string', description: 'Run name.', alias: 'n' },
      'max-results': { kind: 'string', description: 'Lines shown.', alias: 'r' },
      'all-results': { kind: 'boolean', description: 'Show every line.' }
    };
    const { flags, positionals } = parseFlags(argv, specs, 'show-details');
    const run = await readRun(runArgument(positionals, flags, 'show-details'), resolve(str(flags, 'runs-dir') ?? '.llmops/runs'));
    const inputs = run.inputs();
    const outputs = new Map(run.outputs().map((o) => [Number(o.line_number), o]));
    const limit = flags['all-results'] === true ? Infinity : num(flags, 'max-results') ?? 100;
    const inputKeys = [...new Set(inputs.flatMap((row) => Object.keys(row)))];
    const outputKeys = [...new Set([...outputs.values()].flatMap((row) => Object.keys(row).filter((k) => k !== 'line_number')))];
    const headers = ['', ...inputKeys.map((k) => `inputs.${k}`), ...outputKeys.map((k) => `outputs.${k}`)];
    const rows = inputs.slice(0, limit).map((row, index) => {
      const out = outputs.get(Number(row.line_number));
      return [
        String(index),
        ...inputKeys.map((k) => pyStr(row[k])),
        ...outputKeys.map((k) => (out ? pyStr(out[k]) : '(Failed)'))
      ];
    });
    io.stdout(`${gridTable(headers, rows)}\n`);
    return 0;
  }
};
