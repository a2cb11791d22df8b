/**
 * Variant selection on the YAML document, as `overwrite_variant`
 * (`_sdk/_orchestrator/utils.py`) does before the executor sees the flow:
 * each `use_variants: true` node becomes `{name, ...variants[id].node}`, where
 * `id` is the `${node.variant_id}` choice for the tuned node, else the node's
 * `default_variant_id`.
 */
import { UserError } from '@llmops/common';
import { isPlainObject } from '../py/pyvalue.js';
import type { YamlPath } from './yaml-source.js';

export interface VariantChoice {
  node: string;
  variantId: string;
}

/** `parse_variant`: `${node.variant_id}` (optionally quoted) → node and variant id. */
export function parseVariantChoice(variant: string): VariantChoice {
  const match = /^\$\{([^.]+).([^}]+)\}/.exec(stripQuotation(variant));
  if (!match) {
    throw new UserError(`Invalid variant format: ${variant}, variant should be in format of \${TUNING_NODE.VARIANT}`, {
      code: 'InvalidVariantFormat',
      field: 'variant'
    });
  }
  return { node: match[1]!, variantId: match[2]! };
}

function stripQuotation(value: string): string {
  if ((value.startsWith('"') && value.endsWith('"')) || (value.startsWith("'") && value.endsWith("'"))) return value.slice(1, -1);
  return value;
}

/** One node after variant selection, with where it was written in the YAML. */
export interface SelectedNode {
  data: Record<string, unknown>;
  /** YAML path of the node's definition (`nodes[i]`, or the variant's `node`). */
  path: YamlPath;
  /** The variant applied, when the node used variants. */
  variantId?: string;
}

/** A variant problem: the message is Prompt flow's InvalidFlowError text; `path` locates it in the YAML. */
export class VariantError extends Error {
  constructor(message: string, readonly path: YamlPath) {
    super(message);
  }
}

/**
 * Replace every `use_variants` node by its chosen variant. `nodes` are the
 * YAML node dicts in order; `nodeVariants` is the `node_variants` mapping.
 */
export function selectVariants(nodes: unknown[], nodeVariants: unknown, choice?: VariantChoice): SelectedNode[] {
  const variants = isPlainObject(nodeVariants) ? nodeVariants : {};
  const names = nodes.map((n) => (isPlainObject(n) ? n.name : undefined));
  if (choice) {
    if (!names.includes(choice.node)) throw new VariantError(`Node ${choice.node} not found in flow`, ['nodes']);
    const forNode = variants[choice.node];
    const table = isPlainObject(forNode) && isPlainObject(forNode.variants) ? forNode.variants : undefined;
    if (!table || !(choice.variantId in table)) {
      throw new VariantError(`Variant ${choice.variantId} not found for node ${choice.node}`, ['node_variants', choice.node, 'variants']);
    }
  }
  return nodes.map((node, index): SelectedNode => {
    const path: YamlPath = ['nodes', index];
    if (!isPlainObject(node) || !node.use_variants) return { data: isPlainObject(node) ? node : {}, path };
    const name = String(node.name);
    const config = variants[name];
    if (!isPlainObject(config)) throw new VariantError(`No variant for the node ${name}.`, [...path, 'use_variants']);
    let variantId = choice && choice.node === name ? choice.variantId : undefined;
    if (!variantId) {
      if (!('default_variant_id' in config)) {
        throw new VariantError(`Default variant id is not specified for ${name}.`, ['node_variants', name]);
      }
      variantId = String(config.default_variant_id);
    }
    const table = isPlainObject(config.variants) ? config.variants : {};
    const variant = table[variantId];
    if (!isPlainObject(variant)) {
      throw new VariantError(`Cannot find the variant ${variantId} for ${name}.`, ['node_variants', name, 'default_variant_id']);
    }
    if (!isPlainObject(variant.node)) {
      throw new VariantError('Failed to overwrite tuning node with variant', ['node_variants', name, 'variants', variantId]);
    }
    return { data: { name, ...variant.node }, path: ['node_variants', name, 'variants', variantId, 'node'], variantId };
  });
}
