/**
 * Prompt flow's chat-flow rules (`_utils/flow_utils.py` is_executable_chat_flow):
 * exactly one `is_chat_input`, at most one `is_chat_output` (required when the
 * flow has outputs), and a chat history input (`is_chat_history: true`, or an
 * input named `chat_history` not marked `is_chat_history: false`).
 * Prompt flow only enforces them for interactive chat and serving, not for batch runs.
 */
import type { Flow } from './model.js';

export interface ChatFlowInfo {
  isChatFlow: boolean;
  chatInputName?: string;
  chatOutputName?: string;
  chatHistoryInputName?: string;
  /** Prompt flow's reason when it is not a chat flow ('' when it is). */
  errorMessage: string;
}

export function chatFlowInfo(flow: Pick<Flow, 'inputs' | 'outputs'>): ChatFlowInfo {
  const chatInputs = flow.inputs.filter((i) => i.isChatInput);
  const chatOutputs = flow.outputs.filter((o) => o.isChatOutput);
  let chatHistoryInputName = flow.inputs.find((i) => i.isChatHistory)?.name;
  const named = flow.inputs.find((i) => i.name === 'chat_history');
  if (!chatHistoryInputName && named && named.isChatHistory !== false) chatHistoryInputName = named.name;
  let errorMessage = '';
  if (chatInputs.length !== 1) errorMessage = 'chat flow does not support multiple chat inputs';
  else if (chatOutputs.length > 1) errorMessage = 'chat flow does not support multiple chat outputs';
  else if (chatOutputs.length === 0 && flow.outputs.length > 0) errorMessage = 'chat output is not configured';
  else if (!chatHistoryInputName) errorMessage = 'chat_history is required in the inputs of chat flow';
  return {
    isChatFlow: errorMessage === '',
    chatInputName: chatInputs[0]?.name,
    chatOutputName: chatOutputs[0]?.name,
    chatHistoryInputName,
    errorMessage
  };
}
