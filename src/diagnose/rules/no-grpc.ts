import type { Finding, Rule } from '../finding.js';

/** `--grpc` against a server that does not answer in gRPC. */
export const noGrpcRule: Rule = {
  id: 'no-grpc',
  check(facts): Finding | null {
    const g = facts.grpc;
    if (!g?.notGrpc || g.mode !== 'flag') return null;
    return {
      id: 'no-grpc',
      severity: 'error',
      title: 'The server does not speak gRPC here',
      evidence: [g.notGrpc],
      why: 'A gRPC client gets no grpc-status from this endpoint: every call fails (UNKNOWN, UNIMPLEMENTED or UNAVAILABLE by the HTTP status), so nothing else about gRPC could be measured.',
      fix:
        'Check the URL and port point at the gRPC server, not an HTTP/1 or REST port. Behind a proxy, the proxy must carry HTTP/2 to the backend with trailers: ' +
        'Envoy: http2_protocol_options (or typed_extension_protocol_options) on the cluster; nginx: grpc_pass instead of proxy_pass; a cloud load balancer: backend protocol HTTP/2 or gRPC.',
    };
  },
};
