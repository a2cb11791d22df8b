import { readFile, stat } from 'node:fs/promises';
import { UserError, type Log } from '@llmops/common';
import type { AzureConnectionOptions } from '../connection.js';
import { resolveAzureCredential, type AzureCredentialInputs } from '../credentials.js';
import { WorkspaceClient, type WorkspaceClientOptions } from '../workspace.js';
import { ensureServingEnvironment, readRequirements, resolveGivenEnvironment, type ResolvedEnvironment } from './environment.js';
import { parseModelReference, resolveModel } from './model-ref.js';
import { validateDeploymentName, validateEndpointName } from './names.js';
import { rollout, type DeployResult, type RolloutPlan, type RolloutTuning } from './rollout.js';
import { parseSmokeExpectation, parseSmokeRequest, parseTrafficStages, requestTimeoutIso, validateEnvironmentVariables } from './settings.js';

export const DEFAULT_INSTANCE_TYPE = 'Standard_DS3_v2';
export const DEFAULT_WAIT_MINUTES = 45;

/** Plain options shared by action-deploy and `llmops deploy` (text as the user typed it). */
export interface DeployCommandOptions {
  /** `azureml:<name>:<version>`, `<name>:<version>`, `<name>@latest`, or the model version ARM id. */
  model: string;
  endpointName: string;
  deploymentName?: string;
  /** The local flow folder; its requirements.txt (if any) becomes an image build context. */
  flow?: string;
  instanceType?: string;
  instanceCount?: number;
  /** An environment ARM id or `<name>:<version>`, used instead of building one. */
  environment?: string;
  environmentVariables?: Record<string, string>;
  /** `100` or rising stages such as `10,50,100`. */
  traffic?: string;
  /** Path of a JSON file with the flow inputs to score. */
  smokeTestRequest?: string;
  /** YAML/JSON `{status, keys, values}`. */
  smokeTestExpect?: string;
  deletePrevious?: boolean;
  /** Seconds, 1–300. */
  requestTimeout?: number;
  /** Minutes each long-running operation may take, default 45. */
  waitTimeout?: number;
  grantRoles?: boolean;
  azure?: AzureCredentialInputs & { resourceGroup?: string; workspace?: string };
}

/** What the caller's environment supplies: GitHub's OIDC tokens, endpoints, env, tuning. */
export interface DeployCommandContext {
  getIdToken?: (audience: string) => Promise<string>;
  env?: Record<string, string | undefined>;
  connection?: AzureConnectionOptions;
  workspaceOptions?: Pick<WorkspaceClientOptions, 'pollIntervalMs' | 'maxWaitMs' | 'retry'>;
  rollout?: RolloutTuning;
}

/** The options checked before anything is read from or sent to Azure. */
interface CheckedOptions {
  endpointName: string;
  deploymentName?: string;
  instanceType: string;
  instanceCount: number;
  trafficStages: number[];
  requestTimeout?: string;
  waitMs: number;
  smokeTest?: RolloutPlan['smokeTest'];
  environmentVariables: Record<string, string>;
}

