/**
 * Fields of each Prompt flow connection type: which are configs, which are secrets,
 * which are required, and their defaults (`_sdk/schemas/_connection.py`, `core/_connection.py`).
 */
export interface ConnectionSpec {
  /** Config fields with their defaults (undefined: no default, omitted when unset). */
  configs: Record<string, string | undefined>;
  secrets: string[];
  required: string[];
  /** Types whose api_key is optional when `auth_mode: meid_token` (Entra ID). */
  keyOptionalWithMeid?: boolean;
}

const AAD = 'meid_token';
export const MEID_TOKEN = AAD;

export const CONNECTION_SPECS: Record<string, ConnectionSpec> = {
  azure_open_ai: {
    configs: { api_base: undefined, api_type: 'azure', api_version: '2024-02-01', auth_mode: 'key', resource_id: undefined },
    secrets: ['api_key'],
    required: ['api_base', 'api_key'],
    keyOptionalWithMeid: true
  },
  open_ai: { configs: { organization: undefined, base_url: undefined }, secrets: ['api_key'], required: ['api_key'] },
  serverless: { configs: { api_base: undefined }, secrets: ['api_key'], required: ['api_key', 'api_base'] },
  cognitive_search: { configs: { api_base: undefined, api_version: '2023-11-01' }, secrets: ['api_key'], required: ['api_key', 'api_base'] },
  serp: { configs: {}, secrets: ['api_key'], required: ['api_key'] },
  azure_content_safety: {
    configs: { endpoint: undefined, api_version: '2023-10-01', api_type: 'Content Safety' },
    secrets: ['api_key'],
    required: ['api_key', 'endpoint']
  },
  form_recognizer: {
    configs: { endpoint: undefined, api_version: '2023-07-31', api_type: 'Form Recognizer' },
    secrets: ['api_key'],
    required: ['api_key', 'endpoint']
  },
  azure_ai_services: {
    configs: { endpoint: undefined, auth_mode: 'key' },
    secrets: ['api_key'],
    required: ['api_key', 'endpoint'],
    keyOptionalWithMeid: true
  },
  qdrant: { configs: { api_base: undefined }, secrets: ['api_key'], required: ['api_key', 'api_base'] },
  weaviate: { configs: { api_base: undefined }, secrets: ['api_key'], required: ['api_key', 'api_base'] }
};

/** Keys a connection YAML may carry besides its fields. */
export const COMMON_KEYS = new Set(['$schema', 'name', 'type', 'module', 'created_date', 'last_modified_date', 'expiry_time']);

/** `AzureOpenAI`, `AzureOpenAIConnection`, `azure_open_ai` → `azure_open_ai` (Prompt flow's camel_to_snake). */
export function normalizeConnectionType(type: string): string {
  const bare = type.trim().replace(/Connection$/, '');
  return bare
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase();
}
