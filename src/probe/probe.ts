/**
 * The probe orchestrator: runs the checks in order, each timed and bounded, and gathers their
 * facts into one ProbeFacts for the diagnosis rules. Network failures before any HTTP/2 was
 * spoken (DNS, refused, TLS to a plain port, silence) throw one H2DoctorError; what the server
 * does wrong after that is a fact, not an exception.
 */
import { monotonicClock, type Clock } from '../clock.js';
import { ConnectionClosedError, NotHttp2Error, TimeoutError, UsageError } from '../errors.js';
import type { TapEvent } from '../tap/index.js';
import type { ConnectionFacts, ProbeFacts, StepTiming } from './facts.js';
import { openConnection, type ConnectionContext, type ProbeConnection } from './connection.js';
import { connectionWindowUpdates, firstSettings, flowControlStalls, pushesOf, resetsOf, settingsAckMs } from './frame-facts.js';
import { runRequests, type RequestSpec } from './requests.js';
import { checkResumption } from './resumption.js';
import { checkPushDisabled } from './push-disabled.js';
import { checkIdleTimeout } from './idle-wait.js';
import { openTransport, tlsFactsOf } from './transport.js';
import { boundedStep } from './step.js';
import { grpcProbeCallSpec } from './grpc-call-spec.js';
import { notGrpcFacts, runGrpcSteps, type GrpcProbeOptions } from './grpc-steps.js';

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

/** How many requests run one at a time before the concurrent batch. */
const SEQUENTIAL = 3;

