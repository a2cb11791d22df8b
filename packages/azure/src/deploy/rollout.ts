import type { OnlineDeployment } from '@azure/arm-machinelearning';
import type { TlsSettings } from '@azure/core-rest-pipeline';
import { SecretMasker, type Log } from '@llmops/common';
import type { WorkspaceClient } from '../workspace.js';
import { EndpointOps, formatTraffic, sameTraffic, stageTraffic, type EndpointLogs } from './endpoint.js';
import type { ResolvedEnvironment } from './environment.js';
import { withEndpointLock } from './lock.js';
import type { ResolvedModel } from './model-ref.js';
import { chooseDeployment } from './names.js';
import { grantEndpointRoles, type RoleGrantResult } from './roles.js';
import type { SmokeExpectation } from './settings.js';
import { runSmokeTest, type SmokeTestResult } from './smoke-test.js';

/** Everything the rollout needs, validated and resolved. */
export interface RolloutPlan {
  endpointName: string;
  /** Else blue/green, alternating against the live deployment. */
  deploymentName?: string;
  model: ResolvedModel;
  environment: ResolvedEnvironment;
  instanceType: string;
  instanceCount: number;
  /** The user's variables; Prompt flow's serving variables are added. */
  environmentVariables: Record<string, string>;
  /** ISO-8601, e.g. `PT90S`. */
  requestTimeout?: string;
  /** The new deployment's share after each stage, ending at 100. */
  trafficStages: number[];
  smokeTest?: { body: Record<string, unknown>; expect: SmokeExpectation };
  deletePrevious: boolean;
  grantRoles: boolean;
}

export interface RolloutTuning {
  /** Re-read interval for a busy endpoint, default 10 s. */
  settleIntervalMs?: number;
  /** Bound for each wait, default 45 min. */
  maxWaitMs?: number;
  /** Smoke-test retry delay for transient answers (502/503), default 10 s. */
  smokeRetryDelayMs?: number;
  /** TLS settings for the scoring call (tests trust a private CA). */
  tlsOptions?: TlsSettings;
}

export type RolloutStage = 'deployment' | 'smoke-test' | 'traffic';

export interface SmokeTestRecord {
  /** The new deployment's traffic share when it ran. */
  share: number;
  result: SmokeTestResult;
}

export interface DeployResult {
  succeeded: boolean;
  endpointName: string;
  deploymentName: string;
  previousDeployment?: string;
  scoringUri?: string;
  endpointCreated: boolean;
  model: ResolvedModel;
  environment: ResolvedEnvironment;
  instanceType: string;
  instanceCount: number;
  trafficBefore: Record<string, number>;
  /** The traffic when the rollout ended (restored on failure). */
  trafficAfter: Record<string, number>;
  smokeTests: SmokeTestRecord[];
  /** `passed`, `failed`, or `skipped` (no `smoke-test-request`). */
  smokeTest: 'passed' | 'failed' | 'skipped';
  deletedDeployments: string[];
  /** True when a failed rollout was undone: traffic as before, the new deployment deleted. */
  rolledBack: boolean;
  failure?: { stage: RolloutStage; reason: string };
  /** What the rollback could not do (then `rolledBack` is false). */
  rollbackProblems: string[];
  /** The new deployment's container logs, fetched on failure. */
  logs?: EndpointLogs;
  roles?: RoleGrantResult;
  warnings: string[];
}

/** Thrown inside the rollout to carry the stage that failed. */
class StageFailed extends Error {
  constructor(readonly stage: RolloutStage, message: string) {
    super(message);
  }
}

const oneLine = (error: unknown) => (error instanceof Error ? error.message : String(error)).replace(/\s*\r?\n\s*/g, ' ').trim();

/** Prompt flow's serving settings (azureml-apis §2.3), then the user's, which win. */
export function deploymentEnvironmentVariables(workspace: WorkspaceClient, endpoint: string, deployment: string, user: Readonly<Record<string, string>>): Record<string, string> {
  const override = [
    `deployment.subscription_id=${workspace.subscriptionId}`,
    `deployment.resource_group=${workspace.resourceGroup}`,
    `deployment.workspace_name=${workspace.workspace}`,
    `deployment.endpoint_name=${endpoint}`,
    `deployment.deployment_name=${deployment}`
  ].join(',');
  return { PRT_CONFIG_OVERRIDE: override, PROMPTFLOW_RUN_MODE: 'serving', ...user };
}

export function deploymentBody(workspace: WorkspaceClient, plan: RolloutPlan, location: string, deployment: string): OnlineDeployment {
  return {
    location,
    sku: { name: 'Default', capacity: plan.instanceCount },
    properties: {
      endpointComputeType: 'Managed',
      description: `Prompt flow model ${plan.model.name}:${plan.model.version} (llmops-actions)`,
      model: plan.model.id,
      environmentId: plan.environment.id,
      instanceType: plan.instanceType,
      environmentVariables: deploymentEnvironmentVariables(workspace, plan.endpointName, deployment, plan.environmentVariables),
      ...(plan.requestTimeout ? { requestSettings: { requestTimeout: plan.requestTimeout } } : {})
    }
  };
}

