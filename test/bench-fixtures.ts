/**
 * Shared fixtures for the bench socket tests: run the `bench` command with captured output,
 * start nghttpd on a free port. Not a test file itself.
 */
import { command } from '../src/cli/commands/bench.js';
import type { BenchResult } from '../src/bench/result.js';
import { runCommand, type CommandRun } from './support/cli.js';
import { startNghttpd as startNghttpdServer } from './support/nghttpd.js';

export { freePort, portOf } from './support/net.js';

export type CliRun = CommandRun;

/** Runs `h2doctor bench …` in-process as main would: errors become one line and an exit code. */
export function benchCli(argv: string[], signal?: AbortSignal): Promise<CliRun> {
  return runCommand(command, argv, signal);
}

/** Runs the bench with --json and parses the result. */
export async function benchJson(argv: string[]): Promise<{ code: number; result: BenchResult; err: string }> {
  const r = await benchCli([...argv, '--json']);
  if (!r.out) throw new Error(`no JSON output (exit ${r.code}): ${r.err}`);
  return { code: r.code, result: JSON.parse(r.out) as BenchResult, err: r.err };
}

/** nghttpd serving a small file over h2c; resolves once it accepts connections. */
export async function startNghttpd(): Promise<{ port: number; url: string; stop: () => Promise<void> }> {
  const server = await startNghttpdServer({ files: { 'index.html': '{"ok":true}\n' } });
  return { port: server.port, url: `${server.url}/index.html`, stop: server.stop };
}
