import { readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { UserError } from '@llmops/common';

/** Model properties that make Azure ML treat a registered folder as a Prompt flow. */
export const PROMPTFLOW_PROPERTIES = {
  sourceFlowId: 'azureml.promptflow.source_flow_id',
  mode: 'azureml.promptflow.mode',
  chatInput: 'azureml.promptflow.chat_input',
  chatOutput: 'azureml.promptflow.chat_output'
} as const;

export interface FlowModelInfo {
  /** The flow folder's name: the model's only top-level directory, and its source_flow_id. */
  flowName: string;
  /** The flow's DAG file, relative to the folder. */
  dagFile: string;
  chatInput?: string;
  chatOutput?: string;
}

const DAG_FILES = ['flow.dag.yaml', 'flow.dag.yml'];

/** Read what registration needs from `flow.dag.yaml`: the chat input/output, if any. */
export async function readFlowModelInfo(flowDir: string): Promise<FlowModelInfo> {
  for (const dagFile of DAG_FILES) {
    const path = join(flowDir, dagFile);
    const text = await readFile(path, 'utf8').catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' || e.code === 'ENOTDIR' ? undefined : Promise.reject(e)));
    if (text === undefined) continue;
    let dag: unknown;
    try {
      dag = parse(text);
    } catch (error) {
      throw new UserError(`Invalid YAML: ${(error as Error).message.split('\n')[0]}`, { file: path, code: 'FlowValidationError' });
    }
    if (typeof dag !== 'object' || dag === null) throw new UserError('The flow file must be a YAML mapping with inputs, outputs and nodes', { file: path, code: 'FlowValidationError' });
    const { inputs, outputs } = dag as { inputs?: unknown; outputs?: unknown };
    return {
      flowName: basename(resolve(flowDir)),
      dagFile,
      chatInput: flagged(inputs, 'is_chat_input'),
      chatOutput: flagged(outputs, 'is_chat_output')
    };
  }
  throw new UserError(`No flow.dag.yaml in ${flowDir}; \`flow\` must be a Prompt flow folder`, { file: flowDir, field: 'flow', code: 'FlowNotFound' });
}

function flagged(section: unknown, flag: string): string | undefined {
  if (typeof section !== 'object' || section === null) return undefined;
  return Object.entries(section as Record<string, unknown>).find(([, spec]) => typeof spec === 'object' && spec !== null && (spec as Record<string, unknown>)[flag] === true)?.[0];
}

/** The `properties` of the model version: source_flow_id, plus the chat ones for chat flows. */
export function promptflowModelProperties(info: FlowModelInfo): Record<string, string> {
  const properties: Record<string, string> = { [PROMPTFLOW_PROPERTIES.sourceFlowId]: info.flowName };
  if (info.chatInput) {
    properties[PROMPTFLOW_PROPERTIES.mode] = 'chat';
    properties[PROMPTFLOW_PROPERTIES.chatInput] = info.chatInput;
    if (info.chatOutput) properties[PROMPTFLOW_PROPERTIES.chatOutput] = info.chatOutput;
  }
  return properties;
}

/** Azure ML asset names: a letter or digit, then letters, digits, `-`, `_`, `.`; at most 255. */
export function validateModelName(name: string | undefined): string {
  const value = name?.trim() ?? '';
  if (!value) throw new UserError('`model-name` is required', { field: 'model-name', code: 'InvalidModelName' });
  if (value.length > 255 || !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(value)) {
    throw new UserError(`\`model-name\` '${value}' is not a valid Azure ML asset name: start with a letter or digit, then only letters, digits, '-', '_' or '.', at most 255 characters`, { field: 'model-name', code: 'InvalidModelName' });
  }
  return value;
}
