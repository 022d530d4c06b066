import http2 from 'node:http2';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { H2Client } from '../../client/index.js';
import type { Random } from '../../random.js';
import type { OrderStore } from '../../consistency/order-store.js';
import { formatTraceparent, newTraceId, parseTraceparent } from '../../consistency/traceparent.js';

/**
 * The lab's order service over h2c:
 *   POST /orders         {orderId, sku, qty} → 201 {traceId}
 *   POST /orders/cancel  {orderId}           → 200
 * `wal`: the order and its WAL row commit together and the answer goes out; the relay tells
 * inventory later. `dual-write`: the order commits, then inventory is called once, and a
 * failed call is only logged — the incident's path.
 */
export interface OrderServiceOptions {
  store: OrderStore;
  port: number;
  mode: 'dual-write' | 'wal';
  inventory: H2Client;
  random: Random;
  onCount?: (stats: Record<string, number>) => void;
}

async function readJson(stream: http2.ServerHttp2Stream): Promise<Record<string, unknown>> {
  let body = '';
  stream.setEncoding('utf8');
  for await (const chunk of stream) body += chunk as string;
  return body ? (JSON.parse(body) as Record<string, unknown>) : {};
}

export async function startOrderService(options: OrderServiceOptions): Promise<{ port: number; close(): Promise<void> }> {
  const { store, inventory, random } = options;
  const stats = { ordersPlaced: 0, orderRetriesAbsorbed: 0, cancels: 0, naiveCalls: 0, naiveCallsFailed: 0 };
  const counted = () => options.onCount?.({ ...stats });

  /** The dual-write call: once, and a failure is only counted. */
  async function callOnce(path: string, traceId: string, body: unknown): Promise<void> {
    stats.naiveCalls++;
    try {
      const res = await inventory.request({
        path,
        method: 'POST',
        headers: { 'content-type': 'application/json', traceparent: formatTraceparent(traceId, random) },
        body: JSON.stringify(body),
      });
      await res.text();
      if (res.status !== 200) stats.naiveCallsFailed++;
    } catch {
      stats.naiveCallsFailed++;
    }
  }

  async function handle(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): Promise<void> {
    const path = String(headers[':path'] ?? '/');
    const body = await readJson(stream);
    const orderId = String(body['orderId'] ?? '');
    if (path === '/orders') {
      const traceId = parseTraceparent(headers['traceparent']) ?? newTraceId(random);
      const order = { orderId, traceId, sku: String(body['sku']), qty: Number(body['qty']) };
      const placed = options.mode === 'wal' ? await store.placeOrder(order) : await store.placeOrderOnly(order);
      if (placed) stats.ordersPlaced++;
      else stats.orderRetriesAbsorbed++;
      if (placed && options.mode === 'dual-write') await callOnce('/inventory/reserve-naive', traceId, { orderId, sku: order.sku, qty: order.qty });
      counted();
      stream.respond({ ':status': 201, 'content-type': 'application/json' });
      stream.end(JSON.stringify({ orderId, traceId }));
      return;
    }
    if (path === '/orders/cancel') {
      const cancelled = await store.cancelOrder(orderId, options.mode === 'wal');
      if (cancelled) {
        stats.cancels++;
        if (options.mode === 'dual-write') {
          const row = (await store.db.all<{ traceId: string }>(`SELECT trace_id AS "traceId" FROM orders WHERE order_id = ?`, [orderId]))[0];
          if (row) await callOnce('/inventory/release', row.traceId, { keep: 0 });
        }
      }
      counted();
      stream.respond({ ':status': 200, 'content-type': 'application/json' });
      stream.end(JSON.stringify({ orderId, cancelled }));
      return;
    }
    stream.respond({ ':status': 404 });
    stream.end();
  }

  const server = http2.createServer();
  server.on('session', (s) => s.on('error', () => {}));
  server.on('stream', function orderStream(stream, headers) {
    stream.on('error', () => {});
    handle(stream, headers).catch((err: unknown) => {
      if (stream.destroyed || stream.closed) return;
      stream.respond({ ':status': 500, 'content-type': 'application/json' });
      stream.end(JSON.stringify({ error: (err as Error).message }));
    });
  });
  server.listen(options.port, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as AddressInfo).port, close: () => new Promise<void>((r) => server.close(() => r())) };
}
