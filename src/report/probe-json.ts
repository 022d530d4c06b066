/**
 * The `probe --json` document (schema in docs/json.md). Pure: facts and findings in, a
 * plain object out; times in milliseconds.
 */
import type { Finding } from '../diagnose/finding.js';
import { summariseTail, type TailSummary } from '../stats/percentile.js';
import type { CertFacts, ProbeFacts } from '../probe/facts.js';
import type { Setting } from '../codec/types.js';
import { settingName } from '../codec/names.js';
import { probeGrpcJson, type ProbeGrpcJson } from './probe-grpc-json.js';

export const PROBE_JSON_SCHEMA = 'h2doctor.probe/1';

/** A SETTINGS parameter with its RFC 9113 §6.5.2 name (`UNKNOWN_0x..` for ids we do not know). */
export interface NamedSetting {
  id: number;
  name: string;
  value: number;
}

export function nameSettings(settings: readonly Setting[]): NamedSetting[] {
  return settings.map((s) => ({ id: s.id, name: settingName(s.id) ?? `UNKNOWN_0x${s.id.toString(16)}`, value: s.value }));
}

export interface ProbeJsonReport {
  schema: string;
  target: string;
  checkedAt: string;
  durationMs: number;
  address: string | null;
  transport: ProbeFacts['transport'];
  alpn: string | null;
  stoppedEarly: string | null;
  tls: null | {
    version: string | null;
    cipher: string | null;
    alpnOffered: string[];
    resumed: boolean | null;
    handshakeMs: number;
    resumedHandshakeMs: number | null;
    chain: { verified: boolean; error: string | null; certificates: CertFacts[] };
  };
  settings: { server: NamedSetting[] | null; client: NamedSetting[] | null; ackMs: number | null };
  session: { pingRttMs: number | null; connectionWindowUpdates: { count: number; bytes: number } } | null;
  connections: { opened: number; total: number; requestsPerConnection: number[]; list: ProbeFacts['connections'] };
  requests: { sent: number; succeeded: number; failed: number; retried: number; list: ProbeFacts['requests'] };
  push: {
    promises: number;
    bytes: number;
    perResponse: { promises: number; bytes: number };
    paths: string[];
    list: ProbeFacts['pushes'];
    afterDisabled: ProbeFacts['pushDisabled'];
  };
  latency: { ttfb: TailSummary; total: TailSummary };
  resets: ProbeFacts['resets'];
  flowControlStalls: ProbeFacts['flowControlStalls'];
  idle: ProbeFacts['idle'];
  timings: ProbeFacts['timings'];
  stepErrors: ProbeFacts['stepErrors'];
  /** gRPC mode only (src/report/probe-grpc-json.ts); null otherwise. */
  grpc: ProbeGrpcJson | null;
  findings: Finding[];
}

export function probeJsonReport(facts: ProbeFacts, findings: readonly Finding[]): ProbeJsonReport {
  const reqConns = facts.connections.filter((c) => c.purpose === 'requests');
  const ok = facts.requests.filter((r) => r.error === null);
  const pushBytes = facts.pushes.reduce((n, p) => n + p.bytes, 0);
  const responses = Math.max(1, ok.length);
  return {
    schema: PROBE_JSON_SCHEMA,
    target: facts.target,
    checkedAt: facts.checkedAt,
    durationMs: facts.durationMs,
    address: facts.address,
    transport: facts.transport,
    alpn: facts.alpn,
    stoppedEarly: facts.stoppedEarly,
    tls: facts.tls && {
      version: facts.tls.version,
      cipher: facts.tls.cipher,
      alpnOffered: facts.tls.alpnOffered,
      resumed: facts.resumption?.resumed ?? null,
      handshakeMs: facts.tls.handshakeMs,
      resumedHandshakeMs: facts.resumption?.secondHandshakeMs ?? null,
      chain: { verified: facts.tls.verified, error: facts.tls.verifyError, certificates: facts.tls.chain },
    },
    settings: {
      server: facts.session ? nameSettings(facts.session.serverSettings) : null,
      client: facts.session ? nameSettings(facts.session.clientSettings) : null,
      ackMs: facts.session?.settingsAckMs ?? null,
    },
    session: facts.session && { pingRttMs: facts.session.pingRttMs, connectionWindowUpdates: facts.session.connectionWindowUpdates },
    connections: { opened: reqConns.length, total: facts.connections.length, requestsPerConnection: reqConns.map((c) => c.requests), list: facts.connections },
    requests: { sent: facts.requests.length, succeeded: ok.length, failed: facts.requests.length - ok.length, retried: facts.requests.filter((r) => r.retried).length, list: facts.requests },
    push: {
      promises: facts.pushes.length,
      bytes: pushBytes,
      perResponse: { promises: facts.pushes.length / responses, bytes: pushBytes / responses },
      paths: [...new Set(facts.pushes.map((p) => p.path))],
      list: facts.pushes,
      afterDisabled: facts.pushDisabled,
    },
    latency: {
      ttfb: summariseTail(ok.map((r) => r.ttfbMs).filter((v): v is number => v !== null)),
      total: summariseTail(ok.map((r) => r.totalMs).filter((v): v is number => v !== null)),
    },
    resets: facts.resets,
    flowControlStalls: facts.flowControlStalls,
    idle: facts.idle,
    timings: facts.timings,
    stepErrors: facts.stepErrors,
    grpc: probeGrpcJson(facts),
    findings: [...findings],
  };
}

/** The JSON text written to stdout, one document, newline-terminated. */
export function renderProbeJson(facts: ProbeFacts, findings: readonly Finding[]): string {
  return `${JSON.stringify(probeJsonReport(facts, findings), null, 2)}\n`;
}
