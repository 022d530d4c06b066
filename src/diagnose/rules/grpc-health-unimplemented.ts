import type { Finding, Rule } from '../finding.js';

export const grpcHealthUnimplementedRule: Rule = {
  id: 'grpc-health-unimplemented',
  check(facts): Finding | null {
    const h = facts.grpc?.health;
    if (h?.status !== 'UNIMPLEMENTED') return null;
    return {
      id: 'grpc-health-unimplemented',
      severity: 'info',
      title: 'The server has no gRPC health service',
      evidence: [`grpc.health.v1.Health/Check → UNIMPLEMENTED${h.message ? ` (${h.message})` : ''}`],
      why:
        'Without grpc.health.v1, load balancers and orchestrators can only tell whether the port is open: a backend that is up but cannot serve (warming, draining, a dependency down) keeps getting calls, and those fail or wait.',
      fix:
        'Register the standard health service and set its status. grpc-go: healthpb.RegisterHealthServer(s, health.NewServer()). grpc-java: add HealthStatusManager.getHealthService() to the server. ' +
        'grpc-js: new HealthImplementation(statusMap).addToServer(server) from grpc-health-check. C-core Python: health_pb2_grpc.add_HealthServicer_to_server(health.HealthServicer(), server) from grpcio-health-checking; ' +
        'C++: grpc::EnableDefaultHealthCheckService(true) before building the server.',
    };
  },
};
