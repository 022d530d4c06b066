/**
 * Terminal styling: colour only when the output is a TTY (and NO_COLOR is unset); plain text
 * otherwise, so piped output and tests see no escape codes.
 */
export interface Style {
  red(s: string): string;
  yellow(s: string): string;
  green(s: string): string;
  cyan(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
}

const wrap = (open: number, close: number) => (s: string) => `\x1b[${open}m${s}\x1b[${close}m`;

/** No escape codes: piped output, files, tests. The default of every text renderer. */
export const plainStyle: Style = createStyle(false);

/**
 * The one way a text renderer takes colour: a Style, built here from "is this a colour
 * terminal" (the CLI's `io.isTTY`, which already honours NO_COLOR).
 */
export function createStyle(colour: boolean): Style {
  if (!colour) {
    const id = (s: string) => s;
    return { red: id, yellow: id, green: id, cyan: id, dim: id, bold: id };
  }
  return { red: wrap(31, 39), yellow: wrap(33, 39), green: wrap(32, 39), cyan: wrap(36, 39), dim: wrap(2, 22), bold: wrap(1, 22) };
}

/** Visible width of a string, ignoring ANSI escape codes. */
export function visibleWidth(s: string): number {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\x1b\[[0-9;]*m/g, '').length;
}
