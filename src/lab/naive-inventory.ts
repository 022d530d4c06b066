import http2 from 'node:http2';
import type { InventoryCaller, StockAnswer } from './order.js';

/**
 * The naive way order called inventory in the incident: a fresh HTTP/2 connection per call,
 * no deadline, no breaker, no fallback. Whatever the network does to one connection, the
 * caller waits for, in full.
 */
export function naiveInventoryCaller(baseUrl: string, ca: string): InventoryCaller {
  return function callInventoryNaively(sku: string): Promise<StockAnswer> {
    return new Promise<StockAnswer>((resolve, reject) => {
      const session = http2.connect(baseUrl, { ca, servername: 'localhost' });
      session.on('error', reject);
      const req = session.request({ ':path': `/api/v1/stock?sku=${encodeURIComponent(sku)}` });
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('error', (err) => {
        session.destroy();
        reject(err);
      });
      req.on('end', () => {
        session.close();
        try {
          resolve({ available: (JSON.parse(body) as { available: number }).available, source: 'inventory' });
        } catch (err) {
          reject(err);
        }
      });
      req.end();
    });
  };
}