/**
 * The blue/green rollout on one endpoint: create the endpoint if missing, add the new
 * deployment at 0 %, smoke-test it, move traffic stage by stage (smoke-testing at each),
 * then delete the old deployment. Any failure after the endpoint's traffic was captured
 * restores exactly that traffic and deletes the new deployment, and is reported in the
 * result (not thrown). Errors before that point throw: nothing has changed yet.
 */
export async function rollout(workspace: WorkspaceClient, plan: RolloutPlan, log: Log, tuning: RolloutTuning = {}): Promise<DeployResult> {
  return withEndpointLock(`${workspace.workspaceArmId}/onlineEndpoints/${plan.endpointName}`.toLowerCase(), () => rolloutLocked(workspace, plan, log, tuning));
}

async function rolloutLocked(workspace: WorkspaceClient, plan: RolloutPlan, log: Log, tuning: RolloutTuning): Promise<DeployResult> {
  // Secrets read here (endpoint keys) are also masked in what goes to the summary.
  const masker = new SecretMasker();
  const secretLog: Log = { ...log, setSecret: (s) => { masker.add(s); log.setSecret(s); } };
  const ops = new EndpointOps(workspace, plan.endpointName, secretLog, { settleIntervalMs: tuning.settleIntervalMs, maxWaitMs: tuning.maxWaitMs });

  let endpoint = await ops.get();
  const endpointCreated = !endpoint;
  if (!endpoint) endpoint = await ops.create((await workspace.getWorkspace()).location ?? '');
  endpoint = await ops.waitUntilSettled();
  const location = endpoint.location;
  let roles: RoleGrantResult | undefined;
  const principalId = endpoint.identity?.principalId;
  if (plan.grantRoles && principalId) roles = await grantEndpointRoles(workspace, plan.endpointName, principalId, log);

  const trafficBefore = { ...(endpoint.properties.traffic ?? {}) };
  const choice = chooseDeployment(trafficBefore, plan.deploymentName);
  const name = choice.name;
  log.info(`Endpoint ${plan.endpointName} serves ${formatTraffic(trafficBefore)}; deploying ${plan.model.name}:${plan.model.version} as ${name}.`);

  const result: DeployResult = {
    succeeded: false, endpointName: plan.endpointName, deploymentName: name, previousDeployment: choice.previous,
    scoringUri: endpoint.properties.scoringUri, endpointCreated, model: plan.model, environment: plan.environment,
    instanceType: plan.instanceType, instanceCount: plan.instanceCount, trafficBefore, trafficAfter: trafficBefore,
    smokeTests: [], smokeTest: plan.smokeTest ? 'failed' : 'skipped', deletedDeployments: [], rolledBack: false,
    rollbackProblems: [], roles, warnings: []
  };

  // A deployment by this name with no traffic is a leftover (an earlier failed or abandoned
  // run); updating it in place could keep its broken state, so it is replaced.
  if (await ops.getDeployment(name)) {
    log.info(`Deployment ${name} exists without traffic (left over from an earlier run); deleting it first.`);
    await ops.waitUntilSettled();
    await ops.deleteDeployment(name);
  }

  let created = false;
  // Where we are, for failures that are not raised as a StageFailed (a key that cannot be read).
  let stage: RolloutStage = 'deployment';
  try {
    try {
      await ops.createDeployment(name, deploymentBody(workspace, plan, location, name));
      created = true;
    } catch (error) {
      created = (await ops.getDeployment(name).catch(() => undefined)) !== undefined;
      throw new StageFailed('deployment', `Deployment ${name} failed: ${oneLine(error)}`);
    }
    log.info(`Deployment ${name} is ready (0 % traffic).`);
    stage = 'smoke-test';

    const key = plan.smokeTest ? await ops.primaryKey() : undefined;
    const smoke = async (share: number) => {
      if (!plan.smokeTest || !key) return;
      const scoringUri = result.scoringUri ?? (await ops.require()).properties.scoringUri;
      if (!scoringUri) throw new StageFailed('smoke-test', `Endpoint ${plan.endpointName} has no scoring URI`);
      const outcome = await runSmokeTest({ scoringUri, key, deployment: name, body: plan.smokeTest.body, expect: plan.smokeTest.expect, tlsOptions: tuning.tlsOptions, retryDelayMs: tuning.smokeRetryDelayMs });
      outcome.reply = masker.mask(outcome.reply);
      outcome.problems = outcome.problems.map((p) => masker.mask(p));
      result.smokeTests.push({ share, result: outcome });
      if (!outcome.passed) throw new StageFailed('smoke-test', `Smoke test of ${name} at ${share} % traffic failed: ${outcome.problems.join('; ')}`);
      log.info(`Smoke test of ${name} at ${share} % traffic passed (HTTP ${outcome.status}, ${outcome.durationMs} ms).`);
    };
    await smoke(0);

    const hasOthers = Object.entries(trafficBefore).some(([n, w]) => w > 0 && n !== name);
    // A stage below 100 % needs another deployment to carry the rest.
    const stages = hasOthers ? plan.trafficStages : [100];
    for (const share of stages) {
      stage = 'traffic';
      const traffic = stageTraffic(trafficBefore, name, share);
      try {
        await ops.setTraffic(traffic);
      } catch (error) {
        throw new StageFailed('traffic', `Moving traffic to ${formatTraffic(traffic)} failed: ${oneLine(error)}`);
      }
      result.trafficAfter = traffic;
      log.info(`Endpoint ${plan.endpointName} now serves ${formatTraffic(traffic)}.`);
      stage = 'smoke-test';
      await smoke(share);
    }
    result.smokeTest = plan.smokeTest ? 'passed' : 'skipped';
  } catch (error) {
    // Whatever went wrong once the deployment was started, it must not stay half-done.
    result.failure = error instanceof StageFailed ? { stage: error.stage, reason: masker.mask(error.message) } : { stage, reason: masker.mask(oneLine(error)) };
    // The caller fails with this reason; logging it as an error too would annotate it twice.
    log.info(`Rollout failed: ${result.failure.reason}`);
    await rollBack(ops, result, created || (await ops.getDeployment(name).catch(() => undefined)) !== undefined, log, masker);
    return result;
  }

  result.succeeded = true;
  if (plan.deletePrevious) {
    for (const old of choice.live.filter((n) => n !== name)) {
      try {
        await ops.waitUntilSettled();
        await ops.deleteDeployment(old);
        result.deletedDeployments.push(old);
        log.info(`Deleted the previous deployment ${old}.`);
      } catch (error) {
        // The new deployment is live and healthy: a leftover costs money but breaks nothing.
        const warning = `Deployment ${name} is live, but deleting the previous deployment ${old} failed: ${oneLine(error)}. Delete it by hand to stop paying for it.`;
        result.warnings.push(warning);
        log.warning(warning);
      }
    }
  }
  return result;
}

