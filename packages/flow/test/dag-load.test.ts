import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from '@jest/globals';
import { UserError } from '@llmops/common';
import { applyPythonConnectionOverrides, chatFlowInfo, ensureFlowValidInBatchMode, loadFlow, parseVariantChoice } from '../src/dag/index.js';
import { isPyFloat } from '../src/py/pyvalue.js';

const here = dirname(fileURLToPath(import.meta.url));
const WEB = join(here, 'fixtures/dag/web-classification');
const EVAL = join(here, 'fixtures/dag/eval-classification-accuracy');

const root = mkdtempSync(join(tmpdir(), 'dag-load-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function rejection(promise: Promise<unknown>): Promise<UserError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof UserError) return error;
    throw error;
  }
  throw new Error('expected a UserError');
}

describe('web-classification (variants)', () => {
  test('loads the default variant and sorts nodes topologically (stable)', async () => {
    const flow = await loadFlow(WEB);
    expect(flow.dir).toBe(WEB);
    expect(flow.file).toBe(join(WEB, 'flow.dag.yaml'));
    expect(flow.name).toBe('web-classification');
    expect(flow.nodes.map((n) => n.name)).toEqual([
      'fetch_text_content_from_url',
      'summarize_text_content',
      'prepare_examples',
      'classify_with_llm',
      'convert_to_dict'
    ]);
    const summarize = flow.nodes.find((n) => n.name === 'summarize_text_content')!;
    expect(summarize).toMatchObject({
      type: 'llm',
      variantId: 'variant_0',
      useVariants: true,
      connection: 'open_ai_connection',
      api: 'chat',
      source: { type: 'code', path: 'summarize_text_content.jinja2' },
      field: 'node_variants.summarize_text_content.variants.variant_0.node'
    });
    expect(summarize.inputs.text).toEqual({ kind: 'nodeOutput', node: 'fetch_text_content_from_url', section: 'output', path: '' });
    expect(summarize.inputs.max_tokens).toEqual({ kind: 'literal', value: 128 });
    expect(flow.nodeVariant).toBeUndefined();
    expect(flow.inputs).toEqual([
      { name: 'url', type: 'string', default: 'https://play.google.com/store/apps/details?id=com.twitter.android' }
    ]);
    expect(flow.outputs.map((o) => [o.name, o.reference])).toEqual([
      ['category', { kind: 'nodeOutput', node: 'convert_to_dict', section: 'output', path: 'category' }],
      ['evidence', { kind: 'nodeOutput', node: 'convert_to_dict', section: 'output', path: 'evidence' }]
    ]);
    expect(flow.warnings).toEqual([]);
  });

  test('a chosen variant replaces the node and is recorded, also in raw', async () => {
    const flow = await loadFlow(WEB, { variant: '${summarize_text_content.variant_1}' });
    const summarize = flow.nodes.find((n) => n.name === 'summarize_text_content')!;
    expect(summarize.variantId).toBe('variant_1');
    expect(summarize.source.path).toBe('summarize_text_content__variant_1.jinja2');
    expect(summarize.inputs.max_tokens).toEqual({ kind: 'literal', value: 256 });
    expect(flow.nodeVariant).toBe('${summarize_text_content.variant_1}');
    const rawNodes = flow.raw.nodes as Array<Record<string, unknown>>;
    // raw keeps YAML order, with the variant's node in place of `use_variants: true`.
    expect(rawNodes.map((n) => n.name)[2]).toBe('summarize_text_content');
    expect(rawNodes[2]).toMatchObject({ name: 'summarize_text_content', type: 'llm', source: { path: 'summarize_text_content__variant_1.jinja2' } });
    expect(rawNodes[2]!.use_variants).toBeUndefined();
    expect(flow.raw.node_variants).toBeDefined();
  });

  test('YAML floats stay Python floats in the model, plain numbers in raw', async () => {
    const flow = await loadFlow(WEB);
    const temperature = flow.nodes.find((n) => n.name === 'classify_with_llm')!.inputs.temperature!;
    expect(temperature).toEqual({ kind: 'literal', value: 0.2 });
    expect(flow.environmentVariables).toEqual({ PF_WORKER_COUNT: '2', RETRIES: '1.0', LABELS: '["App", "Channel", "Academic", "None"]' });
    expect((flow.raw.environment_variables as Record<string, unknown>).RETRIES).toBe(1);
  });

  test('unknown variant, unknown node and bad format fail with Prompt flow messages', async () => {
    const unknownVariant = await rejection(loadFlow(WEB, { variant: '${summarize_text_content.variant_9}' }));
    expect(unknownVariant.message).toBe('Variant variant_9 not found for node summarize_text_content');
    expect(unknownVariant.field).toBe('node_variants.summarize_text_content.variants');
    const unknownNode = await rejection(loadFlow(WEB, { variant: '${summarize.variant_1}' }));
    expect(unknownNode.message).toBe('Node summarize not found in flow');
    const badFormat = await rejection(loadFlow(WEB, { variant: 'variant_1' }));
    expect(badFormat.message).toBe('Invalid variant format: variant_1, variant should be in format of ${TUNING_NODE.VARIANT}');
  });

  test('parseVariantChoice follows parse_variant (quotes stripped, first dot splits)', () => {
    expect(parseVariantChoice("'${node.v_1}'")).toEqual({ node: 'node', variantId: 'v_1' });
    expect(parseVariantChoice('${a.b.c}')).toEqual({ node: 'a', variantId: 'b.c' });
  });

  test('a use_variants node without a default variant id fails', async () => {
    const dir = join(root, 'no-default');
    mkdirSync(dir);
    writeFileSync(join(dir, 'p.jinja2'), 'hi');
    const yaml = 'nodes:\n- name: p\n  use_variants: true\nnode_variants:\n  p:\n    variants:\n      v0:\n        node: {type: prompt, source: {type: code, path: p.jinja2}}\n';
    writeFileSync(join(dir, 'flow.dag.yaml'), yaml);
    const error = await rejection(loadFlow(dir));
    expect(error.message).toBe('Default variant id is not specified for p.');
    expect(error.line).toBe(5);
    const chosen = await loadFlow(dir, { variant: '${p.v0}' });
    expect(chosen.nodes[0]!.variantId).toBe('v0');
  });
});

