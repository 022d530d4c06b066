import { monotonicClock } from '../clock.js';
import type { LabPki } from './certs.js';
import type { OrderService } from './order.js';
import { startZoneProcess, type ZoneProcess } from './zone-process.js';

/**
 * The zone-failover scenario's moving parts: inventory zones a and b as processes of their
 * own, and the fault, zone a frozen with SIGSTOP once order has answered a share of the run.
 * A frozen zone keeps its connections open and answers nothing, so only per-try timeouts,
 * health checks and in-flight rescue get requests out of it; a killed zone (sockets reset)
 * would be found by the first failed write.
 */

export interface FailoverZones {
  a: ZoneProcess;
  b: ZoneProcess;
  close(): Promise<void>;
}

export async function startFailoverZones(pki: LabPki): Promise<FailoverZones> {
  const [a, b] = await Promise.all([startZoneProcess('a', pki), startZoneProcess('b', pki)]);
  return { a, b, close: async () => void (await Promise.all([a.close(), b.close()])) };
}

/**
 * The client settings the failover scenario runs with, the issue's: health checks every
 * 250 ms (timeout 250 ms), a 1000 ms deadline and a 300 ms per-try timeout.
 */
export const failoverClientSettings = {
  timeoutMs: 1000,
  attemptTimeoutMs: 300,
  health: { path: '/health', intervalMs: 250, timeoutMs: 250 },
} as const;

/** Freezes `zone` once order has answered `afterOrders` requests. */
export function freezeZoneWhen(order: OrderService, zone: ZoneProcess, afterOrders: number): { stop(): void; killedAt(): number | undefined } {
  let frozenAt: number | undefined;
  const timer = setInterval(() => {
    if (order.stats().orders >= afterOrders) {
      clearInterval(timer);
      frozenAt = monotonicClock.now();
      zone.freeze();
    }
  }, 5);
  return { stop: () => clearInterval(timer), killedAt: () => frozenAt };
}
