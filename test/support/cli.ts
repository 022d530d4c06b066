/**
 * Running a CLI command in-process with its output captured, errors mapped the way
 * `src/cli/main.ts` maps them (describeFailure: one line on stderr and an exit code).
 */
import { PassThrough } from 'node:stream';
import { describeFailure } from '../../src/cli/exit.js';
import type { CliIO } from '../../src/cli/io.js';
import type { Command } from '../../src/cli/command.js';

export interface CapturedIO {
  io: CliIO;
  /** Everything written to stdout so far. */
  out(): string;
  /** Everything written to stderr so far. */
  err(): string;
}

/** A CliIO whose output the test reads; `onOut` sees stdout as it grows. */
export function captureIO(onOut?: (out: string) => void): CapturedIO {
  const stdout = new PassThrough(), stderr = new PassThrough();
  let out = '', err = '';
  stdout.on('data', (d) => {
    out += d;
    onOut?.(out);
  });
  stderr.on('data', (d) => (err += d));
  return { io: { stdout, stderr, isTTY: false, env: {} }, out: () => out, err: () => err };
}

export interface CommandRun {
  code: number;
  out: string;
  err: string;
}

/**
 * Runs `command` with `argv` as main() would once it has picked the command: the command's exit
 * code, or a thrown error mapped by describeFailure (no --debug) to its code and one stderr line.
 */
export async function runCommand(
  command: Pick<Command, 'run'>,
  argv: string[],
  signal: AbortSignal = new AbortController().signal,
  onOut?: (out: string) => void,
): Promise<CommandRun> {
  const c = captureIO(onOut);
  let code: number;
  try {
    code = await command.run(argv, c.io, signal);
  } catch (e) {
    const f = describeFailure(e, false);
    c.io.stderr.write(`${f.line}\n`);
    code = f.code;
  }
  // Let the PassThrough streams deliver the last writes before reading them.
  await new Promise((resolve) => setImmediate(resolve));
  return { code, out: c.out(), err: c.err() };
}
