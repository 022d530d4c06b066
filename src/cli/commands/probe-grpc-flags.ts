/**
 * The gRPC flags of `h2doctor probe`: --grpc, --grpc-service, --call, -d, --max-message,
 * --watch. Each bad value is one UsageError line (exit 2).
 */
import { ConfigError, UsageError } from '../../errors.js';
import { parseGrpcMethod } from '../../grpc/method.js';
import { DEFAULT_MAX_MESSAGE_BYTES } from '../../grpc/message-frame.js';
import type { GrpcProbeOptions } from '../../probe/grpc-steps.js';
import { parseDuration, parseSize } from '../../units.js';
import { readFlagFile } from '../flags.js';

export const grpcFlagOptions = {
  grpc: { type: 'boolean' },
  'grpc-service': { type: 'string' },
  call: { type: 'string' },
  'max-message': { type: 'string' },
  watch: { type: 'string' },
} as const;

export const grpcUsage = `
gRPC (a response with content-type application/grpc switches to gRPC mode on its own):
  --grpc                     probe as gRPC: health Check, reflection, calls by grpc-status,
                             keep-alive enforcement (about 5 s of PINGs on an idle connection)
  --grpc-service NAME        the service health Check asks about (default "": the server)
  --call /pkg.Service/Method send this method instead of health Checks (implies --grpc)
  -d, --data HEX|@FILE       with --call: the serialized request, as hex or read from FILE
  --max-message SIZE         largest gRPC message accepted (default 4mb)
  --watch DURATION           hold a connection with calls in flight this long and report how
                             the server closes connections by age (e.g. 30s)
`;

export interface GrpcFlagValues {
  grpc?: boolean;
  'grpc-service'?: string;
  call?: string;
  data?: string;
  'max-message'?: string;
  watch?: string;
}

/** Hex (whitespace allowed between bytes) or `@file`. */
export function parseMessage(text: string): Uint8Array {
  if (text.startsWith('@')) return new Uint8Array(readFlagFile(text.slice(1), '--data'));
  const hex = text.replace(/\s+/g, '');
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(hex)) throw new UsageError(`--data: '${text}' is neither hex bytes (e.g. 0a03612e42) nor @file`);
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

/**
 * The probe's gRPC options, or undefined when no gRPC flag was given (plain mode, with
 * detection). Unit errors are ConfigErrors, which the command's usageOf() makes usage errors.
 */
export function parseGrpcFlags(values: GrpcFlagValues): GrpcProbeOptions | undefined {
  const on = values.grpc === true || values.call !== undefined;
  if (!on) {
    for (const flag of ['grpc-service', 'max-message', 'watch'] as const) {
      if (values[flag] !== undefined) throw new UsageError(`--${flag} needs --grpc`);
    }
    return undefined;
  }
  const maxMessageBytes = values['max-message'] === undefined ? DEFAULT_MAX_MESSAGE_BYTES : parseSize(values['max-message'], '--max-message');
  if (maxMessageBytes < 1 || maxMessageBytes > 2 ** 32 - 1) throw new UsageError('--max-message: must be between 1 byte and 4gb');
  const watchMs = values.watch === undefined ? 0 : parseDuration(values.watch, '--watch', 's');
  let call: GrpcProbeOptions['call'] = null;
  if (values.call !== undefined) {
    let path: string;
    try {
      path = parseGrpcMethod(values.call).path;
    } catch (err) {
      throw new UsageError(`--call: ${(err as ConfigError).message}`);
    }
    const message = values.data === undefined ? new Uint8Array(0) : parseMessage(values.data);
    if (message.length > maxMessageBytes) throw new UsageError(`--data: the request is ${message.length} bytes, above --max-message ${maxMessageBytes}`);
    call = { path, message };
  } else if (values.data !== undefined) {
    throw new UsageError('--data with --grpc needs --call /pkg.Service/Method (health Checks carry their own request)');
  }
  return { service: values['grpc-service'] ?? '', call, maxMessageBytes, watchMs };
}
