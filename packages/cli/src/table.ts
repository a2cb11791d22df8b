/** `tabulate(..., tablefmt="grid")`, as `pf run show-details` prints. */
export function gridTable(headers: string[], rows: string[][]): string {
  const cells = [headers, ...rows].map((row) => row.map((cell) => cell.split('\n')));
  const widths = headers.map((_, c) => Math.max(...cells.map((row) => Math.max(...(row[c] ?? ['']).map((l) => l.length)))));
  const rule = (ch: string) => `+${widths.map((w) => ch.repeat(w + 2)).join('+')}+`;
  const render = (row: string[][]) => {
    const height = Math.max(...row.map((c) => c.length));
    const out: string[] = [];
    for (let l = 0; l < height; l++) {
      out.push(`| ${widths.map((w, c) => (row[c]?.[l] ?? '').padEnd(w)).join(' | ')} |`);
    }
    return out.join('\n');
  };
  const [head, ...body] = cells;
  const lines = [rule('-'), render(head!), rule('=')];
  for (const row of body) lines.push(render(row), rule('-'));
  return lines.join('\n');
}
