import { deployFlowModel, renderDeploySummary } from '@llmops/azure';
import { UserError } from '@llmops/common';
import { helpText, list, num, parseFlags, str, type FlagSpec } from '../args.js';
import type { Command } from '../command.js';
import { AZURE_FLAGS, azureOptions } from './azure-flags.js';

const FLAGS: Record<string, FlagSpec> = {
  model: { kind: 'string', description: 'Model: azureml:<name>:<version>, <name>:<version>, <name>@latest or an ARM id.' },
  'endpoint-name': { kind: 'string', description: 'Online endpoint (created if missing).' },
  'deployment-name': { kind: 'string', description: 'Deployment name (default: alternate blue/green).' },
  flow: { kind: 'string', description: 'Local flow folder; its requirements.txt becomes an image build context.' },
  'instance-type': { kind: 'string', description: 'VM size (default Standard_DS3_v2).' },
  'instance-count': { kind: 'string', description: 'Instances (default 1).' },
  environment: { kind: 'string', description: 'Environment ARM id or name:version instead of the Prompt flow serving image.' },
  'environment-variables': { kind: 'list', description: 'KEY=value pairs for the deployment.' },
  traffic: { kind: 'string', description: 'Traffic for the new deployment: 100, or stages such as 10,50,100.' },
  'smoke-test-request': { kind: 'string', description: 'JSON file with the flow inputs to score.' },
  'smoke-test-expect': { kind: 'string', description: 'Expected reply as YAML/JSON {status, keys, values}.' },
  'keep-previous': { kind: 'boolean', description: 'Keep the previous deployment after the shift.' },
  'request-timeout': { kind: 'string', description: 'Scoring request timeout in seconds (1-300).' },
  'wait-timeout': { kind: 'string', description: 'Minutes each long-running operation may take (default 45).' },
  'no-grant-roles': { kind: 'boolean', description: 'Do not grant the endpoint identity its roles.' },
  ...AZURE_FLAGS
};

function keyValues(values: string[] | undefined): Record<string, string> | undefined {
  if (!values) return undefined;
  return Object.fromEntries(
    values.map((pair) => {
      const i = pair.indexOf('=');
      if (i <= 0) throw new UserError(`--environment-variables expects KEY=VALUE pairs, got '${pair}'.`, { field: '--environment-variables' });
      return [pair.slice(0, i), pair.slice(i + 1)];
    })
  );
}

export const deployCommand: Command = {
  name: 'deploy',
  summary: 'Deploy a registered flow to a managed online endpoint: smoke test, traffic shift, rollback on failure.',
  help: () => helpText('deploy', 'Blue/green deployment of a flow model with a smoke test and automatic rollback.', FLAGS),
  async run(argv, io) {
    const { flags } = parseFlags(argv, FLAGS, 'deploy');
    const model = str(flags, 'model');
    const endpointName = str(flags, 'endpoint-name');
    if (!model) throw new UserError('--model is required.', { field: '--model' });
    if (!endpointName) throw new UserError('--endpoint-name is required.', { field: '--endpoint-name' });
    const result = await deployFlowModel(
      {
        model,
        endpointName,
        deploymentName: str(flags, 'deployment-name'),
        flow: str(flags, 'flow'),
        instanceType: str(flags, 'instance-type'),
        instanceCount: num(flags, 'instance-count'),
        environment: str(flags, 'environment'),
        environmentVariables: keyValues(list(flags, 'environment-variables')),
        traffic: str(flags, 'traffic'),
        smokeTestRequest: str(flags, 'smoke-test-request'),
        smokeTestExpect: str(flags, 'smoke-test-expect'),
        deletePrevious: flags['keep-previous'] !== true,
        requestTimeout: num(flags, 'request-timeout'),
        waitTimeout: num(flags, 'wait-timeout'),
        grantRoles: flags['no-grant-roles'] !== true,
        azure: azureOptions(flags)
      },
      io.log
    );
    io.stdout(`${renderDeploySummary(result)}\n`);
    return result.succeeded ? 0 : 1;
  }
};
