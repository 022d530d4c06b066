import type http2 from 'node:http2';
import type { LabPki } from './certs.js';
import { startLabServer } from './lab-server.js';

/**
 * The lab's order service, the one from the incident: HTTPS h2 on node:http2.
 *   GET /api/v1/order?id=…  → calls inventory, answers JSON
 *   GET /static/*           → static assets of `assetBytes` each
 * With `pushAssets` > 0 it pushes that many static assets before every API response, exactly
 * the pattern that broke the incident's P99. Whether a push is refused is up to the push guard
 * installed by `decorate` (h2doctor/server's instrument()), not to this handler: the handler
 * pushes and carries on, like the incident's handler did.
 */
export interface StockAnswer {
  available: number;
  /** Where the answer came from: the inventory service, or a fallback when it could not answer in time. */
  source: 'inventory' | 'fallback';
}

/** How order asks inventory; the lab swaps a naive caller for a protected one. */
export type InventoryCaller = (sku: string) => Promise<StockAnswer>;

export interface OrderOptions {
  pki: LabPki;
  /** Static assets pushed before each API response (0 = none). */
  pushAssets: number;
  /** Size of each static asset in bytes. */
  assetBytes: number;
  /** The inventory call; when absent, order answers without one. */
  inventory?: InventoryCaller;
  /** Server idle timeout: sessions idle this long are closed (0 = never). */
  idleTimeoutMs: number;
  /** Installs middleware on the server (the push guard, metrics); returns a closer. */
  decorate?: (server: http2.Http2SecureServer) => { close(): Promise<void> } | undefined;
}

export interface OrderService {
  url: string;
  port: number;
  stats(): OrderStats;
  close(): Promise<void>;
}

/** Counters of what the order service did, kept by the handler. */
export interface OrderStats {
  /** API responses sent. */
  orders: number;
  /** pushStream() calls made by the handler. */
  pushAttempts: number;
  /** Pushes that went out (callback without error). */
  pushesSent: number;
  /** Pushes refused (by the push guard, or because the client disabled push). */
  pushesRefused: number;
  /** Inventory answers that were fallbacks. */
  fallbacks: number;
  /** Inventory calls that failed outright (answered 502). */
  inventoryFailures: number;
  /** TLS connections accepted. */
  connections: number;
}

export async function startOrder(options: OrderOptions): Promise<OrderService> {
  const stats: OrderStats = { orders: 0, pushAttempts: 0, pushesSent: 0, pushesRefused: 0, fallbacks: 0, inventoryFailures: 0, connections: 0 };
  const asset = Buffer.alloc(options.assetBytes, 'a');
  const lab = await startLabServer(options.pki);
  const server = lab.server;
  if (options.idleTimeoutMs > 0) server.setTimeout(options.idleTimeoutMs);
  const decorated = options.decorate?.(server);

  function pushAsset(stream: http2.ServerHttp2Stream, i: number): void {
    stats.pushAttempts++;
    try {
      stream.pushStream({ ':path': `/static/app-${i}.js` }, function onPushed(err, pushed) {
        if (err) {
          stats.pushesRefused++;
          return;
        }
        stats.pushesSent++;
        pushed.on('error', () => {});
        pushed.respond({ ':status': 200, 'content-type': 'application/javascript', 'content-length': asset.length });
        pushed.end(asset);
      });
    } catch {
      // Node throws synchronously when the client disabled push (ERR_HTTP2_PUSH_DISABLED).
      stats.pushesRefused++;
    }
  }

  server.on('stream', function orderStream(stream, headers) {
    stream.on('error', () => {});
    const path = String(headers[':path'] ?? '/');
    if (path.startsWith('/static/')) {
      stream.respond({ ':status': 200, 'content-type': 'application/javascript', 'content-length': asset.length });
      stream.end(asset);
      return;
    }
    if (!path.startsWith('/api/v1/order')) {
      stream.respond({ ':status': 404 });
      stream.end();
      return;
    }
    for (let i = 0; i < options.pushAssets; i++) pushAsset(stream, i);
    const id = new URL(path, 'https://order').searchParams.get('id') ?? '1';
    const answer = options.inventory ? options.inventory(`sku-${id}`) : Promise.resolve<StockAnswer>({ available: 1, source: 'inventory' });
    answer.then(
      (stock) => {
        if (stock.source === 'fallback') stats.fallbacks++;
        if (stream.destroyed) return;
        stats.orders++;
        stream.respond({ ':status': 200, 'content-type': 'application/json' });
        stream.end(JSON.stringify({ id, status: 'confirmed', stock }));
      },
      () => {
        stats.inventoryFailures++;
        if (stream.destroyed) return;
        stream.respond({ ':status': 502, 'content-type': 'application/json' });
        stream.end('{"error":"inventory unavailable"}');
      },
    );
  });
  return {
    url: lab.url,
    port: lab.port,
    stats: () => ({ ...stats, connections: lab.connections() }),
    async close() {
      await decorated?.close();
      await lab.close();
    },
  };
}
