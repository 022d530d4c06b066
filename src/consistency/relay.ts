import { setMaxListeners } from 'node:events';
import type { H2Client } from '../client/index.js';
import { backoffDelay } from '../client/retry-policy.js';
import { createRandom, type Random } from '../random.js';
import type { ConsistencyMetrics } from './metrics.js';
import type { OrderStore, WalRow } from './order-store.js';
import { formatTraceparent } from './traceparent.js';

/**
 * The relay: delivers pending WAL rows to inventory, at least once. Before each send it
 * records the attempt and the time of the next one (exponential backoff with full jitter), so
 * a row that fails, or whose sender dies, is sent again when due; after a 2xx it marks the row
 * delivered. All state is in the WAL: a relay started after a crash resumes where the last one
 * stopped, and anything the dead one had in flight is sent again (inventory absorbs the
 * duplicate by its trace-id key). The h2doctor/client underneath adds its own deadline, retry
 * budget and breaker.
 */
export interface RelayOptions {
  store: OrderStore;
  /** A client whose endpoints are inventory. */
  client: H2Client;
  /** Rows fetched and sent concurrently per round (default 32). */
  batch?: number;
  /** Sleep when nothing is due, ms (default 20). */
  idleMs?: number;
  /** Deadline per send, ms (default 1000). */
  timeoutMs?: number;
  /** Backoff between sends of one row (default base 50 ms, cap 2000 ms). */
  backoff?: { baseMs?: number; maxMs?: number };
  metrics?: ConsistencyMetrics;
  random?: Random;
  /** Wall clock, ms (must match the store's). */
  now?: () => number;
  log?: (line: string) => void;
  onCount?: (stats: RelayStats) => void;
}

export interface RelayStats {
  /** Rows delivered and marked delivered. */
  delivered: number;
  /** Sends of rows that had been sent before. */
  redelivered: number;
  /** Sends that failed (transport, deadline, non-2xx); the row stays pending. */
  failedSends: number;
  /** Deliveries inventory answered as a duplicate it absorbed. */
  duplicatesAnswered: number;
}

export interface Relay {
  stats(): RelayStats;
  /** Resolves once no row is pending (or `timeoutMs` passed); true when drained. */
  drained(timeoutMs: number, signal?: AbortSignal): Promise<boolean>;
  stop(): Promise<void>;
}

