import { createClient, type H2Client } from '../../client/index.js';
import { fieldVarint, readFields } from '../../grpc/index.js';
import type { InventoryCaller } from '../order.js';
import { encodeStockRequest, GET_STOCK } from './grpc-inventory.js';

/**
 * Order's inventory call in the keep-alive scenarios: `client.unary()` of h2doctor/client with
 * gRPC keep-alive. The PING interval is the scenario's (1 s in the storm, the server's 5 min
 * minimum when aligned); on GOAWAY ENHANCE_YOUR_CALM "too_many_pings" the client doubles it
 * for new connections and reconnects, as grpc-go and C-core clients do. A call caught on the
 * closed connection ends UNAVAILABLE and is retried (gRFC A6) within the retry budget.
 */
export interface GrpcCaller {
  call: InventoryCaller;
  client: H2Client;
  /** Calls that failed after their retries (order answered 502 for them). */
  failed(): number;
}

export interface GrpcCallerOptions {
  url: string;
  ca: string;
  /** gRPC keep-alive interval, ms. */
  keepaliveTimeMs: number;
  /** PING with no call open (the common misconfiguration pairs it with a short interval). */
  permitWithoutCalls?: boolean;
  /** Deadline per call, retries included, ms. */
  timeoutMs: number;
}

export function grpcInventoryCaller(options: GrpcCallerOptions): GrpcCaller {
  const client = createClient({
    endpoints: [{ url: options.url }],
    tls: { ca: options.ca },
    timeoutMs: options.timeoutMs,
    // grpc-go's and C-core's defaults besides the interval: 20 s PING timeout, no PINGs without calls.
    keepalive: { timeMs: options.keepaliveTimeMs, timeoutMs: 20_000, permitWithoutCalls: options.permitWithoutCalls === true },
    retry: { budget: 0.2, maxAttempts: 3 },
  });
  let failed = 0;
  async function grpcStock(sku: string) {
    try {
      const r = await client.unary({ method: GET_STOCK, message: encodeStockRequest(sku) });
      const f = readFields(r.message).find((x) => x.field === 2);
      return { available: f ? fieldVarint(f) : 0, source: 'inventory' as const };
    } catch (err) {
      failed++;
      throw err;
    }
  }
  return { call: grpcStock, client, failed: () => failed };
}
