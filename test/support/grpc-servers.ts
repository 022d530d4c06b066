/**
 * Real gRPC peers for the probe tests, on 127.0.0.1 port 0, stopped by the caller:
 * `@grpc/grpc-js` servers with the standard health service (grpc-health-check's definition,
 * serialized by protobufjs, not by h2doctor's codec) and server reflection (@grpc/reflection),
 * and a C-core server from Debian's python3-grpcio (test/support/grpc_ccore_server.py).
 * Every call is counted on the server side by grpc-status, so tests compare the probe's
 * counts with what the server really sent.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { HealthImplementation, protoPath as healthProtoPath, service as healthService } from 'grpc-health-check';
import { ReflectionService } from '@grpc/reflection';

export interface GrpcJsServerOptions {
  /** Health status of '' (the server). null: no health service at all. */
  health?: 'SERVING' | 'NOT_SERVING' | null;
  /** Register server reflection: true (v1 and v1alpha, the default), 'v1alpha' only, or false. */
  reflection?: boolean | 'v1alpha';
  /** Fail every Nth health Check with UNAVAILABLE (counted), e.g. 4 fails a quarter. */
  failEvery?: number;
  /** grpc-js server options (grpc.keepalive_*, grpc.max_connection_age_ms…). */
  serverOptions?: grpc.ServerOptions;
  /** Answer /h2doctor.test.Echo/Big with a message of this many bytes. */
  bigBytes?: number;
  /** /h2doctor.test.Echo/Slow answers after this long (default 200 ms). */
  slowMs?: number;
  /** Serve TLS with this key and certificate chain (PEM) instead of h2c. */
  tls?: { key: string; chain: string };
}

export interface RunningGrpc {
  url: string;
  port: number;
  /** Calls answered, by grpc-status name (server side). */
  counts: Record<string, number>;
  close(): Promise<void>;
}

const identity = {
  path: '',
  requestStream: false,
  responseStream: false,
  requestSerialize: (b: Buffer) => b,
  requestDeserialize: (b: Buffer) => b,
  responseSerialize: (b: Buffer) => b,
  responseDeserialize: (b: Buffer) => b,
};

/** A test service with raw-bytes methods: Echo returns the request, Big a large message. */
const echoService: grpc.ServiceDefinition = {
  Echo: { ...identity, path: '/h2doctor.test.Echo/Echo', originalName: 'echo' },
  Big: { ...identity, path: '/h2doctor.test.Echo/Big', originalName: 'big' },
  Slow: { ...identity, path: '/h2doctor.test.Echo/Slow', originalName: 'slow' },
} as unknown as grpc.ServiceDefinition;

function count(counts: Record<string, number>, name: string): void {
  counts[name] = (counts[name] ?? 0) + 1;
}

export async function startGrpcJsServer(options: GrpcJsServerOptions = {}): Promise<RunningGrpc> {
  const server = new grpc.Server(options.serverOptions ?? {});
  const counts: Record<string, number> = {};
  const health = options.health === undefined ? 'SERVING' : options.health;
  if (health !== null) {
    const impl = new HealthImplementation({ '': health });
    if (options.failEvery) {
      // Wrap the library's Check: every Nth call fails with UNAVAILABLE, the rest are its own.
      let n = 0;
      const shim = { addService: (_def: unknown, handlers: grpc.UntypedServiceImplementation) => {
        const check = handlers.check as grpc.handleUnaryCall<unknown, unknown>;
        server.addService(healthService as unknown as grpc.ServiceDefinition, {
          ...handlers,
          check(call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) {
            if (++n % options.failEvery! === 0) {
              count(counts, 'UNAVAILABLE');
              callback({ code: grpc.status.UNAVAILABLE, details: 'shedding load (test)' });
              return;
            }
            count(counts, 'OK');
            check(call, callback);
          },
        });
      } };
      impl.addToServer(shim as unknown as grpc.Server);
    } else {
      const shim = { addService: (_def: unknown, handlers: grpc.UntypedServiceImplementation) => {
        const check = handlers.check as grpc.handleUnaryCall<unknown, unknown>;
        server.addService(healthService as unknown as grpc.ServiceDefinition, {
          ...handlers,
          check(call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) {
            check(call, (err, value) => {
              count(counts, err ? grpc.status[(err as grpc.ServiceError).code ?? 2]! : 'OK');
              callback(err, value);
            });
          },
        });
      } };
      impl.addToServer(shim as unknown as grpc.Server);
    }
  }
  server.addService(echoService, {
    echo(call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) {
      count(counts, 'OK');
      callback(null, call.request);
    },
    big(_call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) {
      count(counts, 'OK');
      callback(null, Buffer.alloc(options.bigBytes ?? 1024, 7));
    },
    slow(call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) {
      setTimeout(() => {
        count(counts, 'OK');
        callback(null, call.request);
      }, options.slowMs ?? 200);
    },
  });
  if (options.reflection ?? true) {
    const pkg = protoLoader.loadSync(healthProtoPath, { includeDirs: [] });
    const reflection = new ReflectionService(pkg);
    if (options.reflection === 'v1alpha') {
      // Only the library's v1alpha service, as older servers offer it.
      reflection.addToServer({
        addService(def: grpc.ServiceDefinition, impl: grpc.UntypedServiceImplementation) {
          if (Object.values(def).some((m) => m.path.includes('.v1alpha.'))) server.addService(def, impl);
        },
      });
    } else {
      reflection.addToServer(server);
    }
  }
  const port = await new Promise<number>((resolve, reject) => {
    const credentials = options.tls
      ? grpc.ServerCredentials.createSsl(null, [{ private_key: Buffer.from(options.tls.key), cert_chain: Buffer.from(options.tls.chain) }])
      : grpc.ServerCredentials.createInsecure();
    server.bindAsync('127.0.0.1:0', credentials, (err, p) => (err ? reject(err) : resolve(p)));
  });
  return {
    url: `${options.tls ? 'https://localhost' : 'http://127.0.0.1'}:${port}`,
    port,
    counts,
    close: () => new Promise<void>((resolve) => {
      server.forceShutdown();
      resolve();
    }),
  };
}

/** Debian's interpreter: another python3 on the PATH may lack the grpc module. */
export const DEBIAN_PYTHON = '/usr/bin/python3';

/** Starts the C-core server with these channel args; resolves once it prints its port. */
export async function startCcoreServer(args: Record<string, number> = {}): Promise<RunningGrpc> {
  const script = fileURLToPath(new URL('./grpc_ccore_server.py', import.meta.url));
  const child = spawn(DEBIAN_PYTHON, [script, JSON.stringify(args)], { stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (b: Buffer) => { err += b.toString(); });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`C-core server did not start: ${err}`)), 15_000);
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /^port (\d+)$/m.exec(out);
      if (m) { clearTimeout(timer); resolve(Number(m[1])); }
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`C-core server exited ${code}: ${err}`)); });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    counts: {},
    close: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.stdin.end(); // the script stops when its stdin closes
      setTimeout(() => child.kill('SIGKILL'), 3000).unref();
    }),
  };
}
