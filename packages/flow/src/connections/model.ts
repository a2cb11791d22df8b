/**
 * A Prompt flow connection, resolved (no `${env:…}` left) and ready to use.
 * Typed connections keep their non-secret fields in `configs` (api_base,
 * api_type, api_version, organization, base_url, …) and their secret fields in
 * `secrets` (api_key, …). Custom connections keep their own configs/secrets.
 */
export interface Connection {
  name: string;
  /** The YAML `type`: azure_open_ai | open_ai | serverless | custom | cognitive_search | … */
  type: string;
  /** Prompt flow's class name: AzureOpenAIConnection, OpenAIConnection, ServerlessConnection, CustomConnection, … */
  className: string;
  configs: Record<string, string>;
  secrets: Record<string, string>;
}

/** YAML `type` → Prompt flow connection class name. */
export const CONNECTION_CLASS_NAMES: Record<string, string> = {
  azure_open_ai: 'AzureOpenAIConnection',
  open_ai: 'OpenAIConnection',
  serverless: 'ServerlessConnection',
  custom: 'CustomConnection',
  cognitive_search: 'CognitiveSearchConnection',
  serp: 'SerpConnection',
  azure_content_safety: 'AzureContentSafetyConnection',
  form_recognizer: 'FormRecognizerConnection',
  azure_ai_services: 'AzureAIServicesConnection',
  qdrant: 'QdrantConnection',
  weaviate: 'WeaviateConnection'
};
