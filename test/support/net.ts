/**
 * Loopback ports for the socket tests. The code is `bench/support.ts`'s (benchmarks may not
 * import from test/, so the one copy lives there); this module is where tests reach it.
 */
import type { AddressInfo, Server } from 'node:net';

export { freePort, waitForPort } from '../../bench/support.js';

/** Port of a listening server. */
export function portOf(server: Server): number {
  return (server.address() as AddressInfo).port;
}
