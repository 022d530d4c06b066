import type { Finding, Rule } from '../finding.js';

/** The plain requests came back application/grpc: say so, so a gRPC server is never called "ok" on plain GETs. */
export const grpcDetectedRule: Rule = {
  id: 'grpc-detected',
  check(facts): Finding | null {
    const g = facts.grpc;
    if (g?.mode !== 'detected') return null;
    return {
      id: 'grpc-detected',
      severity: 'info',
      title: 'The server speaks gRPC: the probe switched to gRPC mode',
      evidence: [`${g.detectedBy}; the requests were sent again as gRPC calls to ${g.method}`],
      why: 'Plain GETs to a gRPC server fail at the gRPC level (the status is in the trailers) while looking like HTTP 200s; only gRPC calls tell whether the service works.',
      fix: 'Probe with --grpc (and --call /pkg.Service/Method -d <hex>|@file for a method of your own) to skip the plain requests.',
    };
  },
};
