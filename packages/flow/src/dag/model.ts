/**
 * The in-memory model of a DAG flow (`flow.dag.yaml`), after loading, variant
 * selection and static validation. Mirrors Prompt flow 1.18's `contracts/flow.py`.
 */

export type ValueTypeName = 'int' | 'double' | 'bool' | 'string' | 'list' | 'object' | 'image';

export interface FlowInputDef {
  name: string;
  type: ValueTypeName;
  /** Present only when the YAML declares a non-null default. */
  default?: unknown;
  description?: string;
  isChatInput?: boolean;
  isChatHistory?: boolean;
  /** `enum`, when declared. */
  enum?: unknown[];
}

export interface FlowOutputDef {
  name: string;
  type: ValueTypeName;
  reference: InputAssignment;
  description?: string;
  isChatOutput?: boolean;
  evaluationOnly?: boolean;
}

/** A parsed node input or `activate.when` value (Prompt flow's InputAssignment). */
export type InputAssignment =
  | { kind: 'literal'; value: unknown }
  | { kind: 'flowInput'; name: string }
  /**
   * `${node}` / `${node.output}` / `${node.output.a['k'][0]}`: `section` is the text after the node name
   * ('output' for these; anything else, e.g. `outputs` or `output[0]`, fails each line that reads it),
   * `path` the raw property text after the section ('' for none).
   */
  | { kind: 'nodeOutput'; node: string; section: string; path: string };

export type NodeType = 'llm' | 'python' | 'prompt' | 'custom_llm' | 'csharp';

export interface NodeSource {
  type: 'code' | 'package' | 'package_with_prompt';
  /** Relative to the flow directory, as written in the YAML. */
  path?: string;
  tool?: string;
}

export interface ActivateConfig {
  when: InputAssignment;
  is: unknown;
}

export interface FlowNode {
  name: string;
  type: NodeType;
  source: NodeSource;
  /** In YAML order. */
  inputs: Record<string, InputAssignment>;
  connection?: string;
  api?: 'chat' | 'completion' | string;
  provider?: string;
  module?: string;
  aggregation: boolean;
  useVariants: boolean;
  activate?: ActivateConfig;
  /** The variant this node came from, when it used variants. */
  variantId?: string;
  enableCache?: boolean;
  comment?: string;
  /** Where the node is defined in the YAML, e.g. `nodes[2]` or `node_variants.summarize.variants.variant_1.node`. */
  field?: string;
  /** 1-based line of that definition. */
  line?: number;
}

export interface FlowVariant {
  node: Omit<FlowNode, 'name'> & { name?: string };
}

export interface Flow {
  /** Absolute path of the flow directory. */
  dir: string;
  /** Absolute path of the YAML file. */
  file: string;
  /** Flow name: the directory's base name. */
  name: string;
  inputs: FlowInputDef[];
  outputs: FlowOutputDef[];
  /** Topologically sorted; line nodes and aggregation nodes together. */
  nodes: FlowNode[];
  environmentVariables: Record<string, string>;
  additionalIncludes: string[];
  type?: 'standard' | 'evaluation' | 'chat' | string;
  messageFormat?: string;
  /** The variant choice applied (`${node.variant_id}`), if any. */
  nodeVariant?: string;
  /** The YAML document as loaded, with the chosen variant and connection overrides applied (written to the snapshot). */
  raw: Record<string, unknown>;
  /** Metadata. */
  language?: string;
  displayName?: string;
  description?: string;
  tags?: Record<string, unknown>;
  /** Things Prompt flow only warns about (e.g. an output referencing an aggregation node, which is dropped). */
  warnings?: string[];
  /**
   * Connection overrides for non-LLM nodes, not applied yet because they need the
   * Python tools' parameter types: pass them to `applyPythonConnectionOverrides`.
   */
  pendingConnectionOverrides?: Record<string, Record<string, unknown>>;
}
