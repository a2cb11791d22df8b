/**
 * Cuts markdown to a budget at a line boundary and appends a pointer to the full text,
 * closing a code fence or <details> block left open by the cut so the rest still renders.
 */
export interface TruncateLimit {
  /** Budget in UTF-8 bytes (job summaries are limited in bytes). */
  maxBytes?: number;
  /** Budget in UTF-16 characters (comment bodies are limited in characters). */
  maxChars?: number;
}

export function truncateMarkdown(markdown: string, limit: TruncateLimit, pointer: string): string {
  const size = (text: string) => (limit.maxBytes !== undefined ? Buffer.byteLength(text, 'utf8') : text.length);
  const budget = limit.maxBytes ?? limit.maxChars;
  if (budget === undefined) throw new Error('truncateMarkdown needs maxBytes or maxChars');
  if (size(markdown) <= budget) return markdown;

  const note = `\n\n> [!NOTE]\n> Truncated to fit GitHub's size limit. ${pointer}\n`;
  // Room for the note and for closing tags we might add.
  const closingReserve = '\n```\n</details>\n'.length * 4;
  let room = budget - size(note) - closingReserve;
  if (room <= 0) return cutToSize(note.trim(), budget, size);

  let head = cutToSize(markdown, room, size);
  const lastNewline = head.lastIndexOf('\n');
  if (lastNewline > 0) head = head.slice(0, lastNewline);
  return head + closers(head) + note;
}

function cutToSize(text: string, budget: number, size: (t: string) => number): string {
  if (size(text) <= budget) return text;
  // Binary search on the character count; never split a surrogate pair.
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (size(text.slice(0, mid)) <= budget) lo = mid;
    else hi = mid - 1;
  }
  let end = lo;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return text.slice(0, end);
}

function closers(text: string): string {
  let out = '';
  const fences = text.split('\n').filter((line) => /^\s*```/.test(line)).length;
  if (fences % 2 === 1) out += '\n```';
  const opened = (text.match(/<details\b/gi) ?? []).length;
  const closed = (text.match(/<\/details>/gi) ?? []).length;
  for (let i = closed; i < opened; i++) out += '\n</details>';
  return out;
}
