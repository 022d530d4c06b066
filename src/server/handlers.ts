import type { Registry } from 'prom-client';

/**
 * Request handlers for the metrics and debug routes, in the `(req, res)` shape shared by the
 * node:http2 compat API, node:http and the frameworks on top, so they mount anywhere.
 */

/** The part of a compat/http response these handlers use. */
export interface CompatResponse {
  statusCode: number;
  setHeader(name: string, value: string): unknown;
  end(body: string): unknown;
}

export type CompatHandler = (req: unknown, res: CompatResponse) => void;

export function createMetricsHandler(registry: Registry): CompatHandler {
  return function metricsHandler(_req, res) {
    registry.metrics().then(
      (text) => {
        res.statusCode = 200;
        res.setHeader('content-type', registry.contentType);
        res.end(text);
      },
      (err: unknown) => {
        // A collect() callback threw: answer 500 with one line rather than hang the scrape.
        res.statusCode = 500;
        res.setHeader('content-type', 'text/plain; charset=utf-8');
        res.end(`metrics collection failed: ${(err as Error)?.message ?? String(err)}\n`);
      },
    );
  };
}

export function createSnapshotHandler(snapshot: () => unknown): CompatHandler {
  return function snapshotHandler(_req, res) {
    res.statusCode = 200;
    res.setHeader('content-type', 'application/json; charset=utf-8');
    res.end(`${JSON.stringify(snapshot(), null, 2)}\n`);
  };
}