describe('connection overrides', () => {
  test('llm nodes take connection, deployment_name and model (also in raw)', async () => {
    const flow = await loadFlow(WEB, {
      variant: '${summarize_text_content.variant_1}',
      connectionOverrides: {
        classify_with_llm: { connection: 'azure_open_ai_connection', deployment_name: 'gpt-4o' },
        summarize_text_content: { model: 'gpt-4o-mini' }
      }
    });
    const classify = flow.nodes.find((n) => n.name === 'classify_with_llm')!;
    expect(classify.connection).toBe('azure_open_ai_connection');
    expect(classify.inputs.deployment_name).toEqual({ kind: 'literal', value: 'gpt-4o' });
    expect(flow.nodes.find((n) => n.name === 'summarize_text_content')!.inputs.model).toEqual({ kind: 'literal', value: 'gpt-4o-mini' });
    const rawClassify = (flow.raw.nodes as Array<Record<string, unknown>>).find((n) => n.name === 'classify_with_llm')!;
    expect(rawClassify.connection).toBe('azure_open_ai_connection');
    expect((rawClassify.inputs as Record<string, unknown>).deployment_name).toBe('gpt-4o');
    expect(flow.pendingConnectionOverrides).toBeUndefined();
  });

  test('unsupported keys and unknown nodes fail like overwrite_connections', async () => {
    const unsupported = await rejection(loadFlow(WEB, { connectionOverrides: { classify_with_llm: { api_key: 'x', model: 'm' } } }));
    expect(unsupported.message).toBe(
      "Unsupported llm connection overwrite keys: dict_keys(['api_key']), only {'connection', 'deployment_name', 'model'} are supported."
    );
    expect(unsupported.field).toBe('connections.classify_with_llm');
    const unknown = await rejection(loadFlow(WEB, { connectionOverrides: { nope: { connection: 'c' } } }));
    expect(unknown.message).toBe('Node nope not found in flow');
  });

  test('python nodes wait for their tool types, then take connection-typed inputs', async () => {
    const flow = await loadFlow(WEB, { connectionOverrides: { fetch_text_content_from_url: { conn: 'my_custom', deployment_name: 'd1' } } });
    expect(flow.pendingConnectionOverrides).toEqual({ fetch_text_content_from_url: { conn: 'my_custom', deployment_name: 'd1' } });
    const seen: string[] = [];
    const applied = applyPythonConnectionOverrides(flow, flow.pendingConnectionOverrides, (node, input) => {
      seen.push(`${node.name}.${input}`);
      return input === 'conn';
    });
    const fetch = applied.nodes.find((n) => n.name === 'fetch_text_content_from_url')!;
    expect(fetch.inputs.conn).toEqual({ kind: 'literal', value: 'my_custom' });
    expect(fetch.inputs.deployment_name).toEqual({ kind: 'literal', value: 'd1' });
    expect(fetch.inputs.url).toEqual({ kind: 'flowInput', name: 'url' });
    expect(applied.pendingConnectionOverrides).toBeUndefined();
    const rawFetch = (applied.raw.nodes as Array<Record<string, unknown>>).find((n) => n.name === 'fetch_text_content_from_url')!;
    expect(rawFetch.inputs).toEqual({ url: '${inputs.url}', conn: 'my_custom', deployment_name: 'd1' });
    // The original flow is untouched.
    expect(flow.nodes.find((n) => n.name === 'fetch_text_content_from_url')!.inputs.conn).toBeUndefined();
    expect(seen).toContain('fetch_text_content_from_url.conn');

    expect(() => applyPythonConnectionOverrides(flow, { fetch_text_content_from_url: { connection: 'c' } }, () => false)).toThrow(
      "Unsupported llm connection overwrite keys: {'connection'}, only {'connection', 'deployment_name', 'model'} are supported."
    );
  });
});

