/**
 * The `grpc` object of `probe --json` (docs/json.md): null outside gRPC mode. Pure.
 */
import type { ProbeFacts } from '../probe/facts.js';
import type { GrpcFacts } from '../probe/grpc-facts.js';

export interface ProbeGrpcJson {
  mode: GrpcFacts['mode'];
  detectedBy: string | null;
  notGrpc: string | null;
  method: string;
  /** SERVING, NOT_SERVING, UNKNOWN, SERVICE_UNKNOWN, UNIMPLEMENTED, FAILED; null when the check did not run. */
  health: string | null;
  healthDetail: GrpcFacts['health'];
  /** Services listed by reflection, or null without reflection. */
  services: string[] | null;
  reflection: GrpcFacts['reflection'];
  statusCounts: Record<string, number>;
  keepalive: null | {
    pingsSent: number;
    pingsAcked: number;
    rejected: boolean;
    intervalMs: number;
    /** GOAWAY debug data, or null when no GOAWAY came. */
    debugData: string | null;
    goaway: NonNullable<GrpcFacts['keepalive']>['goaway'];
    closedWithoutGoaway: boolean;
    durationMs: number;
  };
  watch: GrpcFacts['watch'];
}

export function probeGrpcJson(facts: ProbeFacts): ProbeGrpcJson | null {
  const g = facts.grpc;
  if (!g) return null;
  const k = g.keepalive;
  return {
    mode: g.mode,
    detectedBy: g.detectedBy,
    notGrpc: g.notGrpc,
    method: g.method,
    health: g.health?.status ?? null,
    healthDetail: g.health,
    services: g.reflection?.services ?? null,
    reflection: g.reflection,
    statusCounts: g.statusCounts,
    keepalive: k && {
      pingsSent: k.pingsSent,
      pingsAcked: k.pingsAcked,
      rejected: k.rejected,
      intervalMs: k.intervalMs,
      debugData: k.goaway?.debugData ?? null,
      goaway: k.goaway,
      closedWithoutGoaway: k.closedWithoutGoaway,
      durationMs: k.durationMs,
    },
    watch: g.watch,
  };
}
