import type http2 from 'node:http2';
import { encodeHealthCheckResponse, fieldString, frameMessage, GrpcMessageDecoder, GrpcStatus, HEALTH_CHECK_METHOD, ProtobufWriter, readFields, ServingStatus } from '../../grpc/index.js';
import { instrument } from '../../server/index.js';
import type { KeepaliveCounters } from '../../server/index.js';
import type { LabPki } from '../certs.js';
import { startLabServer } from '../lab-server.js';

/**
 * The keep-alive scenarios' inventory: a gRPC server on node:http2 (TLS, ALPN h2) answering
 * `/inventory.v1.Inventory/GetStock`, with h2doctor/server enforcing grpc-go's default
 * keep-alive policy (keepalive.EnforcementPolicy: MinTime 5 min, PermitWithoutStream false,
 * 2 strikes; C-core's defaults are the same). Past the strikes the connection is closed right
 * after the GOAWAY, as grpc-go and C-core close it (src/server/keepalive-policy.ts).
 */
export const GET_STOCK = '/inventory.v1.Inventory/GetStock';

/** grpc-go's and C-core's default enforcement policy. */
export const grpcDefaultPolicy = { minTimeMs: 5 * 60_000, permitWithoutCalls: false, maxPingStrikes: 2 } as const;

export interface GrpcInventory {
  url: string;
  port: number;
  /** The enforced policy. */
  policy: typeof grpcDefaultPolicy;
  /** Calls answered, TLS connections accepted, and the policy's counters. */
  stats(): { calls: number; connections: number; keepalive: KeepaliveCounters };
  close(): Promise<void>;
}

/** GetStockRequest { string sku = 1; } */
export function encodeStockRequest(sku: string): Uint8Array {
  return new ProtobufWriter().stringField(1, sku).finish();
}

/** GetStockRequest → GetStockReply { string sku = 1; uint32 available = 2; } */
function stockReply(request: Uint8Array): Uint8Array {
  const f = readFields(request).find((x) => x.field === 1);
  const sku = f ? fieldString(f) : '';
  // A deterministic stock level: these scenarios are about the connection, not the data.
  const available = [...sku].reduce((n, c) => n + c.charCodeAt(0), 0) % 100;
  return new ProtobufWriter().stringField(1, sku).varintField(2, available).finish();
}

export async function startGrpcInventory(pki: LabPki): Promise<GrpcInventory> {
  const lab = await startLabServer(pki);
  const doctor = instrument(lab.server, { keepalivePolicy: { ...grpcDefaultPolicy, afterGoaway: 'close' }, log: () => {} });
  let calls = 0;
  lab.server.on('stream', function grpcInventoryStream(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) {
    stream.on('error', () => {});
    const path = headers[':path'];
    if (path !== GET_STOCK && path !== HEALTH_CHECK_METHOD) {
      // Trailers-only: UNIMPLEMENTED, as a gRPC server answers an unknown method.
      stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': String(GrpcStatus.UNIMPLEMENTED) }, { endStream: true });
      return;
    }
    const decoder = new GrpcMessageDecoder();
    let request: Uint8Array = new Uint8Array(0);
    stream.on('data', (chunk: Buffer) => {
      for (const m of decoder.push(chunk)) request = m.data;
    });
    stream.on('end', () => {
      if (stream.destroyed) return;
      // grpc.health.v1 Check answers SERVING, as a grpc-go server with the health service registered does.
      const reply = path === HEALTH_CHECK_METHOD ? encodeHealthCheckResponse(ServingStatus.SERVING) : stockReply(request);
      if (path === GET_STOCK) calls++;
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': String(GrpcStatus.OK) }));
      stream.end(frameMessage(reply));
    });
  });
  return {
    url: lab.url,
    port: lab.port,
    policy: grpcDefaultPolicy,
    stats: () => ({ calls, connections: lab.connections(), keepalive: { ...doctor.snapshot().keepalive! } }),
    async close() {
      await doctor.close({ graceMs: 0 }).catch(() => {});
      await lab.close();
    },
  };
}
