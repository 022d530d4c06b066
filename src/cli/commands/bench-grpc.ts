import { readFileSync } from 'node:fs';
import { ConfigError, UsageError } from '../../errors.js';
import type { HeaderField } from '../../codec/types.js';
import type { BenchGrpcCall } from '../../bench/grpc-call.js';
import { parseGrpcMethod } from '../../grpc/method.js';
import { fileFlagError } from '../flags.js';
import { parseMessage } from './probe-grpc-flags.js';
// Loads protobufjs only when called (proto-json.ts), so importing it costs a plain bench nothing.
import { encodeRequestFromJson } from '../../grpc/proto-json.js';

/**
 * The flags of `bench --grpc` (issue 16): --grpc, --call, --proto, and -d/--data as the
 * request message. Every bad value is one UsageError line (exit 2).
 */
export const grpcBenchFlags = {
  grpc: { type: 'boolean' },
  call: { type: 'string' },
  proto: { type: 'string' },
} as const;

export const grpcBenchUsage = `
gRPC (unary calls on the same engine; a call succeeds only with grpc-status OK):
      --grpc                     call a gRPC method instead of sending HTTP requests
      --call /pkg.Service/Method the method (required with --grpc); the URL gives only the origin
  -d, --data HEX|@FILE           with --grpc: the serialized request message, as hex or read from
                                 FILE (default: empty). With --grpc, -d is the message, as in
                                 grpcurl and ghz; the run length is then --duration
      --proto FILE --data JSON   encode the request from JSON (or @FILE) with the method's
                                 request type in FILE (protobufjs)
      --timeout TIME             given with --grpc, also the call's deadline, sent as grpc-timeout
  -H 'name: value'               with --grpc: metadata sent with every call
`;

interface GrpcValues {
  grpc?: boolean;
  call?: string;
  proto?: string;
  data?: string;
  method?: string;
  'input-file'?: string;
}

/**
 * With `--grpc` in argv, `-d` is the message (`--data`) as in grpcurl, ghz and h2load, not
 * `--duration`: rewritten before parsing. Nothing after `--` is touched.
 */
export function grpcShortData(argv: string[]): string[] {
  const end = argv.indexOf('--');
  const flags = end < 0 ? argv : argv.slice(0, end);
  if (!flags.includes('--grpc')) return argv;
  const out = flags.map((a) => (a === '-d' ? '--data' : a.startsWith('-d') && !a.startsWith('--') ? `--data=${a.slice(2)}` : a));
  return end < 0 ? out : [...out, ...argv.slice(end)];
}

/** The call of `--grpc`, or undefined without it. `timeoutMs`: an explicit --timeout, the call's deadline. */
export function parseGrpcBenchFlags(v: GrpcValues, url: URL, headers: HeaderField[], timeoutMs: number | undefined): BenchGrpcCall | undefined {
  if (!v.grpc) {
    if (v.call !== undefined) throw new UsageError('--call goes with --grpc (bench --grpc --call /pkg.Service/Method URL)');
    if (v.proto !== undefined) throw new UsageError('--proto goes with --grpc');
    return undefined;
  }
  if (v.call === undefined) throw new UsageError('--grpc needs --call /pkg.Service/Method');
  let path: string;
  try {
    path = parseGrpcMethod(v.call).path;
  } catch (err) {
    throw new UsageError(`--call: ${(err as ConfigError).message}`, { cause: err });
  }
  if (url.pathname !== '/' || url.search !== '') throw new UsageError(`--grpc: give the URL without a path ('${url.origin}'); the method goes in --call`);
  if (v.method !== undefined) throw new UsageError('--method does not go with --grpc (gRPC calls are POSTs)');
  if (v['input-file'] !== undefined) throw new UsageError('--input-file does not go with --grpc (one method per run)');
  for (const h of headers) {
    const name = h.name.toLowerCase();
    if (name.startsWith(':') || name.startsWith('grpc-') || name === 'content-type' || name === 'te') {
      throw new UsageError(`--header: '${h.name}' is set by --grpc itself (metadata names may not be pseudo-headers, grpc-*, content-type or te)`);
    }
  }
  return { path, message: requestMessage(v, path), ...(timeoutMs !== undefined && { deadlineMs: timeoutMs }) };
}

function requestMessage(v: GrpcValues, path: string): Uint8Array {
  if (v.proto === undefined) {
    if (v.data === undefined) return new Uint8Array(0);
    try {
      return parseMessage(v.data);
    } catch (err) {
      if (err instanceof UsageError && /^\d+(\.\d+)?(ms|s|m|h)?$/.test(v.data)) {
        throw new UsageError(`${err.message}; with --grpc, -d is the message: write the run length as --duration ${v.data}`, { cause: err });
      }
      throw err;
    }
  }
  if (v.data === undefined) throw new UsageError(`--proto needs --data '{"field": value}' (the request as JSON, or @FILE)`);
  let json = v.data;
  if (json.startsWith('@')) {
    try {
      json = readFileSync(json.slice(1), 'utf8');
    } catch (err) {
      throw fileFlagError('--data', 'read', json.slice(1), err);
    }
  }
  try {
    return encodeRequestFromJson(v.proto, path, json);
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(`--proto: ${err.message}`, { cause: err });
    throw err;
  }
}
