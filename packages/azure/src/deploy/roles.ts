import { createHash } from 'node:crypto';
import { isRestError } from '@azure/core-rest-pipeline';
import type { Log } from '@llmops/common';
import { describeRestError, type WorkspaceClient } from '../workspace.js';

/** The Azure RBAC api-version for role assignments. */
export const ROLE_ASSIGNMENTS_API_VERSION = '2022-04-01';

/**
 * What the endpoint's identity needs on the workspace to serve a flow: read the
 * connections' secrets (what `enforce_access_to_default_secret_stores` asks the service to
 * grant), and use workspace assets as genaiops's deployment does.
 */
export const ENDPOINT_ROLES = [
  { name: 'Azure Machine Learning Workspace Connection Secrets Reader', id: 'ea01e6af-a1c1-4350-9563-ad00f8c72ec5' },
  { name: 'AzureML Data Scientist', id: 'f6c7c914-8db3-469d-8ca1-694a8f32e121' }
] as const;

export interface RoleGrantResult {
  granted: string[];
  alreadyAssigned: string[];
  /** Roles we could not assign (the caller lacks the right); a warning told the user what to do. */
  missing: string[];
}

interface RoleAssignment { properties?: { roleDefinitionId?: string; principalId?: string } }

/** A stable assignment name (a GUID from scope, principal and role), so a retry is idempotent. */
function assignmentName(scope: string, principalId: string, roleId: string): string {
  const h = createHash('sha256').update(`${scope.toLowerCase()}|${principalId}|${roleId}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * Give the endpoint's identity the roles above on the workspace when the caller may
 * (Owner, User Access Administrator); otherwise warn once, naming the roles to assign.
 * Never fails the deployment: the roles may have been assigned by someone else already.
 */
export async function grantEndpointRoles(workspace: WorkspaceClient, endpointName: string, principalId: string, log: Log): Promise<RoleGrantResult> {
  const scope = workspace.workspaceArmId;
  const result: RoleGrantResult = { granted: [], alreadyAssigned: [], missing: [] };
  const definition = (id: string) => `/subscriptions/${workspace.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${id}`;
  const refused = (error: unknown, roles: readonly string[]) => {
    result.missing.push(...roles);
    // The client's 403 message advises on workspace roles; the service's own words are clearer here.
    const cause = error instanceof Error && isRestError(error.cause) ? error.cause : error;
    log.warning(
      `Could not give endpoint ${endpointName}'s identity (principal ${principalId}) the role(s) ${roles.map((r) => `'${r}'`).join(', ')} on ${workspace.describe()} (${describeRestError(cause)}). ` +
        'Ask an Owner or User Access Administrator to assign them, or set `grant-roles: false` if they are assigned another way.',
      { field: 'grant-roles' }
    );
  };
  let existing: RoleAssignment[];
  try {
    const listed = await workspace.rest<{ value?: RoleAssignment[] }>(`Listing role assignments of endpoint ${endpointName}`, {
      method: 'GET', path: `${scope}/providers/Microsoft.Authorization/roleAssignments`, apiVersion: ROLE_ASSIGNMENTS_API_VERSION,
      query: { $filter: `principalId eq '${principalId}'` }
    });
    existing = listed.body?.value ?? [];
  } catch (error) {
    refused(error, ENDPOINT_ROLES.map((r) => r.name));
    return result;
  }
  for (const role of ENDPOINT_ROLES) {
    const has = existing.some((a) => a.properties?.principalId === principalId && a.properties.roleDefinitionId?.toLowerCase().endsWith(`/${role.id}`));
    if (has) {
      result.alreadyAssigned.push(role.name);
      continue;
    }
    try {
      await workspace.rest(`Assigning '${role.name}' to endpoint ${endpointName}`, {
        method: 'PUT', path: `${scope}/providers/Microsoft.Authorization/roleAssignments/${assignmentName(scope, principalId, role.id)}`, apiVersion: ROLE_ASSIGNMENTS_API_VERSION,
        body: { properties: { roleDefinitionId: definition(role.id), principalId, principalType: 'ServicePrincipal' } }
      });
      result.granted.push(role.name);
      log.info(`Gave endpoint ${endpointName}'s identity the '${role.name}' role on workspace ${workspace.workspace}.`);
    } catch (error) {
      const cause = error instanceof Error && isRestError(error.cause) ? error.cause : error;
      if (isRestError(cause) && cause.code === 'RoleAssignmentExists') {
        result.alreadyAssigned.push(role.name);
        continue;
      }
      refused(error, [role.name]);
    }
  }
  return result;
}