describe('eval-classification-accuracy (aggregation)', () => {
  test('keeps the aggregation node last, drops the output referencing it with a warning', async () => {
    const flow = await loadFlow(join(EVAL, 'flow.dag.yaml'));
    expect(flow.nodes.map((n) => [n.name, n.aggregation])).toEqual([
      ['grade', false],
      ['calculate_accuracy', true]
    ]);
    expect(flow.outputs.map((o) => o.name)).toEqual(['grade']);
    expect(flow.warnings).toEqual(["Output 'accuracy' references a reduce node 'calculate_accuracy', will not take effect."]);
    expect(flow.inputs.map((i) => [i.name, i.type, i.default])).toEqual([
      ['groundtruth', 'string', 'APP'],
      ['prediction', 'string', 'APP']
    ]);
    expect(() => ensureFlowValidInBatchMode(flow)).not.toThrow();
    expect(() => ensureFlowValidInBatchMode({ ...flow, inputs: [] })).toThrow(
      'The input for flow cannot be empty in batch mode. Please review your flow and provide valid inputs.'
    );
  });
});

describe('other top-level keys', () => {
  test('environment_variables from a .env file, additional_includes, metadata, legacy reduce', async () => {
    const dir = join(root, 'misc');
    mkdirSync(dir);
    writeFileSync(join(dir, 'a.py'), '# tool\n');
    writeFileSync(join(dir, '.env'), '# comment\nexport A=1\nB="two\\nlines"\nC=\'raw\\n\'\nD=plain # trailing\n');
    writeFileSync(
      join(dir, 'flow.dag.yaml'),
      [
        'type: evaluation',
        'display_name: Misc',
        'environment_variables: .env',
        'additional_includes: [../shared/utils.py]',
        'message_format: openai-vision',
        'inputs:',
        '  ratio: {type: double, default: 1.0}',
        '  chat_history: {type: list, default: []}',
        '  q: {type: string, is_chat_input: true}',
        'outputs:',
        '  a: {type: string, reference: "${a.output}", is_chat_output: true}',
        'nodes:',
        '- name: a',
        '  type: python',
        '  source: {type: code, path: a.py}',
        '  reduce: true',
        '  inputs: {ratio: "${inputs.ratio}"}'
      ].join('\n')
    );
    const flow = await loadFlow(dir);
    expect(flow.environmentVariables).toEqual({ A: '1', B: 'two\nlines', C: 'raw\\n', D: 'plain' });
    expect(flow.additionalIncludes).toEqual(['../shared/utils.py']);
    expect(flow).toMatchObject({ type: 'evaluation', displayName: 'Misc', messageFormat: 'openai-vision' });
    expect(flow.nodes[0]!.aggregation).toBe(true);
    const ratio = flow.inputs[0]!.default;
    expect(isPyFloat(ratio)).toBe(true);
    expect(flow.outputs).toEqual([]); // references an aggregation node
    expect(chatFlowInfo(flow)).toMatchObject({ isChatFlow: true, chatInputName: 'q', chatHistoryInputName: 'chat_history' });
  });

  test('chat flow rules as is_executable_chat_flow', () => {
    const base = { inputs: [{ name: 'q', type: 'string' as const, isChatInput: true }, { name: 'chat_history', type: 'list' as const }], outputs: [] };
    expect(chatFlowInfo(base)).toMatchObject({ isChatFlow: true, chatInputName: 'q', chatHistoryInputName: 'chat_history' });
    expect(chatFlowInfo({ ...base, inputs: [base.inputs[0]!] }).errorMessage).toBe('chat_history is required in the inputs of chat flow');
    expect(chatFlowInfo({ ...base, inputs: [{ ...base.inputs[0]!, isChatInput: false }, base.inputs[1]!] }).errorMessage).toBe(
      'chat flow does not support multiple chat inputs'
    );
    expect(chatFlowInfo({ ...base, inputs: [base.inputs[0]!, { ...base.inputs[1]!, isChatHistory: false }] }).isChatFlow).toBe(false);
  });
});
