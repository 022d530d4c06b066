/**
 * A real `@connectrpc/connect-node` gRPC service on a node:http2 server instrumented by
 * h2doctor/server, for the gRPC server metrics tests. The service is defined without codegen:
 * a FileDescriptorProto built at run time and turned into descriptors by @bufbuild/protobuf
 * (the same objects generated code would export), with google.protobuf.StringValue as request
 * and response. Every call is counted server side by the status the handler chose, so tests
 * compare the metrics with what the service really did.
 *
 *   service h2doctor.test.Stock {
 *     rpc Get(StringValue) returns (StringValue);            // value: sku, see `get` below
 *     rpc Watch(StringValue) returns (stream StringValue);   // three messages
 *   }
 */
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { create, createFileRegistry, fromBinary, toBinary } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema, StringValueSchema, file_google_protobuf_wrappers } from '@bufbuild/protobuf/wkt';
import type { DescService } from '@bufbuild/protobuf';
import { Code, ConnectError, type HandlerContext } from '@connectrpc/connect';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import { instrument, type InstrumentOptions, type ServerDoctor } from '../../src/server/index.js';

const file = create(FileDescriptorProtoSchema, {
  name: 'h2doctor/test/stock.proto',
  package: 'h2doctor.test',
  syntax: 'proto3',
  dependency: ['google/protobuf/wrappers.proto'],
  service: [{
    name: 'Stock',
    method: [
      { name: 'Get', inputType: '.google.protobuf.StringValue', outputType: '.google.protobuf.StringValue' },
      { name: 'Watch', inputType: '.google.protobuf.StringValue', outputType: '.google.protobuf.StringValue', serverStreaming: true },
    ],
  }],
});

export const StockService: DescService = createFileRegistry(file, (name) => (name === 'google/protobuf/wrappers.proto' ? file_google_protobuf_wrappers : undefined))
  .getService('h2doctor.test.Stock')!;

/** A serialized StringValue (what `client.unary` and grpc-js send). */
export function encodeString(value: string): Uint8Array {
  return toBinary(StringValueSchema, create(StringValueSchema, { value }));
}

export function decodeString(bytes: Uint8Array): string {
  return fromBinary(StringValueSchema, bytes).value;
}

export interface RunningStock {
  url: string;
  port: number;
  doctor: ServerDoctor;
  /** Calls the handlers finished, by `method code-name` (e.g. `Get NotFound`), as the service decided them. */
  counts: Record<string, number>;
  close(): Promise<void>;
}

/**
 * `Get` answers `stock:<sku>`, except: `missing…` → NOT_FOUND, `busy…` → UNAVAILABLE,
 * `slow…` → waits until the client goes away (or 5 s). `Watch` sends three messages.
 * `fallback` serves what connect does not route (plain HTTP, raw gRPC paths).
 */
export async function startStockServer(
  options: InstrumentOptions,
  fallback?: (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void,
  /** Address to listen on (default 127.0.0.1; 0.0.0.0 takes every 127.x loopback address too). */
  host = '127.0.0.1',
): Promise<RunningStock> {
  const counts: Record<string, number> = {};
  const count = (key: string): void => { counts[key] = (counts[key] ?? 0) + 1; };
  const handler = connectNodeAdapter({
    grpc: true,
    connect: false,
    grpcWeb: false,
    routes(router) {
      router.service(StockService, {
        async get(req: { value: string }, ctx: HandlerContext) {
          if (req.value.startsWith('missing')) {
            count('Get NotFound');
            throw new ConnectError(`no sku ${req.value}`, Code.NotFound);
          }
          if (req.value.startsWith('busy')) {
            count('Get Unavailable');
            throw new ConnectError('shedding load (test)', Code.Unavailable);
          }
          if (req.value.startsWith('slow')) {
            await new Promise<void>((resolve) => {
              const timer = setTimeout(resolve, 5000);
              ctx.signal.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
            });
            count('Get slow-ended');
          } else count('Get OK');
          return { value: `stock:${req.value}` };
        },
        async *watch(req: { value: string }) {
          for (let i = 0; i < 3; i++) yield { value: `${req.value}#${i}` };
          count('Watch OK');
        },
      } as never);
    },
    fallback: fallback as never,
  });
  const server = http2.createServer(handler);
  const doctor = instrument(server, { slowRequests: false, trace: false, log: () => {}, ...options });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (s) => { sessions.add(s); s.on('close', () => sessions.delete(s)); });
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    doctor,
    counts,
    async close() {
      for (const s of sessions) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