export async function runProbe(options: ProbeOptions, signal?: AbortSignal): Promise<ProbeResult> {
  const url = typeof options.url === 'string' ? new URL(options.url) : options.url;
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`probe: '${url.href}' must be http:// or https://`);
  const clock = options.clock ?? monotonicClock;
  const origin = clock.now();
  const timeoutMs = options.timeoutMs ?? 10_000;
  const ctx: ConnectionContext = { url, ca: options.ca ?? [], timeoutMs, clock, origin };
  const spec: RequestSpec = options.grpc ? grpcProbeCallSpec(url, options.grpc, timeoutMs) : {
    method: options.method ?? 'GET',
    path: `${url.pathname}${url.search}`,
    headers: (options.headers ?? []).map(([n, v]) => [n.toLowerCase(), v]),
    body: options.body ?? null,
  };
  const timings: StepTiming[] = [];
  /** Runs a check after the requests; if it fails, the failure is recorded and the probe goes on. */
  const optional = async <T>(step: string, fn: () => Promise<T>): Promise<T | null> => {
    try {
      return await timed(step, fn);
    } catch (err) {
      if (signal?.aborted) throw err;
      facts.stepErrors.push({ step, error: (err as Error).message });
      return null;
    }
  };
  const timed = async <T>(step: string, fn: () => Promise<T>): Promise<T> => {
    const t = clock.now();
    try {
      return await fn();
    } finally {
      timings.push({ step, ms: clock.now() - t });
    }
  };
  const facts: ProbeFacts = {
    target: url.href,
    checkedAt: (options.wallClock ?? (() => new Date()))().toISOString(),
    transport: url.protocol === 'https:' ? 'tls' : 'h2c',
    address: null,
    alpn: url.protocol === 'https:' ? null : 'h2c',
    http1Only: false,
    stoppedEarly: null,
    tls: null,
    session: null,
    connections: [],
    requests: [],
    pushes: [],
    resets: [],
    flowControlStalls: [],
    resumption: null,
    pushDisabled: null,
    idle: null,
    timings,
    stepErrors: [],
    durationMs: 0,
  };
  const opened: ProbeConnection[] = [];
  const finish = (): ProbeResult => {
    if (options.grpc && !facts.grpc) facts.grpc = notGrpcFacts(options.grpc, facts.stoppedEarly ?? 'the probe stopped before any gRPC call');
    facts.durationMs = clock.now() - origin;
    facts.connections = opened.map((c) => c.facts());
    for (const c of opened) {
      // Tap event times count from the tap's creation; shift them onto the probe's timeline.
      const tapOrigin = clock.now() - c.tap.elapsed() - origin;
      if (c.purpose === 'requests') facts.pushes.push(...pushesOf(c.tap.events, c.index));
      if (c.purpose !== 'push-disabled') {
        facts.resets.push(...resetsOf(c.tap.events, c.index, tapOrigin));
        facts.flowControlStalls.push(...flowControlStalls(c.tap.events, c.index, tapOrigin));
      }
    }
    for (const p of facts.pushes) p.used = facts.requests.some((r) => r.connection === p.connection && r.streamId !== null && r.streamId > p.associatedStreamId && spec.path === p.path);
    return { facts, frames: opened.map((c) => ({ connection: c.index, purpose: c.purpose, events: c.tap.events })) };
  };

  // ---- 1. DNS, TCP, TLS: a first look at the TLS facts even if the server turns out not to speak h2.
  let first: ProbeConnection;
  try {
    first = await openConnection(ctx, { index: 1, purpose: 'requests', enablePush: true }, signal);
  } catch (err) {
    if (!(err instanceof NotHttp2Error)) throw err;
    facts.http1Only = true;
    if (facts.transport === 'tls') {
      // ALPN chose something else: reconnect once, only to read the TLS facts for the report.
      const t = await openTransport({ url, ca: ctx.ca, alpn: ['h2', 'http/1.1'], timeoutMs, clock }, signal);
      facts.address = t.address;
      facts.alpn = t.tls?.alpnProtocol || null;
      facts.tls = tlsFactsOf(t, ['h2', 'http/1.1']);
      timings.push({ step: 'dns', ms: t.dnsMs }, { step: 'tcp', ms: t.connectMs }, { step: 'tls', ms: t.tlsMs ?? 0 });
      t.socket.destroy();
    }
    facts.stoppedEarly = err.message;
    return finish();
  }
  opened.push(first);
  facts.address = first.transport.address;
  const t = first.transport;
  timings.push({ step: 'dns', ms: t.dnsMs }, { step: 'tcp', ms: t.connectMs });
  if (t.tlsMs !== null) timings.push({ step: 'tls', ms: t.tlsMs });
  // From the end of the handshake to the server's SETTINGS (the HTTP/2 preface, RFC 9113 §3.4).
  timings.push({ step: 'h2 preface', ms: Math.max(0, clock.now() - origin - t.dnsMs - t.connectMs - (t.tlsMs ?? 0)) });
  if (first.transport.tls) {
    facts.alpn = first.transport.tls.alpnProtocol || null;
    facts.tls = tlsFactsOf(first.transport, ['h2', 'http/1.1']);
    if (!facts.tls!.verified && !options.insecure) {
      await first.close();
      facts.stoppedEarly = `the certificate did not verify (${facts.tls!.verifyError}); rerun with --insecure to probe anyway`;
      return finish();
    }
  }

  try {
    // ---- 2. Session: SETTINGS as sent, ACK time, PING round trip.
    const pingRttMs = await timed('ping', () => boundedStep('PING', timeoutMs, () => new Promise<number | null>((resolve) => {
      const ok = first.session.ping((err, duration) => resolve(err ? null : duration));
      if (!ok) resolve(null);
    }), () => {}, signal).catch((err) => {
      // A server that never answers PING is a fact for the report, not a reason to stop.
      if (err instanceof TimeoutError) return null;
      throw err;
    }));
    const events = first.tap.events;
    facts.session = {
      serverSettings: firstSettings(events, 'recv') ?? [],
      clientSettings: firstSettings(events, 'send') ?? [],
      settingsAckMs: settingsAckMs(events),
      connectionWindowUpdates: { count: 0, bytes: 0 },
      pingRttMs,
    };

    // ---- 3. Requests, reconnecting when the server ends the connection.
    let current = first;
    let opening: Promise<ProbeConnection> | null = null;
    const maxConnections = (options.requests ?? 20) + 2;
    const source = {
      current: async (sig?: AbortSignal): Promise<ProbeConnection> => {
        if (!current.closing) return current;
        if (!opening) {
          if (opened.filter((c) => c.purpose === 'requests').length >= maxConnections) throw new ConnectionClosedError(`the server ended ${maxConnections} connections during ${options.requests ?? 20} requests; giving up`);
          const next = opened.length + 1;
          opening = openConnection(ctx, { index: next, purpose: 'requests', enablePush: true }, sig).then((c) => {
            opened.push(c);
            current = c;
            opening = null;
            return c;
          }, (e) => { opening = null; throw e; });
        }
        return opening;
      },
    };
    facts.requests = await timed('requests', () => runRequests(source, spec, {
      total: options.requests ?? 20,
      sequential: SEQUENTIAL,
      concurrency: options.concurrency ?? 10,
      timeoutMs,
    }, clock, signal));
    facts.session.connectionWindowUpdates = connectionWindowUpdates(first.tap.events);
    // Give pushed streams still arriving a moment to finish, so their bytes are counted.
    await Promise.all(opened.map((c) => c.close()));

    // ---- 3b. gRPC (--grpc, or the answers suggest gRPC): health, reflection, keep-alive, age.
    const grpcPlan = { total: options.requests ?? 20, sequential: SEQUENTIAL, concurrency: options.concurrency ?? 10, timeoutMs };
    await runGrpcSteps({ ctx, facts, opened, options: options.grpc ?? null, plan: grpcPlan, timed, optional }, signal);

    // ---- 4. Resumption (TLS only).
    if (first.transport.tls) facts.resumption = await optional('resumption', () => checkResumption(ctx, first.transport, signal));

    // ---- 5. ENABLE_PUSH=0 (not for gRPC, which never pushes: every call the probe sends is counted by the server).
    if (!facts.grpc) facts.pushDisabled = await optional('push-disabled', async () => {
      const conn = await openConnection(ctx, { index: opened.length + 1, purpose: 'push-disabled', enablePush: false }, signal);
      opened.push(conn);
      try {
        return await checkPushDisabled(conn, spec, clock, timeoutMs, signal);
      } finally {
        await conn.close();
      }
    });

    // ---- 6. Idle timeout.
    if ((options.idleWaitMs ?? 0) > 0) {
      facts.idle = await optional('idle', async () => {
        const conn = await openConnection(ctx, { index: opened.length + 1, purpose: 'idle', enablePush: false }, signal);
        opened.push(conn);
        try {
          return await checkIdleTimeout(conn, spec, clock, origin, options.idleWaitMs!, timeoutMs, signal);
        } finally {
          await conn.close();
        }
      });
    }
  } finally {
    await Promise.all(opened.map((c) => c.close()));
  }
  return finish();
}