async function checkOptions(options: DeployCommandOptions, log: Log): Promise<CheckedOptions> {
  const endpointName = validateEndpointName(options.endpointName);
  const deploymentName = options.deploymentName?.trim() ? validateDeploymentName(options.deploymentName) : undefined;
  const instanceCount = options.instanceCount ?? 1;
  if (!Number.isInteger(instanceCount) || instanceCount < 1) throw new UserError(`\`instance-count\` must be a whole number of at least 1, got ${instanceCount}`, { field: 'instance-count', code: 'InvalidInput' });
  const waitMinutes = options.waitTimeout ?? DEFAULT_WAIT_MINUTES;
  if (!(waitMinutes > 0)) throw new UserError(`\`wait-timeout\` must be a positive number of minutes, got ${waitMinutes}`, { field: 'wait-timeout', code: 'InvalidInput' });
  const expect = parseSmokeExpectation(options.smokeTestExpect);
  let smokeTest: CheckedOptions['smokeTest'];
  if (options.smokeTestRequest?.trim()) {
    const file = options.smokeTestRequest.trim();
    const text = await readFile(file, 'utf8').catch(() => { throw new UserError(`Cannot read the smoke-test request file ${file}`, { file, field: 'smoke-test-request', code: 'InvalidInput' }); });
    smokeTest = { body: parseSmokeRequest(text, file), expect };
  } else if (options.smokeTestExpect?.trim()) {
    throw new UserError('`smoke-test-expect` needs `smoke-test-request` (a JSON file with the flow inputs to send)', { field: 'smoke-test-request', code: 'InvalidInput' });
  } else {
    log.warning('No `smoke-test-request`: the new deployment gets traffic without being called first. Add a JSON file of flow inputs to test it before it goes live.', { field: 'smoke-test-request' });
  }
  return {
    endpointName, deploymentName, instanceCount, smokeTest,
    instanceType: options.instanceType?.trim() || DEFAULT_INSTANCE_TYPE,
    trafficStages: parseTrafficStages(options.traffic),
    requestTimeout: requestTimeoutIso(options.requestTimeout),
    waitMs: waitMinutes * 60_000,
    environmentVariables: validateEnvironmentVariables(options.environmentVariables)
  };
}

/**
 * `llmops deploy` / action-deploy: validate, sign in, resolve the model and the serving
 * environment, then roll out (rollout.ts). A rollout that failed and was rolled back is
 * returned with `succeeded: false`; the caller reports it and fails.
 */
export async function deployFlowModel(options: DeployCommandOptions, log: Log, context: DeployCommandContext = {}): Promise<DeployResult> {
  const checked = await checkOptions(options, log);
  const azure = options.azure ?? {};
  const resolved = await resolveAzureCredential(azure, { log, getIdToken: context.getIdToken, env: context.env ?? process.env, connection: context.connection });
  const workspace = WorkspaceClient.fromCredential(resolved, azure, { maxWaitMs: checked.waitMs, ...context.workspaceOptions, log });

  const model = await resolveModel(workspace, parseModelReference(options.model, workspace));
  if (!model.properties['azureml.promptflow.source_flow_id']) {
    log.warning(`Model ${model.name}:${model.version} has no 'azureml.promptflow.source_flow_id' property; it may not be a Prompt flow (register it with action-register).`, { field: 'model' });
  }
  const environment = await resolveEnvironment(workspace, options, log);
  const plan: RolloutPlan = {
    endpointName: checked.endpointName, deploymentName: checked.deploymentName, model, environment,
    instanceType: checked.instanceType, instanceCount: checked.instanceCount, environmentVariables: checked.environmentVariables,
    requestTimeout: checked.requestTimeout, trafficStages: checked.trafficStages, smokeTest: checked.smokeTest,
    deletePrevious: options.deletePrevious ?? true, grantRoles: options.grantRoles ?? true
  };
  return rollout(workspace, plan, log, { maxWaitMs: checked.waitMs, ...context.rollout, tlsOptions: context.rollout?.tlsOptions ?? resolved.connection.tlsOptions });
}

async function resolveEnvironment(workspace: WorkspaceClient, options: DeployCommandOptions, log: Log): Promise<ResolvedEnvironment> {
  if (options.environment?.trim()) return resolveGivenEnvironment(workspace, options.environment);
  if (!options.flow?.trim()) {
    log.info('No `flow` folder given: deploying on the Prompt flow serving image without extra packages. If the flow has a requirements.txt, set `flow` (or `environment`).');
    return ensureServingEnvironment(workspace, undefined, log);
  }
  const flowDir = options.flow.trim();
  const info = await stat(flowDir).catch(() => undefined);
  if (!info?.isDirectory()) throw new UserError(`Flow folder not found: ${flowDir}`, { file: flowDir, field: 'flow', code: 'FlowNotFound' });
  const requirements = await readRequirements(flowDir);
  if (requirements !== undefined) log.info(`The flow has a requirements.txt; the serving image is built with it during deployment.`);
  return ensureServingEnvironment(workspace, requirements, log);
}
