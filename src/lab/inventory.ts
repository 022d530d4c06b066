import type { LabPki } from './certs.js';
import { startLabServer } from './lab-server.js';

/**
 * The lab's inventory service: one instance per zone, HTTPS h2.
 *   GET /api/v1/stock?sku=…  → {"sku","zone","available"}
 *   GET /health              → 200 ok
 * `kill()` makes the zone die the way a zone does: every connection is cut and new ones are
 * refused, with no GOAWAY.
 */
export interface InventoryService {
  zone: string;
  /** https://127.0.0.1:PORT */
  url: string;
  port: number;
  /** Requests served, by path kind. */
  stats(): { stock: number; health: number };
  /** Abrupt death: sockets destroyed, listener closed. */
  kill(): void;
  close(): Promise<void>;
}

export interface InventoryOptions {
  zone: string;
  pki: LabPki;
  /** Listen port (0 = any). */
  port?: number;
}

export async function startInventory(options: InventoryOptions): Promise<InventoryService> {
  const counts = { stock: 0, health: 0 };
  const lab = await startLabServer(options.pki, options.port ?? 0);
  lab.server.on('stream', function inventoryStream(stream, headers) {
    stream.on('error', () => {});
    const path = String(headers[':path'] ?? '/');
    if (path === '/health') {
      counts.health++;
      stream.respond({ ':status': 200, 'content-type': 'text/plain' });
      stream.end('ok');
      return;
    }
    if (path.startsWith('/api/v1/stock')) {
      counts.stock++;
      const sku = new URL(path, 'https://inventory').searchParams.get('sku') ?? 'unknown';
      // A deterministic stock level: the lab's consistency is about latency, not about data.
      const available = [...sku].reduce((n, c) => n + c.charCodeAt(0), 0) % 100;
      stream.respond({ ':status': 200, 'content-type': 'application/json' });
      stream.end(JSON.stringify({ sku, zone: options.zone, available }));
      return;
    }
    stream.respond({ ':status': 404 });
    stream.end();
  });
  return {
    zone: options.zone,
    url: lab.url,
    port: lab.port,
    stats: () => ({ ...counts }),
    kill: lab.kill,
    close: lab.close,
  };
}
