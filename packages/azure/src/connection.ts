import type { TlsSettings } from '@azure/core-rest-pipeline';

/**
 * Where the Azure clouds live and how to reach them. Defaults are Azure public cloud;
 * sovereign clouds and Azure Stack override them (the `azure-credentials` JSON may carry
 * `resourceManagerEndpointUrl` / `activeDirectoryEndpointUrl`, as azure/login accepts).
 * Tests point them at fakes on 127.0.0.1 and trust the fakes' certificate via `tlsOptions`.
 */
export interface AzureConnectionOptions {
  /** ARM endpoint, default `https://management.azure.com`. */
  armEndpoint?: string;
  /** Entra ID authority host, default `https://login.microsoftonline.com`. */
  authorityHost?: string;
  /** Extra TLS settings (a private CA) for every Azure call: ARM, Entra ID and blob storage. */
  tlsOptions?: TlsSettings;
  /** Blob service URL of the datastore's account, when it cannot be derived (emulators). */
  blobEndpointOverride?: string;
}

export const DEFAULT_ARM_ENDPOINT = 'https://management.azure.com';
export const DEFAULT_AUTHORITY_HOST = 'https://login.microsoftonline.com';

export function armScope(armEndpoint = DEFAULT_ARM_ENDPOINT): string {
  return `${armEndpoint.replace(/\/+$/, '')}/.default`;
}
