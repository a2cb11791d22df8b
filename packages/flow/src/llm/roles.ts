/** The chat roles and the role-line pattern shared by the parser and the escaper (`common.py`). */
import { PY_LINE_START, PY_WS } from './pytext.js';

export const VALID_ROLES = ['system', 'user', 'assistant', 'function', 'tool'] as const;

/** `(?i)^\s*#?\s*(role|…)\s*:\s*\n` under re.MULTILINE, with one capture for the role. */
export function roleSeparator(validRoles: readonly string[] = VALID_ROLES, flags = 'i'): RegExp {
  return new RegExp(`${PY_LINE_START}${PY_WS}*#?${PY_WS}*(${validRoles.join('|')})${PY_WS}*:${PY_WS}*\\n`, flags);
}

/** The same pattern for `re.findall` over a user's value (always the five roles). */
export function roleFinder(): RegExp {
  return roleSeparator(VALID_ROLES, 'gi');
}
