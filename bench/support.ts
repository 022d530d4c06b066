/**
 * What the benchmarks share with each other and with the socket tests: a free loopback port,
 * waiting for a listener, nghttpd on a throw-away docroot, and h2load's CPU time. Benchmarks
 * must not import from test/, so the single copy lives here and `test/support/` re-exports it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** nghttpd from Debian's nghttp2-server; the absolute path so a stray PATH entry cannot stand in. */
const NGHTTPD = '/usr/sbin/nghttpd';

/** A loopback port free right now: bind port 0, read it, close. Nothing holds it afterwards. */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve, reject) => s.once('error', reject).listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/**
 * Resolves once 127.0.0.1:`port` accepts a TCP connection. Fails at once if `child` (the
 * process meant to listen there) has exited, or after `timeoutMs`.
 */
export async function waitForPort(port: number, child?: ChildProcess, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child && child.exitCode !== null) throw new Error(`the process for port ${port} exited with ${child.exitCode}`);
    const up = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (up) return;
    if (Date.now() > deadline) throw new Error(`nothing listening on port ${port} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export interface NghttpdOptions {
  /** Files to serve, by name in the docroot. */
  files?: Record<string, string | Uint8Array>;
  /** Server push (nghttpd `-p`): request path → paths pushed with it. */
  push?: Record<string, string[]>;
  /** Serve TLS with this PEM key and certificate chain; h2c (`--no-tls`) when absent. */
  tls?: { key: string; cert: string };
  /** Further nghttpd flags, e.g. `['-m', '7']`. */
  args?: string[];
}

export interface Nghttpd {
  port: number;
  /** Origin, `http://127.0.0.1:PORT` (https with `tls`); append the path. */
  url: string;
  /** The docroot, removed by `stop`. */
  dir: string;
  /** Stops nghttpd, waits for it to exit, removes the docroot. */
  stop(): Promise<void>;
}

/** nghttpd on 127.0.0.1 and a free port, serving a fresh docroot; resolves once it accepts connections. */
export async function startNghttpd(options: NghttpdOptions = {}): Promise<Nghttpd> {
  const dir = mkdtempSync(join(tmpdir(), 'h2doctor-nghttpd-'));
  for (const [name, content] of Object.entries(options.files ?? {})) writeFileSync(join(dir, name), content);
  const args = ['-a', '127.0.0.1', '-d', dir, ...(options.args ?? [])];
  for (const [path, pushed] of Object.entries(options.push ?? {})) args.push('-p', `${path}=${pushed.join(',')}`);
  const port = await freePort();
  if (options.tls) {
    writeFileSync(join(dir, 'key.pem'), options.tls.key);
    writeFileSync(join(dir, 'cert.pem'), options.tls.cert);
    args.push(String(port), join(dir, 'key.pem'), join(dir, 'cert.pem'));
  } else {
    args.push('--no-tls', String(port));
  }
  const child = spawn(NGHTTPD, args, { stdio: 'ignore' });
  // A spawn failure (not installed) sets exitCode, which waitForPort reports; keep its reason.
  let spawnError: Error | undefined;
  child.on('error', (err) => (spawnError = err));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill();
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForPort(port, child);
  } catch (err) {
    await stop();
    throw new Error(`nghttpd did not start on port ${port}: ${(spawnError ?? (err as Error)).message}`, { cause: spawnError ?? err });
  }
  return { port, url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`, dir, stop };
}

/**
 * Runs `h2load ARGS` with stdout discarded and returns its user + sys CPU seconds, from bash's
 * `time`, or why it could not run (not installed, failed).
 */
export function h2loadCpuSeconds(args: string[]): number | string {
  if (spawnSync('h2load', ['--version']).status !== 0) return 'h2load not installed';
  const quoted = args.map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  const run = spawnSync('bash', ['-c', `TIMEFORMAT='%U %S'; time h2load ${quoted} > /dev/null`], { encoding: 'utf8' });
  const times = run.stderr.trim().split(/\s+/).slice(-2).map(Number);
  if (run.status !== 0 || times.length < 2 || times.some((t) => !Number.isFinite(t))) return `h2load failed: ${run.stderr.trim().split('\n').pop()}`;
  return times[0]! + times[1]!;
}
