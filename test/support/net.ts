/**
 * Loopback ports for the socket tests and the benchmarks (bench/ imports test/support/: the
 * one copy lives here).
 */
import type { ChildProcess } from 'node:child_process';
import { connect, createServer, type AddressInfo, type Server } from 'node:net';

/** Port of a listening server. */
export function portOf(server: Server): number {
  return (server.address() as AddressInfo).port;
}

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
