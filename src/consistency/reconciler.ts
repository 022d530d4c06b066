import type { H2Client } from '../client/index.js';
import { createRandom, type Random } from '../random.js';
import type { ReservationCursor, ReservationRow } from './inventory-store.js';
import { emptyTally, isInconsistent, judgeOrder, judgeOrphan, type Verdict, type VerdictKind } from './judge.js';
import { walkOrdersAndReservations, type ReservationSource } from './keyset-walk.js';
import type { ConsistencyMetrics } from './metrics.js';
import type { OrderRow, OrderStore, WalRow } from './order-store.js';
import { deliverWalRow } from './relay.js';
import { formatTraceparent } from './traceparent.js';

/**
 * The reconciler: at an interval, walks every order and every reservation (keyset pages, so
 * millions of rows in bounded memory), verifies each order against inventory's rows
 * (`GET /inventory/verify`), and repairs what it finds: re-delivers a stuck or missing
 * reservation, releases duplicates, releases the stock of a cancelled order or of a
 * reservation with no order. Rows younger than the threshold are the relay's and are left
 * alone. Every repair carries the order's trace id.
 */
export interface ReconcilerOptions {
  store: OrderStore;
  client: H2Client;
  /** WAL rows (and orders) younger than this are not judged: the relay may still deliver them. Default 5 min, as in the incident's fix. */
  pendingThresholdMs?: number;
  /** Rows per page (default 2000). */
  pageSize?: number;
  /** Deadline per inventory call (default 2000 ms). */
  timeoutMs?: number;
  metrics?: ConsistencyMetrics;
  random?: Random;
  now?: () => number;
  log?: (line: string) => void;
}

export interface ReconcileResult {
  /** Orders checked. */
  checked: number;
  /** Reservations read from inventory. */
  reservationsChecked: number;
  /** Verdicts by kind (before repair). */
  found: Record<VerdictKind, number>;
  /** Repairs that inventory acknowledged. */
  repaired: number;
  /** Inconsistencies whose repair failed (or has none): still inconsistent after this pass. */
  stillInconsistent: number;
  wallMs: number;
}

/**
 * Reads reservations through inventory's `/inventory/verify`. A page read that fails (a
 * stalled or reset connection) is tried again, up to `attempts` times: one bad connection
 * should not void a pass over a million rows.
 */
export function httpReservationSource(client: H2Client, timeoutMs: number, attempts = 4): ReservationSource {
  async function once(path: string, signal?: AbortSignal): Promise<ReservationRow[]> {
    const res = await client.request({ path, timeoutMs, ...(signal ? { signal } : {}) });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`inventory /inventory/verify answered ${res.status}: ${text.slice(0, 200)}`);
    const body = JSON.parse(text) as { rows: [string, string, string, string, number, ReservationRow['status'], number][] };
    return body.rows.map(([reservationId, traceId, orderId, sku, qty, status, createdMs]) => ({ reservationId, traceId, orderId, sku, qty, status, createdMs }));
  }
  return {
    async reservationsAfter(cursor: ReservationCursor, upTo: string | undefined, limit: number, signal?: AbortSignal) {
      const q = new URLSearchParams({ afterTrace: cursor.traceId, afterId: cursor.reservationId, limit: String(limit) });
      if (upTo !== undefined) q.set('upTo', upTo);
      for (let i = 1; ; i++) {
        try {
          return await once(`/inventory/verify?${q}`, signal);
        } catch (err) {
          if (i >= attempts || signal?.aborted) throw err;
        }
      }
    },
  };
}

export interface Reconciler {
  /** One pass over everything. */
  pass(signal?: AbortSignal): Promise<ReconcileResult>;
  /** Runs a pass every `intervalMs` until the returned function is called. */
  every(intervalMs: number, onResult?: (r: ReconcileResult) => void): () => Promise<void>;
}

/** A reconciler's settings, with their defaults, and where it reads inventory's reservations. */
interface ReconcilerRun {
  readonly store: OrderStore;
  readonly client: H2Client;
  readonly metrics: ConsistencyMetrics | undefined;
  readonly log: ((line: string) => void) | undefined;
  /** Rows younger than this are the relay's, ms. */
  readonly threshold: number;
  readonly pageSize: number;
  /** Deadline per inventory call, ms. */
  readonly timeoutMs: number;
  readonly random: Random;
  readonly now: () => number;
  readonly source: ReservationSource;
}

function newReconcilerRun(options: ReconcilerOptions): ReconcilerRun {
  const timeoutMs = options.timeoutMs ?? 2000;
  return {
    store: options.store,
    client: options.client,
    metrics: options.metrics,
    log: options.log,
    threshold: options.pendingThresholdMs ?? 5 * 60_000,
    pageSize: options.pageSize ?? 2000,
    timeoutMs,
    random: options.random ?? createRandom(7),
    now: options.now ?? Date.now,
    source: httpReservationSource(options.client, timeoutMs),
  };
}

