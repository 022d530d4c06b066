import { visibleWidth } from './style.js';

export type Align = 'left' | 'right';

export interface TableOptions {
  /** Per-column alignment; numbers read best right-aligned. Default: first column left, rest right. */
  align?: Align[];
  /** Indent every line by this many spaces. */
  indent?: number;
}

/**
 * Renders rows as an aligned text table (header row first). Cells may carry colour codes;
 * widths are measured without them.
 */
export function renderTable(header: string[], rows: string[][], options: TableOptions = {}): string {
  const all = [header, ...rows];
  const columns = Math.max(...all.map((r) => r.length));
  const widths = Array.from({ length: columns }, (_, c) => Math.max(...all.map((r) => visibleWidth(r[c] ?? ''))));
  const align = (c: number): Align => options.align?.[c] ?? (c === 0 ? 'left' : 'right');
  const pad = ' '.repeat(options.indent ?? 0);
  const line = (r: string[]) =>
    pad +
    Array.from({ length: columns }, (_, c) => {
      const cell = r[c] ?? '';
      const fill = ' '.repeat(widths[c]! - visibleWidth(cell));
      return align(c) === 'left' ? cell + fill : fill + cell;
    })
      .join('  ')
      .trimEnd();
  const rule = pad + widths.map((w) => '─'.repeat(w)).join('  ');
  return [line(header), rule, ...rows.map(line)].join('\n') + '\n';
}
