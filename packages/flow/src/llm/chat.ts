/**
 * Prompt flow 1.18's chat prompt parser (`promptflow/tools/common.py`
 * `parse_chat`): a rendered template becomes chat messages, split on role
 * lines such as `system:`, `# user:` or `ASSISTANT :` alone on their line.
 * The regular expressions are PF's, rebuilt with Python's whitespace rules.
 */
import { LlmToolError } from './errors.js';
import { parsePythonLiteral } from './pyliteral.js';
import { PY_NWS, PY_WS, pyStrip } from './pytext.js';
import { roleSeparator, VALID_ROLES } from './roles.js';
import { unescapeRoles, type EscapeDict } from './escape.js';

export { VALID_ROLES };

export interface ChatMessage {
  role: string;
  name?: string;
  tool_call_id?: string;
  content?: string;
  tool_calls?: unknown;
}

const WS = PY_WS;
const NAME_AND_CONTENT = new RegExp(
  `\\n*#{0,2}${WS}*name${WS}*:${WS}*\\n+${WS}*(${PY_NWS}+)${WS}*\\n*#{0,2}${WS}*content${WS}*:${WS}*\\n?([\\s\\S]*)`
);
const TOOL_CALL_ID_AND_CONTENT = new RegExp(
  `\\n*#{0,2}${WS}*tool_call_id${WS}*:${WS}*\\n+${WS}*(${PY_NWS}+)${WS}*\\n*#{0,2}${WS}*content${WS}*:${WS}*\\n?([\\s\\S]*)`
);
const TOOL_CALLS = new RegExp(`\\n*#{0,2}${WS}*tool_calls${WS}*:${WS}*\\n+${WS}*(\\[[\\s\\S]*?\\])`);

function validateRole(role: string, validRoles: readonly string[], escapeDict: EscapeDict): void {
  if (validRoles.includes(role)) return;
  const validRolesText = validRoles.map((r) => `'${r}:\\n'`).join(',');
  // The text may hold escaped roles (uuids): show the user what they wrote.
  const shown = unescapeRoles(role, escapeDict);
  throw new LlmToolError(
    'ChatAPIInvalidRole',
    `The Chat API requires a specific format for prompt definition, and the prompt should include separate ` +
      `lines as role delimiters: ${validRolesText}. Current parsed role '${shown}'` +
      ` does not meet the requirement. If you intend to use the Completion API, please select the appropriate` +
      ` API type and deployment name. If you do intend to use the Chat API, please refer to the guideline at ` +
      `https://aka.ms/pfdoc/chat-prompt or view the samples in our gallery that contain 'Chat' in the name.`
  );
}

function tryParseNameAndContent(chunk: string): [string, string] | undefined {
  const m = NAME_AND_CONTENT.exec(chunk);
  return m ? [m[1]!, m[2]!] : undefined;
}

function tryParseToolCallIdAndContent(chunk: string): [string, string] | undefined {
  const m = TOOL_CALL_ID_AND_CONTENT.exec(chunk);
  return m ? [m[1]!, m[2]!] : undefined;
}

/** `try_parse_tool_calls`: the first `[...]` after `tool_calls:`, if it is a Python literal. */
export function tryParseToolCalls(chunk: string): unknown[] | undefined {
  const m = TOOL_CALLS.exec(chunk);
  if (!m) return undefined;
  try {
    const parsed = parsePythonLiteral(m[1]!);
    return Array.isArray(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** Message content: stripped text (image parts are not supported by the native executor). */
function toContent(chunk: string): string {
  return pyStrip(chunk);
}

/**
 * Parse a rendered chat prompt into messages. Throws LlmToolError
 * (ChatAPIInvalidRole, ChatAPIFunctionRoleInvalidFormat, ChatAPIToolRoleInvalidFormat)
 * with Prompt flow's messages.
 */
export function parseChat(text: string, validRoles: readonly string[] = VALID_ROLES, escapeDict: EscapeDict = {}): ChatMessage[] {
  const chunks = text.split(roleSeparator(validRoles));
  const messages: ChatMessage[] = [];
  for (const chunk of chunks) {
    const last = messages.at(-1);
    if (last && last.role === 'tool' && !('content' in last)) {
      const parsed = tryParseToolCallIdAndContent(chunk);
      if (!parsed) {
        throw new LlmToolError(
          'ChatAPIToolRoleInvalidFormat',
          "Failed to parse tool role prompt. Please make sure the prompt follows the format: " +
            "'tool_call_id:\\ntool_call_id\\ncontent:\\ntool_content'. 'tool_call_id' is required if role is tool, " +
            'and it should be the tool call that this message is responding to. See more details in ' +
            'https://platform.openai.com/docs/api-reference/chat/create#chat-create-messages'
        );
      }
      last.tool_call_id = parsed[0];
      last.content = toContent(parsed[1]);
      continue;
    }
    if (last && last.role === 'assistant') {
      const toolCalls = tryParseToolCalls(chunk);
      if (toolCalls !== undefined) {
        last.tool_calls = toolCalls;
        continue;
      }
    }
    if (last && !('content' in last) && !('tool_calls' in last)) {
      const parsed = tryParseNameAndContent(chunk);
      if (parsed) {
        last.name = parsed[0];
        last.content = toContent(parsed[1]);
      } else if (last.role === 'function') {
        throw new LlmToolError(
          'ChatAPIFunctionRoleInvalidFormat',
          "Failed to parse function role prompt. Please make sure the prompt follows the format: " +
            "'name:\\nfunction_name\\ncontent:\\nfunction_content'. 'name' is required if role is function, and it " +
            'should be the name of the function whose response is in the content. May contain a-z, A-Z, 0-9, and ' +
            'underscores, with a maximum length of 64 characters. See more details in ' +
            'https://platform.openai.com/docs/api-reference/chat/create#chat/create-name ' +
            "or view sample 'How to use functions with chat models' in our gallery."
        );
      } else {
        last.content = toContent(chunk);
      }
      continue;
    }
    if (pyStrip(chunk) === '') continue;
    // Text before the first role line lands here and fails as an invalid role, as in PF.
    const role = pyStrip(chunk).toLowerCase();
    validateRole(role, validRoles, escapeDict);
    messages.push({ role });
  }
  return messages;
}
