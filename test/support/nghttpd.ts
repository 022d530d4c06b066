/**
 * nghttpd (nghttp2's server) as a real peer for the socket tests and the benchmarks: a fresh
 * docroot, a free port, started and waited for.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { freePort, waitForPort } from './net.js';

/** nghttpd from Debian's nghttp2-server; the absolute path so a stray PATH entry cannot stand in. */
const NGHTTPD = '/usr/sbin/nghttpd';

export interface NghttpdOptions {
  /** Files to serve, by path in the docroot (folders are made). */
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
  for (const [name, content] of Object.entries(options.files ?? {})) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
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
