/**
 * Shared fixtures for the bench socket tests: run the `bench` command with captured output,
 * start nghttpd on a free port. Not a test file itself.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { Server } from 'node:net';
import { command } from '../src/cli/commands/bench.js';
import { describeFailure } from '../src/cli/exit.js';
import type { CliIO } from '../src/cli/io.js';
import type { BenchResult } from '../src/bench/result.js';

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

/** Runs `h2doctor bench …` in-process as main would: errors become one line and an exit code. */
export async function benchCli(argv: string[], signal: AbortSignal = new AbortController().signal): Promise<CliRun> {
  const stdout = new PassThrough(), stderr = new PassThrough();
  let out = '', err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  const io: CliIO = { stdout, stderr, isTTY: false, env: {} };
  let code: number;
  try {
    code = await command.run(argv, io, signal);
  } catch (e) {
    const f = describeFailure(e, false);
    err += `${f.line}\n`;
    code = f.code;
  }
  return { code, out, err };
}

/** Runs the bench with --json and parses the result. */
export async function benchJson(argv: string[]): Promise<{ code: number; result: BenchResult; err: string }> {
  const r = await benchCli([...argv, '--json']);
  if (!r.out) throw new Error(`no JSON output (exit ${r.code}): ${r.err}`);
  return { code: r.code, result: JSON.parse(r.out) as BenchResult, err: r.err };
}

/** A port free right now (bound to 0, then released). */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

/** nghttpd serving a small file over h2c; resolves once it accepts connections. */
export async function startNghttpd(): Promise<{ port: number; url: string; stop: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'h2doctor-bench-www-'));
  writeFileSync(join(dir, 'index.html'), '{"ok":true}\n');
  const port = await freePort();
  const child: ChildProcess = spawn('/usr/sbin/nghttpd', ['--no-tls', '-d', dir, String(port)], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const c = connect(port, '127.0.0.1');
      c.once('connect', () => (c.destroy(), resolve(true)));
      c.once('error', () => resolve(false));
    });
    if (ok) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    url: `http://127.0.0.1:${port}/index.html`,
    stop: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill();
    }),
  };
}

/** Port of a listening server. */
export function portOf(server: Server): number {
  return (server.address() as AddressInfo).port;
}
