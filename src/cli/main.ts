import { commands } from './registry.js';
import { describeFailure, ExitCode, interruptedLine } from './exit.js';
import { processIO, type CliIO } from './io.js';
import { AbortError, UsageError } from '../errors.js';
import { version } from '../version.js';

function usage(): string {
  const names = Object.keys(commands);
  const width = Math.max(8, ...names.map((n) => n.length));
  const lines = names.map((n) => `  ${n.padEnd(width)}  ${commands[n]!.summary}`);
  return [
    'h2doctor: find and fix what HTTP/2 does to your tail latency',
    '',
    'Usage: h2doctor <command> [options]',
    '',
    'Commands:',
    ...(lines.length ? lines : ['  (none yet)']),
    '',
    'Global options:',
    '  -h, --help      show help (also: h2doctor <command> --help)',
    '  -V, --version   print the version',
    '  --debug         show stack traces on errors',
    '',
  ].join('\n');
}

/**
 * The CLI entry: parses the command name, runs it, and maps every error to an exit code and
 * one line on stderr. Never throws; never prints a stack trace unless --debug.
 *
 * Ctrl-C aborts the command's signal; the command stops and prints what it has (bench its
 * partial results), and the run ends with one line, "interrupted", and exit 130, however
 * the command itself ended.
 */
export async function main(argv: string[], io: CliIO = processIO()): Promise<number> {
  const debug = argv.includes('--debug');
  const args = argv.filter((a) => a !== '--debug');
  const controller = new AbortController();
  const onSignal = () => controller.abort(new AbortError('interrupted'));
  process.once('SIGINT', onSignal);
  const interrupted = (): number => {
    io.stderr.write(`${interruptedLine}\n`);
    return ExitCode.INTERRUPTED;
  };
  try {
    const [name, ...rest] = args;
    if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
      io.stdout.write(usage());
      return name === undefined ? ExitCode.USAGE : ExitCode.OK;
    }
    if (name === '-V' || name === '--version') {
      io.stdout.write(`${version}\n`);
      return ExitCode.OK;
    }
    if (name.startsWith('-')) throw new UsageError(`unknown option '${name}'`);
    const entry = Object.hasOwn(commands, name) ? commands[name] : undefined;
    if (!entry) throw new UsageError(`unknown command '${name}'`);
    const { command } = await entry.load();
    if (rest.includes('-h') || rest.includes('--help')) {
      io.stdout.write(command.usage.endsWith('\n') ? command.usage : `${command.usage}\n`);
      return ExitCode.OK;
    }
    const code = await command.run(rest, io, controller.signal);
    return controller.signal.aborted ? interrupted() : code;
  } catch (err) {
    if (controller.signal.aborted) return interrupted();
    const { code, line } = describeFailure(err, debug);
    io.stderr.write(`${line}\n`);
    return code;
  } finally {
    process.removeListener('SIGINT', onSignal);
  }
}
