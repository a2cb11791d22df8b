/**
 * Markdown building blocks shared by the reports: safe table cells, tables, and
 * fitting a report into GitHub's size limits.
 */

/**
 * Text made safe for one Markdown table cell: HTML and table syntax escaped, newlines
 * as <br>, long text cut to `maxLength` characters, and `@` defused so that a model's
 * output cannot mention people from a PR comment.
 */
export function escapeCell(value: string, maxLength = 200): string {
  const chars = [...value];
  const cut = chars.length > maxLength ? `${chars.slice(0, maxLength).join('')}…` : value;
  return cut
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/`/g, '\\`')
    .replace(/@/g, '@\u200b')
    .replace(/\r\n|\r|\n/g, '<br>');
}

/** Text for inline code (a run name, a path): backticks removed so the span cannot break. */
export function code(value: string): string {
  return `\`${value.replace(/`/g, "'").replace(/\r?\n/g, ' ')}\``;
}

export type Align = 'left' | 'right' | 'center';

/** A Markdown table; cells must already be escaped. */
export function table(header: string[], rows: string[][], align: Align[] = []): string {
  const rule = header.map((_, i) => ({ left: '---', right: '---:', center: ':-:' })[align[i] ?? 'left']);
  return [header, rule, ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

const encoder = new TextEncoder();
function bytes(text: string): number {
  return encoder.encode(text).length;
}

/**
 * Fit a report into `maxBytes` UTF-8 bytes. When it is too big, whole sections (a
 * heading or a top-level `<details>` block starts one) are kept from the top while
 * they fit, then as many whole lines of the next section as fit (open `<details>`
 * closed), then `pointer` (e.g. "Full report: <link>") is appended.
 * A byte budget is also a safe character budget (a character is at least one byte),
 * so the same call fits a PR comment's 65,536-character limit.
 */
export function fitMarkdown(markdown: string, maxBytes: number, pointer: string): string {
  if (bytes(markdown) <= maxBytes) return markdown;
  const tail = `\n\n${pointer}\n`;
  const budget = maxBytes - bytes(tail);
  if (budget < 0) throw new Error(`fitMarkdown: the pointer alone is larger than ${maxBytes} bytes`);

  const sections = splitSections(markdown);
  let kept = '';
  let keptBytes = 0;
  let index = 0;
  for (; index < sections.length; index++) {
    const size = bytes(sections[index]!);
    if (keptBytes + size > budget) break;
    kept += sections[index]!;
    keptBytes += size;
  }
  const next = sections[index];
  if (next !== undefined) kept += cutSection(next, budget - keptBytes);
  return kept.trimEnd() + tail;
}

/** Sections start at a heading or a `<details>` that is not inside another `<details>`. */
function splitSections(markdown: string): string[] {
  const lines = markdown.split(/(?<=\n)/);
  const sections: string[] = [];
  let current = '';
  let depth = 0;
  for (const line of lines) {
    const startsSection = depth === 0 && (/^#{1,6}\s/.test(line) || /^<details[\s>]/.test(line));
    if (startsSection && current) {
      sections.push(current);
      current = '';
    }
    current += line;
    depth += count(line, /<details[\s>]/g) - count(line, /<\/details>/g);
    if (depth < 0) depth = 0;
  }
  if (current) sections.push(current);
  return sections;
}

/** The longest run of whole lines of `section` that fits `budget` once open `<details>` are closed. */
function cutSection(section: string, budget: number): string {
  const lines = section.split(/(?<=\n)/);
  let best = '';
  let text = '';
  // Bytes are counted line by line: re-encoding the growing text made this quadratic.
  let textBytes = 0;
  let depth = 0;
  for (const [i, line] of lines.entries()) {
    text += line;
    textBytes += bytes(line);
    depth = Math.max(0, depth + count(line, /<details[\s>]/g) - count(line, /<\/details>/g));
    const newline = text.endsWith('\n') ? '' : '\n';
    const closing = '\n</details>\n'.repeat(depth);
    if (textBytes + bytes(newline) + bytes(closing) > budget) break;
    // A heading or summary alone, with none of its content, is not worth keeping.
    if (i >= 2) best = `${text}${newline}${closing}`;
  }
  return best;
}

function count(text: string, pattern: RegExp): number {
  return text.match(pattern)?.length ?? 0;
}
