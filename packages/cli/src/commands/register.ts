import { parseMetricsInput, parseTagsInput, registerCommand as registerFlow } from '@llmops/azure';
import { UserError } from '@llmops/common';
import { helpText, list, parseFlags, str, type FlagSpec } from '../args.js';
import type { Command } from '../command.js';
import { AZURE_FLAGS, azureOptions } from './azure-flags.js';

const FLAGS: Record<string, FlagSpec> = {
  flow: { kind: 'string', description: 'Flow directory to register.', alias: 'f' },
  'model-name': { kind: 'string', description: 'Model name.' },
  description: { kind: 'string', description: 'Model description.' },
  tags: { kind: 'list', description: 'Tags as key=value pairs.' },
  metrics: { kind: 'string', description: 'Metrics to tag the model with: JSON, a metrics file or a run directory.' },
  run: { kind: 'string', description: 'The run this model came from (lineage): a run directory or name.' },
  target: { kind: 'string', description: 'azureml (default) or local (a folder registry, offline).' },
  'registry-dir': { kind: 'string', description: 'Folder registry for --target local (default .llmops/registry).' },
  ...AZURE_FLAGS
};

export const registerCommand: Command = {
  name: 'register',
  summary: 'Register a flow as a model (Azure ML, or a local folder registry).',
  help: () => helpText('register', 'Register a flow folder as a model version; reuses the version with the same content.', FLAGS),
  async run(argv, io) {
    const { flags } = parseFlags(argv, FLAGS, 'register');
    const flow = str(flags, 'flow');
    const modelName = str(flags, 'model-name');
    if (!flow) throw new UserError('--flow is required.', { field: '--flow' });
    if (!modelName) throw new UserError('--model-name is required.', { field: '--model-name' });
    const target = str(flags, 'target') ?? 'azureml';
    if (target !== 'azureml' && target !== 'local') throw new UserError(`--target must be azureml or local, got '${target}'.`, { field: '--target' });
    const result = await registerFlow(
      {
        flow,
        modelName,
        description: str(flags, 'description'),
        tags: parseTagsInput(list(flags, 'tags')?.join('\n')),
        metrics: await parseMetricsInput(str(flags, 'metrics')),
        run: str(flags, 'run'),
        target,
        registryDir: str(flags, 'registry-dir') ?? '.llmops/registry',
        azure: azureOptions(flags)
      },
      io.log
    );
    io.stdout(`${JSON.stringify(result, null, 4)}\n`);
    return 0;
  }
};
