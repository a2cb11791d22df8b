/**
 * Python `str` text semantics the chat parser depends on. JavaScript's `\s`,
 * `trim()` and multiline `^` differ from Python's (`\s` here adds \x1c-\x1f and
 * \x85 and drops \ufeff; `^` must only follow "\n", never "\r"), so the
 * parser's regular expressions are built from these pieces.
 */

/** Python's `\s` for str patterns: the characters for which `str.isspace()` is true. */
export const PY_WS = '[\\t\\n\\v\\f\\r \\x1c-\\x1f\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
/** Python's `\S`. */
export const PY_NWS = '[^\\t\\n\\v\\f\\r \\x1c-\\x1f\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
/** Python's `^` under re.MULTILINE: the start of the text or just after "\n". */
export const PY_LINE_START = '(?:(?<![\\s\\S])|(?<=\\n))';

const WS_CHAR = new RegExp(`^${PY_WS}$`);

export function isPySpace(ch: string): boolean {
  return WS_CHAR.test(ch);
}

/** Python `str.strip()` with no argument. */
export function pyStrip(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isPySpace(text[start]!)) start++;
  while (end > start && isPySpace(text[end - 1]!)) end--;
  return text.slice(start, end);
}