/** Sends one WAL row; resolves to inventory's outcome, throws on failure. */
export async function deliverWalRow(client: H2Client, row: WalRow, random: Random, timeoutMs: number, signal?: AbortSignal): Promise<string> {
  const path = row.kind === 'reserve' ? '/inventory/reserve' : '/inventory/release';
  const res = await client.request({
    path,
    method: 'POST',
    headers: { 'content-type': 'application/json', traceparent: formatTraceparent(row.traceId, random) },
    body: JSON.stringify(row.kind === 'reserve' ? { orderId: row.orderId, sku: row.sku, qty: row.qty } : { keep: 0 }),
    // Safe to retry: the trace id is the idempotency key inventory dedupes on.
    idempotent: true,
    timeoutMs,
    ...(signal ? { signal } : {}),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`inventory answered ${res.status}: ${text.slice(0, 200)}`);
  return (JSON.parse(text) as { outcome: string }).outcome;
}

/** A running relay: its settings, counters, the window of sends in flight, and who waits for an empty WAL. */
interface RelayRun {
  readonly store: OrderStore;
  readonly client: H2Client;
  readonly metrics: ConsistencyMetrics | undefined;
  readonly log: ((line: string) => void) | undefined;
  readonly onCount: ((stats: RelayStats) => void) | undefined;
  /** Most sends in flight at once, and rows fetched per WAL read. */
  readonly batch: number;
  /** Sleep when nothing is due, ms. */
  readonly idleMs: number;
  /** Deadline per send, ms. */
  readonly timeoutMs: number;
  readonly random: Random;
  /** Wall clock, ms (the store's). */
  readonly now: () => number;
  readonly backoff: { baseMs: number; maxMs: number };
  readonly stats: RelayStats;
  /** Aborted by stop(): the loop ends and every send in flight is cancelled. */
  readonly stop: AbortController;
  /** drained() callers waiting for a WAL with nothing pending. */
  pendingZeroWaiters: Array<() => void>;
  /** Rows delivered and not yet marked in the WAL, and the flush that will mark them. */
  toMark: number[];
  flushing: Promise<void> | undefined;
  /** Ids of the rows being sent now. */
  readonly inFlight: Set<number>;
  /** Ends the loop's current nap early (a send settled); undefined when it is not napping. */
  wake: (() => void) | undefined;
}

/** The relay's settings with their defaults, and its empty state. */
function newRelayRun(options: RelayOptions): RelayRun {
  const stop = new AbortController();
  // Every send listens on this one signal: many at once is the design, not a leak.
  setMaxListeners(0, stop.signal);
  return {
    store: options.store,
    client: options.client,
    metrics: options.metrics,
    log: options.log,
    onCount: options.onCount,
    batch: options.batch ?? 32,
    idleMs: options.idleMs ?? 20,
    timeoutMs: options.timeoutMs ?? 1000,
    random: options.random ?? createRandom(1),
    now: options.now ?? Date.now,
    backoff: { baseMs: options.backoff?.baseMs ?? 50, maxMs: options.backoff?.maxMs ?? 2000 },
    stats: { delivered: 0, redelivered: 0, failedSends: 0, duplicatesAnswered: 0 },
    stop,
    pendingZeroWaiters: [],
    toMark: [],
    flushing: undefined,
    inFlight: new Set<number>(),
    wake: undefined,
  };
}

/**
 * Marks a row delivered. Marks are written in batches: one commit for many rows. A crash
 * before the flush only means those rows are sent again, and inventory absorbs them.
 */
function markDelivered(run: RelayRun, id: number): Promise<void> {
  run.toMark.push(id);
  run.flushing ??= new Promise<void>((r) => setImmediate(r)).then(async () => {
    const ids = run.toMark;
    run.toMark = [];
    run.flushing = undefined;
    await run.store.markDeliveredMany(ids);
  });
  return run.flushing;
}

/** Sends one row and counts the outcome; a failed send leaves the row pending for its next attempt. */
async function sendOne(run: RelayRun, row: WalRow): Promise<void> {
  const { stats, metrics } = run;
  if (row.attempts > 0) {
    stats.redelivered++;
    metrics?.redeliveries.inc();
  }
  try {
    const outcome = await deliverWalRow(run.client, row, run.random, run.timeoutMs, run.stop.signal);
    await markDelivered(run, row.id);
    stats.delivered++;
    metrics?.deliveries.inc({ kind: row.kind });
    if (outcome === 'duplicate') stats.duplicatesAnswered++;
    run.log?.(`relay trace=${row.traceId} ${row.kind} v${row.version} attempt ${row.attempts + 1}: ${outcome}`);
  } catch (err) {
    stats.failedSends++;
    run.log?.(`relay trace=${row.traceId} ${row.kind} attempt ${row.attempts + 1} failed: ${(err as Error).message}`);
  }
  run.onCount?.({ ...stats });
}

/** Sleeps `ms`, or less when a send settles first. */
function nap(run: RelayRun, ms: number): Promise<void> {
  return new Promise<void>((r) => {
    const t = setTimeout(() => { run.wake = undefined; r(); }, ms);
    run.wake = () => { clearTimeout(t); run.wake = undefined; r(); };
  });
}

/**
 * The due rows that fit in the window and are not already in flight. With nothing due and
 * nothing in flight it also reads how far behind the WAL is, and wakes drained() callers
 * once nothing is pending.
 */
async function dueRows(run: RelayRun): Promise<WalRow[]> {
  const { store, inFlight, batch } = run;
  try {
    const rows = (await store.duePending(batch + inFlight.size)).filter((r) => !inFlight.has(r.id)).slice(0, batch - inFlight.size);
    if (rows.length === 0 && inFlight.size === 0) {
      const summary = await store.pendingSummary();
      run.metrics?.oldestPendingSeconds.set(summary.oldestAgeMs / 1000);
      if (summary.pending === 0) {
        for (const w of run.pendingZeroWaiters) w();
        run.pendingZeroWaiters = [];
      }
    }
    return rows;
  } catch (err) {
    run.log?.(`relay: reading the WAL failed: ${(err as Error).message}`);
    return [];
  }
}

/**
 * Records an attempt, and when the next one is due, for each row before it is sent, so a
 * crash mid-send still counts it and delays the row's retry. Returns the rows to send: none
 * when the write failed.
 */
async function recordAttempts(run: RelayRun, rows: WalRow[]): Promise<WalRow[]> {
  try {
    await run.store.markAttempts(rows.map((r) => ({ id: r.id, nextAttemptMs: run.now() + run.timeoutMs + backoffDelay(r.attempts + 1, run.random, run.backoff) })));
    return rows;
  } catch (err) {
    run.log?.(`relay: recording attempts failed: ${(err as Error).message}`);
    return [];
  }
}

/**
 * A window of sends in flight, refilled as each one settles: one stalled send does not hold
 * up the others (no head-of-line blocking behind a batch). Ends after stop(), once the sends
 * in flight have settled.
 */
async function relayLoop(run: RelayRun): Promise<void> {
  const { inFlight, idleMs } = run;
  while (!run.stop.signal.aborted) {
    if (inFlight.size >= run.batch) {
      await nap(run, idleMs);
      continue;
    }
    const rows = await recordAttempts(run, await dueRows(run));
    for (const row of rows) {
      inFlight.add(row.id);
      void sendOne(run, row).finally(() => {
        inFlight.delete(row.id);
        run.wake?.();
      });
    }
    await nap(run, rows.length === 0 ? idleMs : 1);
  }
  while (inFlight.size > 0) await nap(run, idleMs);
}

/** Resolves true the next time the loop finds nothing pending, false after `waitMs` or on abort. */
function waitDrained(run: RelayRun, waitMs: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), waitMs);
    const done = () => {
      clearTimeout(timer);
      resolve(true);
    };
    run.pendingZeroWaiters.push(done);
    signal?.addEventListener('abort', () => resolve(false), { once: true });
  });
}

export function startRelay(options: RelayOptions): Relay {
  const run = newRelayRun(options);
  const running = relayLoop(run);
  return {
    stats: () => ({ ...run.stats }),
    drained: (waitMs, signal) => waitDrained(run, waitMs, signal),
    async stop() {
      run.stop.abort();
      await running;
    },
  };
}
