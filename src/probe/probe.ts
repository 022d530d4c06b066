/**
 * The probe orchestrator: runs the checks in order, each timed and bounded, and gathers their
 * facts into one ProbeFacts for the diagnosis rules. Network failures before any HTTP/2 was
 * spoken (DNS, refused, TLS to a plain port, silence) throw one H2DoctorError; what the server
 * does wrong after that is a fact, not an exception.
 */
import type { Clock } from '../clock.js';
import { UsageError } from '../errors.js';
import type { TapEvent } from '../tap/index.js';
import type { ConnectionFacts, ProbeFacts } from './facts.js';
import { ProbeRun } from './probe-run.js';
import type { GrpcProbeOptions } from './grpc-call-spec.js';

export interface ProbeOptions {
  /** https:// (TLS, ALPN h2 + http/1.1) or http:// (h2c with prior knowledge). */
  url: URL | string;
  /** Requests to send. Default 20. */
  requests?: number;
  /** In flight at once after the sequential ones. Default 10. */
  concurrency?: number;
  method?: string;
  headers?: [string, string][];
  body?: Buffer | null;
  /** Continue past certificate verification failures (they are still reported). */
  insecure?: boolean;
  /** Extra trust anchors, PEM. */
  ca?: string[];
  /** Keep an idle connection open up to this long (0: skip). */
  idleWaitMs?: number;
  /** Per-step time limit. Default 10 000 ms. */
  timeoutMs?: number;
  clock?: Clock;
  /** Wall clock, for certificate expiry. */
  wallClock?: () => Date;
  /** gRPC mode (`--grpc`): the requests are gRPC calls, then the gRPC steps run (src/probe/grpc-steps.ts). */
  grpc?: GrpcProbeOptions;
}

/** The frames of one connection, for `--frames`. */
export interface ConnectionFrames {
  connection: number;
  purpose: ConnectionFacts['purpose'];
  events: TapEvent[];
}

export interface ProbeResult {
  facts: ProbeFacts;
  frames: ConnectionFrames[];
}

/**
 * Probes `options.url`: connect (DNS, TCP, TLS, the HTTP/2 preface), then the session, the
 * requests, TLS resumption, ENABLE_PUSH=0 and the idle timeout, each a step of ProbeRun.
 */
export async function runProbe(options: ProbeOptions, signal?: AbortSignal): Promise<ProbeResult> {
  const url = typeof options.url === 'string' ? new URL(options.url) : options.url;
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`probe: '${url.href}' must be http:// or https://`);
  const run = new ProbeRun(url, options, signal);
  // 1. DNS, TCP, TLS: a first look at the TLS facts even if the server turns out not to speak h2.
  const first = await run.connect();
  if (first === null) return run.finish();
  try {
    await run.checkSession(first); // 2. SETTINGS as sent, ACK time, PING round trip.
    await run.sendRequests(first); // 3. Requests, reconnecting when the server ends the connection.
    await run.checkGrpc(); // 3b. gRPC (--grpc, or the answers suggest it): health, reflection, keep-alive, age.
    if (first.transport.tls) await run.checkResumption(first); // 4. TLS only.
    if (!run.facts.grpc) await run.checkPushDisabled(); // 5. ENABLE_PUSH=0 (not for gRPC, which never pushes).
    if ((options.idleWaitMs ?? 0) > 0) await run.checkIdle(options.idleWaitMs!); // 6.
  } finally {
    await run.closeAll();
  }
  return run.finish();
}
