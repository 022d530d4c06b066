import type { CliIO } from './io.js';

/** A subcommand module: `src/cli/commands/<name>.ts` exports `command`. */
export interface Command {
  /** Full usage text printed by `h2doctor <name> --help`. */
  usage: string;
  /** Runs the command and returns the exit code. Throws H2DoctorError subclasses for failures. */
  run(argv: string[], io: CliIO, signal: AbortSignal): Promise<number>;
}

/** Registry entry: the summary is here so `--help` never loads a command module. */
export interface CommandEntry {
  summary: string;
  load(): Promise<{ command: Command }>;
}