/** Asks inventory to release the reservations of `traceId` but `keep` of them. */
async function release(run: ReconcilerRun, traceId: string, keep: number, signal?: AbortSignal): Promise<void> {
  const res = await run.client.request({
    path: '/inventory/release',
    method: 'POST',
    headers: { 'content-type': 'application/json', traceparent: formatTraceparent(traceId, run.random) },
    body: JSON.stringify({ keep }),
    idempotent: true,
    timeoutMs: run.timeoutMs,
    ...(signal ? { signal } : {}),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`inventory release answered ${res.status}: ${text.slice(0, 200)}`);
}

/** A reserve message built from the order itself (the dual-write path keeps no WAL row). */
function reserveOf(o: OrderRow): WalRow {
  return {
    id: 0, orderId: o.orderId, traceId: o.traceId, version: 1, kind: 'reserve', sku: o.sku, qty: o.qty,
    status: 'pending', attempts: 0, nextAttemptMs: 0, createdMs: o.createdMs,
  };
}

/** Repairs one inconsistency; returns the action taken, or undefined when there is none to take. */
async function repair(run: ReconcilerRun, v: Verdict, traceId: string, order: OrderRow | undefined, signal?: AbortSignal): Promise<string | undefined> {
  switch (v.kind) {
    case 'stuck-pending':
      await deliverWalRow(run.client, v.wal, run.random, run.timeoutMs, signal);
      await run.store.markDelivered(v.wal.id);
      return 'redeliver';
    case 'missing':
      await deliverWalRow(run.client, reserveOf(order!), run.random, run.timeoutMs, signal);
      return 'redeliver';
    case 'duplicated':
      await release(run, traceId, 1, signal);
      return 'release-duplicate';
    case 'cancelled-held':
      await release(run, traceId, 0, signal);
      return 'release-cancelled';
    case 'orphan':
      await release(run, traceId, 0, signal);
      return 'release-orphan';
    default:
      // 'different': the keyed reservation cannot be re-made under the same key; a person decides.
      return undefined;
  }
}

/** Counts one verdict in `result` and, when it is an inconsistency, repairs it. */
async function act(run: ReconcilerRun, result: ReconcileResult, v: Verdict, traceId: string, order: OrderRow | undefined, signal?: AbortSignal): Promise<void> {
  result.found[v.kind]++;
  if (!isInconsistent(v)) return;
  try {
    const action = await repair(run, v, traceId, order, signal);
    if (action) {
      result.repaired++;
      run.metrics?.repairs.inc({ action });
      run.log?.(`reconciler trace=${traceId} ${v.kind}: ${action}`);
      return;
    }
  } catch (err) {
    run.log?.(`reconciler trace=${traceId} ${v.kind}: repair failed: ${(err as Error).message}`);
  }
  result.stillInconsistent++;
}

/** One pass: every order judged against its WAL rows and reservations, every orphan reservation too. */
async function reconcilePass(run: ReconcilerRun, signal?: AbortSignal): Promise<ReconcileResult> {
  const t0 = run.now();
  const cutoff = t0 - run.threshold;
  const result: ReconcileResult = { checked: 0, reservationsChecked: 0, found: emptyTally(), repaired: 0, stillInconsistent: 0, wallMs: 0 };
  await walkOrdersAndReservations(
    run.store,
    run.source,
    run.pageSize,
    async (page) => {
      result.checked += page.orders.length;
      for (const list of page.reservations.values()) result.reservationsChecked += list.length;
      for (const o of page.orders) await act(run, result, judgeOrder(o, page.wal.get(o.traceId) ?? [], page.reservations.get(o.traceId) ?? [], cutoff), o.traceId, o, signal);
      for (const t of page.orphans) await act(run, result, judgeOrphan(page.reservations.get(t)!, cutoff), t, undefined, signal);
    },
    signal,
  );
  result.wallMs = run.now() - t0;
  run.metrics?.inconsistent.set(result.stillInconsistent);
  return result;
}

/** Runs a pass every `intervalMs`, one at a time; the returned function stops and waits for the last. */
function runEvery(run: ReconcilerRun, intervalMs: number, onResult?: (r: ReconcileResult) => void): () => Promise<void> {
  const stop = new AbortController();
  let running: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    running = running.then(() =>
      reconcilePass(run, stop.signal).then(
        (r) => onResult?.(r),
        (err: unknown) => {
          if (!stop.signal.aborted) run.log?.(`reconciler pass failed: ${(err as Error).message}`);
        },
      ),
    );
  }, intervalMs);
  return async () => {
    clearInterval(timer);
    stop.abort();
    await running;
  };
}

export function createReconciler(options: ReconcilerOptions): Reconciler {
  const run = newReconcilerRun(options);
  return {
    pass: (signal) => reconcilePass(run, signal),
    every: (intervalMs, onResult) => runEvery(run, intervalMs, onResult),
  };
}
