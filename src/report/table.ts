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

/** Formats milliseconds for a table: 3 significant figures, unit suffix. */
export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '-';
  if (ms >= 1000) return `${(ms / 1000).toFixed(ms >= 10_000 ? 1 : 2)} s`;
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  if (ms >= 1) return `${ms.toFixed(2)} ms`;
  return `${(ms * 1000).toFixed(0)} µs`;
}

/** Formats a byte count: 1.5 KiB, 32 MiB. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let v = n / 1024, i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${v.toFixed(v >= 100 ? 0 : 1)} ${units[i]}`;
}
