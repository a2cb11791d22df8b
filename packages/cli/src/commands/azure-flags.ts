import type { FlagSpec, ParsedFlags } from '../args.js';
import { str } from '../args.js';

/** The Azure sign-in and workspace flags shared by register and deploy. */
export const AZURE_FLAGS: Record<string, FlagSpec> = {
  subscription: { kind: 'string', description: 'Azure subscription id.' },
  'resource-group': { kind: 'string', description: 'Resource group of the workspace.' },
  workspace: { kind: 'string', description: 'Azure ML workspace name.' },
  'client-id': { kind: 'string', description: 'Service principal / app id (with --tenant-id; secret from AZURE_CLIENT_SECRET).' },
  'tenant-id': { kind: 'string', description: 'Entra tenant id.' }
};

/** Sign-in falls back to AZURE_* variables or an Azure CLI login; the credentials JSON is read from AZURE_CREDENTIALS. */
export function azureOptions(flags: ParsedFlags) {
  return {
    azureCredentials: process.env.AZURE_CREDENTIALS,
    clientId: str(flags, 'client-id'),
    tenantId: str(flags, 'tenant-id'),
    subscription: str(flags, 'subscription'),
    resourceGroup: str(flags, 'resource-group'),
    workspace: str(flags, 'workspace')
  };
}
