import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { parseTraceparent } from './traceparent.js';
import type { InventoryStore, ReservationCursor } from './inventory-store.js';
import type { ConsistencyMetrics } from './metrics.js';

/**
 * Inventory over HTTP/2 (cleartext h2c; put TLS in front as for any internal service):
 *   POST /inventory/reserve        {orderId, sku, qty} + traceparent → {outcome}  (idempotent)
 *   POST /inventory/reserve-naive  same, not idempotent (the dual-write path)
 *   POST /inventory/release        {keep?} + traceparent → {outcome}               (idempotent)
 *   GET  /inventory/verify?afterTrace&afterId&upTo&limit → {columns, rows}  (the reconciler's keyset page)
 *   GET  /health
 * Every answer echoes the trace id it acted on, and every log line carries it.
 */
export interface InventoryServiceOptions {
  store: InventoryStore;
  host?: string;
  port?: number;
  metrics?: ConsistencyMetrics;
  /** One line per message, with its trace id (default: none). */
  log?: (line: string) => void;
  /** Called after every counted event (the lab's processes report their counters from here). */
  onCount?: (stats: InventoryServiceStats) => void;
}

export interface InventoryServiceStats {
  reserved: number;
  duplicatesAbsorbed: number;
  rejected: number;
  released: number;
  naiveReserved: number;
  failed: number;
}

export interface InventoryService {
  url: string;
  port: number;
  stats(): InventoryServiceStats;
  close(): Promise<void>;
}

const maxBody = 64 * 1024;

/** The columns of `/inventory/verify`'s row arrays. */
export const verifyColumns = ['reservationId', 'traceId', 'orderId', 'sku', 'qty', 'status', 'createdMs'] as const;

function readJson(stream: http2.ServerHttp2Stream): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    let body = '';
    stream.setEncoding('utf8');
    stream.on('data', (d: string) => {
      body += d;
      if (body.length > maxBody) reject(new Error('body too large'));
    });
    stream.on('end', () => {
      try {
        resolve(body ? (JSON.parse(body) as Record<string, unknown>) : {});
      } catch (err) {
        reject(err);
      }
    });
    stream.on('error', reject);
  });
}

function answer(stream: http2.ServerHttp2Stream, status: number, body: unknown): void {
  if (stream.destroyed || stream.closed) return;
  stream.respond({ ':status': status, 'content-type': 'application/json' });
  stream.end(JSON.stringify(body));
}

export async function startInventoryService(options: InventoryServiceOptions): Promise<InventoryService> {
  const { store, metrics, log } = options;
  const stats: InventoryServiceStats = { reserved: 0, duplicatesAbsorbed: 0, rejected: 0, released: 0, naiveReserved: 0, failed: 0 };
  const counted = () => options.onCount?.({ ...stats });
  const server = http2.createServer();
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (s) => {
    sessions.add(s);
    s.on('close', () => sessions.delete(s));
    s.on('error', () => {});
  });

  async function handle(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): Promise<void> {
    const path = String(headers[':path'] ?? '/');
    const method = String(headers[':method'] ?? 'GET');
    const url = new URL(path, 'http://inventory');
    if (url.pathname === '/health') return answer(stream, 200, { ok: true });
    if (method === 'GET' && url.pathname === '/inventory/verify') {
      const cursor: ReservationCursor = { traceId: url.searchParams.get('afterTrace') ?? '', reservationId: url.searchParams.get('afterId') ?? '' };
      const upTo = url.searchParams.get('upTo') ?? undefined;
      const limit = Math.min(20_000, Math.max(1, Number(url.searchParams.get('limit') ?? 1000)));
      const rows = await store.reservationsAfter(cursor, upTo, limit);
      // Rows as arrays (verifyColumns order): a million-row pass moves half the JSON.
      return answer(stream, 200, { columns: verifyColumns, rows: rows.map((r) => [r.reservationId, r.traceId, r.orderId, r.sku, r.qty, r.status, r.createdMs]) });
    }
    if (method !== 'POST') return answer(stream, 404, { error: 'not found' });
    const traceId = parseTraceparent(headers['traceparent']);
    if (!traceId) return answer(stream, 400, { error: 'a valid traceparent header is required: the order trace id is the idempotency key' });
    const body = await readJson(stream);
    if (url.pathname === '/inventory/release') {
      const keep = typeof body['keep'] === 'number' ? body['keep'] : 0;
      const outcome = await store.release(traceId, keep);
      if (outcome === 'released') stats.released++;
      if (outcome === 'duplicate') {
        stats.duplicatesAbsorbed++;
        metrics?.duplicatesAbsorbed.inc();
      }
      counted();
      log?.(`inventory trace=${traceId} release keep=${keep}: ${outcome}`);
      return answer(stream, 200, { traceId, outcome });
    }
    const orderId = String(body['orderId'] ?? ''), sku = String(body['sku'] ?? ''), qty = Number(body['qty']);
    if (!orderId || !sku || !Number.isInteger(qty) || qty <= 0) return answer(stream, 400, { error: 'orderId, sku and a positive integer qty are required' });
    if (url.pathname === '/inventory/reserve') {
      const outcome = await store.reserve({ traceId, orderId, sku, qty });
      if (outcome === 'reserved') stats.reserved++;
      else if (outcome === 'rejected') stats.rejected++;
      else {
        stats.duplicatesAbsorbed++;
        metrics?.duplicatesAbsorbed.inc();
      }
      counted();
      log?.(`inventory trace=${traceId} reserve order=${orderId} ${sku}×${qty}: ${outcome}`);
      return answer(stream, 200, { traceId, outcome });
    }
    if (url.pathname === '/inventory/reserve-naive') {
      await store.reserveNaive({ traceId, orderId, sku, qty });
      stats.naiveReserved++;
      counted();
      return answer(stream, 200, { traceId, outcome: 'reserved' });
    }
    return answer(stream, 404, { error: 'not found' });
  }

  server.on('stream', function inventoryStream(stream, headers) {
    stream.on('error', () => {});
    handle(stream, headers).catch((err: unknown) => {
      stats.failed++;
      counted();
      answer(stream, 500, { error: (err as Error).message });
    });
  });
  server.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    port,
    stats: () => ({ ...stats }),
    close: async () => {
      for (const s of sessions) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
