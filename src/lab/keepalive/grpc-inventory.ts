import type http2 from 'node:http2';
import { fieldString, frameMessage, GrpcMessageDecoder, GrpcStatus, ProtobufWriter, readFields } from '../../grpc/index.js';
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

/** GetStockReply { string sku = 1; uint32 available = 2; } */
function encodeStockReply(sku: string, available: number): Uint8Array {
  return new ProtobufWriter().stringField(1, sku).varintField(2, available).finish();
}

export async function startGrpcInventory(pki: LabPki): Promise<GrpcInventory> {
  const lab = await startLabServer(pki);
  const doctor = instrument(lab.server, { keepalivePolicy: { ...grpcDefaultPolicy, afterGoaway: 'close' }, log: () => {} });
  let calls = 0;
  lab.server.on('stream', function grpcInventoryStream(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) {
    stream.on('error', () => {});
    if (headers[':path'] !== GET_STOCK) {
      // Trailers-only: UNIMPLEMENTED, as a gRPC server answers an unknown method.
      stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': String(GrpcStatus.UNIMPLEMENTED) }, { endStream: true });
      return;
    }
    const decoder = new GrpcMessageDecoder();
    let sku = '';
    stream.on('data', (chunk: Buffer) => {
      for (const m of decoder.push(chunk)) {
        const f = readFields(m.data).find((x) => x.field === 1);
        if (f) sku = fieldString(f);
      }
    });
    stream.on('end', () => {
      if (stream.destroyed) return;
      calls++;
      // A deterministic stock level: these scenarios are about the connection, not the data.
      const available = [...sku].reduce((n, c) => n + c.charCodeAt(0), 0) % 100;
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': String(GrpcStatus.OK) }));
      stream.end(frameMessage(encodeStockReply(sku, available)));
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
