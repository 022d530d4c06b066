/**
 * A gRPC service on a plain node:http2 server, instrumented by h2doctor/server: echo
 * (`/h2doctor.test.Echo/Echo`) and a slow echo (`/h2doctor.test.Echo/Slow`). It frames with
 * h2doctor/grpc, so the keep-alive policy and the client are tested against a server whose
 * HTTP/2 is Node's (nghttp2), not h2doctor's. Calls are counted by grpc-status server side.
 */
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { frameMessage, GrpcMessageDecoder } from '../../src/grpc/index.js';
import { instrument, type InstrumentOptions, type ServerDoctor } from '../../src/server/index.js';

export interface NodeGrpcServerOptions extends InstrumentOptions {
  /** Slow answers after this long (default 200 ms). */
  slowMs?: number;
  /** Fail this share of calls with UNAVAILABLE (seeded, counted). */
  failShare?: number;
}

export interface RunningNodeGrpc {
  url: string;
  port: number;
  doctor: ServerDoctor;
  /** Calls answered by grpc-status name. */
  counts: Record<string, number>;
  /** Sessions accepted. */
  sessions(): number;
  close(): Promise<void>;
}

export async function startNodeGrpcServer(options: NodeGrpcServerOptions = {}): Promise<RunningNodeGrpc> {
  const server = http2.createServer();
  const doctor = instrument(server, { slowRequests: false, trace: false, log: () => {}, ...options });
  const counts: Record<string, number> = {};
  let seed = 12345;
  const random = (): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x80000000);
  let sessions = 0;
  server.on('session', () => { sessions++; });
  server.on('stream', (stream, headers) => {
    const path = headers[':path'];
    const decoder = new GrpcMessageDecoder();
    const chunks: Uint8Array[] = [];
    stream.on('data', (b: Buffer) => { for (const m of decoder.push(b)) chunks.push(m.data); });
    stream.on('error', () => {});
    stream.on('end', () => {
      const answer = (): void => {
        if (stream.destroyed || stream.closed) return;
        if (path === '/h2doctor.test.Echo/Echo' && options.failShare !== undefined && random() < options.failShare) {
          counts.UNAVAILABLE = (counts.UNAVAILABLE ?? 0) + 1;
          stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '14', 'grpc-message': 'shedding load (test)' }, { endStream: true });
          return;
        }
        counts.OK = (counts.OK ?? 0) + 1;
        stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
        stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
        stream.end(frameMessage(chunks[0] ?? new Uint8Array(0)));
      };
      if (path === '/h2doctor.test.Echo/Slow') setTimeout(answer, options.slowMs ?? 200);
      else if (path === '/h2doctor.test.Echo/Echo') answer();
      else if (!stream.destroyed) {
        counts.UNIMPLEMENTED = (counts.UNIMPLEMENTED ?? 0) + 1;
        stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '12' }, { endStream: true });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    doctor,
    counts,
    sessions: () => sessions,
    async close() {
      await doctor.close({ graceMs: 100 }); // closes the server too
    },
  };
}
