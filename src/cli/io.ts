import type { Writable } from 'node:stream';

/** Where a command writes, injected so tests capture output and renderers never touch process.*. */
export interface CliIO {
  /** Results go here (tables, JSON). */
  stdout: Writable;
  /** Progress, warnings and the one-line error go here. */
  stderr: Writable;
  /** True when stdout is a terminal: colour and progress lines only then. */
  isTTY: boolean;
  /** Environment (NO_COLOR, CI …). */
  env: NodeJS.ProcessEnv;
}

export function processIO(): CliIO {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    isTTY: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
    env: process.env,
  };
}
