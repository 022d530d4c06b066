import { createClient, type H2Client } from '../client/index.js';
import { NoHealthyEndpointError } from '../errors.js';
import type { BreakerOptions } from '../client/breaker.js';
import type { HedgeOptions } from '../client/hedge-policy.js';
import type { InventoryCaller, StockAnswer } from './order.js';

/**
 * Order's inventory call done the h2doctor way: pooled sessions, a deadline, a breaker tuned
 * to measured latency, and a fallback answer (a cached "stock unknown, accept the order"
 * decision) when inventory cannot answer in time. Also records every call's latency, which is
 * how `healthy` measures the P99 the breaker is later tuned from.
 */
export interface ProtectedCaller {
  call: InventoryCaller;
  client: H2Client;
  /** Latency of every inventory call that got a real answer, ms. */
  latenciesMs: number[];
  /** Calls answered by the fallback. */
  fallbacks(): number;
  /** When (caller's clock) each inventory zone first answered a call. */
  firstAnswerAt: Map<string, number>;
}

export interface ProtectedCallerOptions {
  endpoints: { url: string; zone: string; priority: number }[];
  ca: string;
  /** Deadline per call, ms. */
  timeoutMs: number;
  /** Per-try timeout, ms (zone failover). */
  attemptTimeoutMs?: number;
  /** Hedged calls (the protected spike scenario). */
  hedge?: HedgeOptions;
  breaker?: BreakerOptions;
  /** Active health checks (zone failover). */
  health?: { path: string; intervalMs: number; timeoutMs: number };
  /** Sessions are retired after this many requests, so faults that pick connections are met. */
  maxRequestsPerSession?: number;
  /** Answer from the fallback when inventory cannot (true), or fail the call (false). */
  fallback: boolean;
  now: () => number;
}

/** The fallback: availability unknown; order accepts and reconciles later. */
const FALLBACK: StockAnswer = { available: -1, source: 'fallback' };

export function protectedInventoryCaller(options: ProtectedCallerOptions): ProtectedCaller {
  const client = createClient({
    endpoints: options.endpoints,
    tls: { ca: options.ca },
    timeoutMs: options.timeoutMs,
    ...(options.attemptTimeoutMs ? { attemptTimeoutMs: options.attemptTimeoutMs } : {}),
    ...(options.hedge ? { hedge: options.hedge } : {}),
    ...(options.breaker ? { breaker: options.breaker } : {}),
    ...(options.health ? { health: options.health } : {}),
    pool: options.maxRequestsPerSession ? { maxRequestsPerSession: options.maxRequestsPerSession } : {},
    retry: { budget: 0.2, maxAttempts: 3 },
  });
  const latenciesMs: number[] = [];
  let fallbacks = 0;
  const firstAnswerAt = new Map<string, number>();
  async function callInventoryProtected(sku: string): Promise<StockAnswer> {
    const t0 = options.now();
    try {
      const res = await client.request({
        path: `/api/v1/stock?sku=${encodeURIComponent(sku)}`,
        fallback: () => null,
      });
      if (res === null) {
        if (!options.fallback) throw new NoHealthyEndpointError('inventory: no endpoint can take the call');
        fallbacks++;
        return FALLBACK;
      }
      if (res.status !== 200) {
        await res.dump();
        if (!options.fallback) throw new Error(`inventory answered ${res.status}`);
        fallbacks++;
        return FALLBACK;
      }
      const body = (await res.json()) as { available: number; zone?: string };
      const now = options.now();
      latenciesMs.push(now - t0);
      if (body.zone && !firstAnswerAt.has(body.zone)) firstAnswerAt.set(body.zone, now);
      return { available: body.available, source: 'inventory' };
    } catch (err) {
      // Deadline passed, retries spent, or the endpoint died: answer from the fallback rather
      // than make the order wait or fail — unless this caller must tell the truth.
      if (!options.fallback) throw err;
      fallbacks++;
      return FALLBACK;
    }
  }
  return { call: callInventoryProtected, client, latenciesMs, fallbacks: () => fallbacks, firstAnswerAt };
}
