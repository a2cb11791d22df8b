import { getBoolean, getKeyValues, getNumber, getPath, getString } from '@llmops/github';
import { DEFAULT_INSTANCE_TYPE, DEFAULT_WAIT_MINUTES, type DeployCommandOptions } from '@llmops/azure';

/** The action's inputs, typed and validated, as the shared deploy command's options. */
export function getInputs(): DeployCommandOptions {
  return {
    model: getString('model', { required: true }),
    endpointName: getString('endpoint-name', { required: true }),
    deploymentName: getString('deployment-name'),
    flow: getPath('flow'),
    instanceType: getString('instance-type', { default: DEFAULT_INSTANCE_TYPE }),
    instanceCount: getNumber('instance-count', { default: 1, integer: true, min: 1 }),
    environment: getString('environment'),
    environmentVariables: getKeyValues('environment-variables') ?? {},
    traffic: getString('traffic', { default: '100' }),
    smokeTestRequest: getPath('smoke-test-request'),
    smokeTestExpect: getString('smoke-test-expect'),
    deletePrevious: getBoolean('delete-previous', { default: true }),
    requestTimeout: getNumber('request-timeout', { integer: true, min: 1, max: 300 }),
    waitTimeout: getNumber('wait-timeout', { default: DEFAULT_WAIT_MINUTES, min: 1 }),
    grantRoles: getBoolean('grant-roles', { default: true }),
    azure: {
      azureCredentials: getString('azure-credentials'),
      clientId: getString('client-id'),
      tenantId: getString('tenant-id'),
      subscription: getString('subscription'),
      resourceGroup: getString('resource-group'),
      workspace: getString('workspace')
    }
  };
}
