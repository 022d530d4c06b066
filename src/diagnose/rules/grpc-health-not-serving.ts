import type { Finding, Rule } from '../finding.js';

export const grpcHealthNotServingRule: Rule = {
  id: 'grpc-health-not-serving',
  check(facts): Finding | null {
    const h = facts.grpc?.health;
    if (h?.status !== 'NOT_SERVING') return null;
    return {
      id: 'grpc-health-not-serving',
      severity: 'error',
      title: `Health Check says NOT_SERVING${h.service ? ` for '${h.service}'` : ''}`,
      evidence: [`grpc.health.v1.Health/Check {service: "${h.service}"} → NOT_SERVING`],
      why:
        'Load balancers and clients with health checking (grpc-go healthCheckConfig, Envoy, Kubernetes gRPC probes) stop sending to a NOT_SERVING backend; ' +
        'the calls it still gets (clients without health checking) go to a server that says it cannot serve them, and the rest of the fleet absorbs its share of the load.',
      fix:
        'Find why the service reports NOT_SERVING (a dependency down, still warming up, draining) and set SERVING once it is ready. ' +
        'grpc-go: health.NewServer().SetServingStatus(service, healthpb.HealthCheckResponse_SERVING). grpc-java: HealthStatusManager.setStatus(service, ServingStatus.SERVING). ' +
        'grpc-js: grpc-health-check HealthImplementation.setStatus(service, \'SERVING\'). C-core Python: grpcio-health-checking HealthServicer.set(service, health_pb2.HealthCheckResponse.SERVING); ' +
        'C++: server->GetHealthCheckService()->SetServingStatus(service, true).',
    };
  },
};
