/**
 * A gRPC method path, `/package.Service/Method` (PROTOCOL-HTTP2.md: ":path" → "/" Service-Name
 * "/" {method name}). Checked before anything is sent, so a typo is one clear error.
 */
import { ConfigError } from '../errors.js';

export interface GrpcMethod {
  /** The whole path, e.g. `/grpc.health.v1.Health/Check`. */
  path: string;
  /** Fully qualified service, e.g. `grpc.health.v1.Health`. */
  service: string;
  /** Method name, e.g. `Check`. */
  method: string;
}

/** Parses `/pkg.Svc/Method`; throws ConfigError saying what is missing. */
export function parseGrpcMethod(text: string): GrpcMethod {
  if (!text.startsWith('/')) throw new ConfigError(`'${text}' is not a gRPC method: it must start with '/', as in /pkg.Service/Method`);
  const slash = text.indexOf('/', 1);
  const service = slash < 0 ? text.slice(1) : text.slice(1, slash);
  const method = slash < 0 ? '' : text.slice(slash + 1);
  if (!service) throw new ConfigError(`'${text}' is not a gRPC method: the service name is missing, as in /pkg.Service/Method`);
  if (!method) throw new ConfigError(`'${text}' is not a gRPC method: the method name is missing after '/${service}/'`);
  if (method.includes('/') || /[\s?#]/.test(text)) throw new ConfigError(`'${text}' is not a gRPC method: expected exactly /pkg.Service/Method`);
  return { path: text, service, method };
}
