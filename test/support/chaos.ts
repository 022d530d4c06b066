/**
 * The chaos proxy in socket tests: an upstream to put it in front of, and a proxy that lives
 * for one test body with its fault log collected.
 */
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { startChaos, type ChaosProxy } from '../../src/chaos/start-chaos.js';
import type { FaultEvent } from '../../src/chaos/fault-log.js';

/** An h2c node:http2 server on 127.0.0.1 answering every request `ok`; `upstream` is its HOST:PORT. */
export async function startOkUpstream(): Promise<{ server: http2.Http2Server; upstream: string }> {
  const server = http2.createServer((_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, upstream: `127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/**
 * Runs `fn` against a proxy in front of `upstream` with `faults` and seed 1, handing it the fault
 * events as they are logged; the proxy is closed afterwards, whether `fn` passed or threw.
 */
export async function withProxy(upstream: string, faults: string[], fn: (px: ChaosProxy, events: FaultEvent[]) => Promise<void>): Promise<void> {
  const events: FaultEvent[] = [];
  const px = await startChaos({ upstream, faults, seed: 1, log: (e) => events.push(e) });
  try {
    await fn(px, events);
  } finally {
    await px.close();
  }
}