/**
 * Undo a failed rollout: fetch the new deployment's logs, restore the traffic captured at
 * the start (only if it changed), delete the new deployment. Each step runs even when an
 * earlier one failed; what could not be done is listed in `rollbackProblems`.
 */
async function rollBack(ops: EndpointOps, result: DeployResult, deploymentExists: boolean, log: Log, masker: SecretMasker): Promise<void> {
  const name = result.deploymentName;
  if (deploymentExists) {
    const logs = await ops.getLogs(name);
    result.logs = { storageInitializer: masker.mask(logs.storageInitializer ?? ''), inferenceServer: masker.mask(logs.inferenceServer ?? '') };
  }
  log.info(`Rolling back: restoring traffic to ${formatTraffic(result.trafficBefore)}${deploymentExists ? ` and deleting ${name}` : ''}.`);
  try {
    const current = await ops.waitUntilSettled();
    const now = current.properties.traffic ?? {};
    if (!sameTraffic(now, result.trafficBefore)) await ops.setTraffic({ ...result.trafficBefore });
    const restored = (await ops.require()).properties.traffic ?? {};
    result.trafficAfter = { ...restored };
    if (!sameTraffic(restored, result.trafficBefore)) result.rollbackProblems.push(`traffic is ${formatTraffic(restored)}, not ${formatTraffic(result.trafficBefore)}`);
  } catch (error) {
    result.rollbackProblems.push(`restoring the traffic to ${formatTraffic(result.trafficBefore)} failed: ${masker.mask(oneLine(error))}`);
  }
  if (deploymentExists && result.rollbackProblems.length === 0) {
    try {
      await ops.waitUntilSettled();
      await ops.deleteDeployment(name);
      result.deletedDeployments.push(name);
    } catch (error) {
      result.rollbackProblems.push(`deleting the failed deployment ${name} failed: ${masker.mask(oneLine(error))}`);
    }
  } else if (deploymentExists) {
    // It may still carry traffic; Azure refuses to delete it, and it must keep serving.
    result.rollbackProblems.push(`the failed deployment ${name} was kept because the traffic could not be restored`);
  }
  result.rolledBack = result.rollbackProblems.length === 0;
  if (result.rolledBack) log.info(`Rolled back: endpoint ${result.endpointName} serves ${formatTraffic(result.trafficAfter)} as before.`);
  else log.info(`Rollback incomplete: ${result.rollbackProblems.join('; ')}. Check endpoint ${result.endpointName} in the Azure ML studio.`);
}
