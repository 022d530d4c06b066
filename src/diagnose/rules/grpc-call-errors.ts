import type { Finding, Rule } from '../finding.js';

/** The calls that ended at the gRPC level with a status other than OK. */
export const grpcCallErrorsRule: Rule = {
  id: 'grpc-call-errors',
  check(facts): Finding | null {
    const g = facts.grpc;
    if (!g || g.notGrpc) return null;
    const calls = facts.requests.filter((r) => r.grpc);
    const failed = calls.filter((r) => r.grpc!.code !== 0);
    if (failed.length === 0) return null;
    const counts = Object.entries(g.statusCounts).filter(([name]) => name !== 'OK').sort((a, b) => b[1] - a[1]);
    const messages = new Map<string, number>();
    for (const r of failed) {
      const key = `${r.grpc!.status}${r.grpc!.message ? `: ${r.grpc!.message}` : ''}`;
      messages.set(key, (messages.get(key) ?? 0) + 1);
    }
    const most = failed.length * 2 > calls.length;
    return {
      id: 'grpc-call-errors',
      severity: most ? 'error' : 'warn',
      title: `${failed.length} of ${calls.length} gRPC calls to ${g.method} ended with a non-OK status`,
      evidence: [
        counts.map(([name, n]) => `${name} ${n}`).join(', '),
        ...[...messages].slice(0, 5).map(([m, n]) => `${n}× ${m}`),
      ],
      why:
        'A non-OK status is a failed call whatever the HTTP/2 layer says (gRPC answers errors with :status 200). Clients retry the retryable ones (UNAVAILABLE) after a back-off, so each adds at least one extra round trip and the back-off to its caller\'s latency; the others surface as errors.',
      fix:
        'Read the statuses above: UNAVAILABLE is overload, draining or a lost backend; DEADLINE_EXCEEDED a deadline shorter than the server\'s P99; RESOURCE_EXHAUSTED a limit (message size, quota); INTERNAL a server bug or broken framing. ' +
        'For UNAVAILABLE, retry with a policy and a budget: grpc-go service config retryPolicy {retryableStatusCodes: ["UNAVAILABLE"]} with grpc.WithDefaultServiceConfig; grpc-java ManagedChannelBuilder.enableRetry().defaultServiceConfig(...); ' +
        'grpc-js channel option grpc.service_config with the same retryPolicy (grpc.enable_retries on by default); C-core Python/C++ channel args grpc.service_config and grpc.enable_retries.',
    };
  },
};
