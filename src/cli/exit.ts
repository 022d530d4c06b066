import { H2DoctorError, UsageError } from '../errors.js';

/**
 * Exit codes, in one place: 0 ok, 1 a failed check or operation, 2 bad usage, 130 interrupted
 * (Ctrl-C: 128 + SIGINT, what shells report for a program the signal stopped).
 */
export const ExitCode = { OK: 0, FAILURE: 1, USAGE: 2, INTERRUPTED: 130 } as const;

/** The one line an interrupted run ends with. */
export const interruptedLine = 'h2doctor: interrupted';

/** Maps any thrown value to an exit code and the one line the user sees. */
export function describeFailure(err: unknown, debug: boolean): { code: number; line: string } {
  if (err instanceof UsageError) {
    return { code: ExitCode.USAGE, line: `h2doctor: ${err.message}\nTry 'h2doctor --help'.` };
  }
  if (err instanceof H2DoctorError) {
    const line = `h2doctor: ${err.message} [${err.code}]`;
    return { code: ExitCode.FAILURE, line: debug ? `${line}\n${err.stack}` : line };
  }
  // Anything else is a bug in h2doctor: still one line, the stack only with --debug.
  const e = err as Error;
  const line = `h2doctor: internal error: ${e?.message ?? String(err)}${debug ? `\n${e?.stack}` : ' (run with --debug for the stack)'}`;
  return { code: ExitCode.FAILURE, line };
}
