/**
 * One probe, step by step: the state the steps share (the target, the clock, the connections
 * opened so far, the facts gathered) and a method per step. `runProbe` (probe.ts) runs them
 * in order.
 */
import { monotonicClock, type Clock } from '../clock.js';
import { ConnectionClosedError, NotHttp2Error, TimeoutError } from '../errors.js';
import type { ProbeFacts, StepTiming } from './facts.js';
import { openConnection, type ConnectionContext, type ProbeConnection } from './connection.js';
import { connectionWindowUpdates, firstSettings, flowControlStalls, pushesOf, resetsOf, settingsAckMs } from './frame-facts.js';
import { checkIdleTimeout } from './idle-wait.js';
import type { ProbeOptions, ProbeResult } from './probe.js';
import { checkPushDisabled } from './push-disabled.js';
import { runRequests, type RequestSpec } from './requests.js';
import { checkResumption } from './resumption.js';
import { boundedStep } from './step.js';
import { openTransport, tlsFactsOf } from './transport.js';
import { grpcProbeCallSpec } from './grpc-call-spec.js';
import { notGrpcFacts, runGrpcSteps } from './grpc-steps.js';

/** How many requests run one at a time before the concurrent batch. */
const SEQUENTIAL = 3;

export class ProbeRun {
  private readonly clock: Clock;
  /** Clock time the probe started: every fact's time counts from here. */
  private readonly origin: number;
  /** Per-step time limit. */
  private readonly timeoutMs: number;
  /** What every connection of this probe is opened with. */
  private readonly ctx: ConnectionContext;
  /** The request the probe sends (method, path, headers, body). */
  private readonly spec: RequestSpec;
  /** Requests to send in step 3. */
  private readonly requests: number;
  /** Every connection opened, in order (their frames and facts go into the result). */
  private readonly opened: ProbeConnection[] = [];
  /** Step durations, in the order they ran. */
  private readonly timings: StepTiming[] = [];
  /** What the probe found; filled in by the steps. */
  readonly facts: ProbeFacts;

  constructor(
    private readonly url: URL,
    private readonly options: ProbeOptions,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.clock = options.clock ?? monotonicClock;
    this.origin = this.clock.now();
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.ctx = { url, ca: options.ca ?? [], timeoutMs: this.timeoutMs, clock: this.clock, origin: this.origin };
    this.spec = options.grpc ? grpcProbeCallSpec(url, options.grpc, this.timeoutMs) : {
      method: options.method ?? 'GET',
      path: `${url.pathname}${url.search}`,
      headers: (options.headers ?? []).map(([n, v]) => [n.toLowerCase(), v]),
      body: options.body ?? null,
    };
    this.requests = options.requests ?? 20;
    this.facts = emptyFacts(url, (options.wallClock ?? (() => new Date()))(), this.timings);
  }

  /**
   * Step 1: the first connection. Returns null when the probe stops here (the server does not
   * speak HTTP/2, or its certificate did not verify without --insecure): `facts.stoppedEarly`
   * says why. Failures before any HTTP/2 (DNS, refused, silence) throw.
   */
  async connect(): Promise<ProbeConnection | null> {
    const { facts, timings, clock } = this;
    let first: ProbeConnection;
    try {
      first = await openConnection(this.ctx, { index: 1, purpose: 'requests', enablePush: true }, this.signal);
    } catch (err) {
      if (!(err instanceof NotHttp2Error)) throw err;
      facts.http1Only = true;
      if (facts.transport === 'tls') await this.readHttp1TlsFacts();
      facts.stoppedEarly = err.message;
      return null;
    }
    this.opened.push(first);
    const t = first.transport;
    facts.address = t.address;
    timings.push({ step: 'dns', ms: t.dnsMs }, { step: 'tcp', ms: t.connectMs });
    if (t.tlsMs !== null) timings.push({ step: 'tls', ms: t.tlsMs });
    // From the end of the handshake to the server's SETTINGS (the HTTP/2 preface, RFC 9113 §3.4).
    timings.push({ step: 'h2 preface', ms: Math.max(0, clock.now() - this.origin - t.dnsMs - t.connectMs - (t.tlsMs ?? 0)) });
    if (t.tls) {
      facts.alpn = t.tls.alpnProtocol || null;
      const tls = tlsFactsOf(t, ['h2', 'http/1.1'])!;
      facts.tls = tls;
      if (!tls.verified && !this.options.insecure) {
        await first.close();
        facts.stoppedEarly = `the certificate did not verify (${tls.verifyError}); rerun with --insecure to probe anyway`;
        return null;
      }
    }
    return first;
  }

  /** ALPN chose something else: reconnect once, only to read the TLS facts for the report. */
  private async readHttp1TlsFacts(): Promise<void> {
    const t = await openTransport({ url: this.url, ca: this.ctx.ca, alpn: ['h2', 'http/1.1'], timeoutMs: this.timeoutMs, clock: this.clock }, this.signal);
    this.facts.address = t.address;
    this.facts.alpn = t.tls?.alpnProtocol || null;
    this.facts.tls = tlsFactsOf(t, ['h2', 'http/1.1']);
    this.timings.push({ step: 'dns', ms: t.dnsMs }, { step: 'tcp', ms: t.connectMs }, { step: 'tls', ms: t.tlsMs ?? 0 });
    t.socket.destroy();
  }

  /** Step 2: SETTINGS as sent, the ACK time, the PING round trip. */
  async checkSession(first: ProbeConnection): Promise<void> {
    const pingRttMs = await this.timed('ping', () => boundedStep('PING', this.timeoutMs, () => new Promise<number | null>((resolve) => {
      const ok = first.session.ping((err, duration) => resolve(err ? null : duration));
      if (!ok) resolve(null);
    }), () => {}, this.signal).catch((err) => {
      // A server that never answers PING is a fact for the report, not a reason to stop.
      if (err instanceof TimeoutError) return null;
      throw err;
    }));
    const events = first.tap.events;
    this.facts.session = {
      serverSettings: firstSettings(events, 'recv') ?? [],
      clientSettings: firstSettings(events, 'send') ?? [],
      settingsAckMs: settingsAckMs(events),
      connectionWindowUpdates: { count: 0, bytes: 0 },
      pingRttMs,
    };
  }

  /** Step 3: the requests, on a new connection each time the server ends one. */
  async sendRequests(first: ProbeConnection): Promise<void> {
    let current = first;
    let opening: Promise<ProbeConnection> | null = null;
    const maxConnections = this.requests + 2;
    const source = {
      current: async (sig?: AbortSignal): Promise<ProbeConnection> => {
        if (!current.closing) return current;
        if (!opening) {
          if (this.opened.filter((c) => c.purpose === 'requests').length >= maxConnections) {
            throw new ConnectionClosedError(`the server ended ${maxConnections} connections during ${this.requests} requests; giving up`);
          }
          opening = openConnection(this.ctx, { index: this.opened.length + 1, purpose: 'requests', enablePush: true }, sig).then((c) => {
            this.opened.push(c);
            current = c;
            opening = null;
            return c;
          }, (e) => { opening = null; throw e; });
        }
        return opening;
      },
    };
    this.facts.requests = await this.timed('requests', () => runRequests(source, this.spec, {
      total: this.requests,
      sequential: SEQUENTIAL,
      concurrency: this.options.concurrency ?? 10,
      timeoutMs: this.timeoutMs,
    }, this.clock, this.signal));
    this.facts.session!.connectionWindowUpdates = connectionWindowUpdates(first.tap.events);
    // Give pushed streams still arriving a moment to finish, so their bytes are counted.
    await this.closeAll();
  }

  /** Step 3b: the gRPC steps (src/probe/grpc-steps.ts), with --grpc or when the answers suggest gRPC. */
  async checkGrpc(): Promise<void> {
    const plan = { total: this.requests, sequential: SEQUENTIAL, concurrency: this.options.concurrency ?? 10, timeoutMs: this.timeoutMs };
    await runGrpcSteps({
      ctx: this.ctx, facts: this.facts, opened: this.opened, options: this.options.grpc ?? null, plan,
      timed: (step, fn) => this.timed(step, fn), optional: (step, fn) => this.optional(step, fn),
    }, this.signal);
  }

  /** Step 4 (TLS only): does the server resume sessions? */
  async checkResumption(first: ProbeConnection): Promise<void> {
    this.facts.resumption = await this.optional('resumption', () => checkResumption(this.ctx, first.transport, this.signal));
  }

  /** Step 5: does the server push after SETTINGS_ENABLE_PUSH=0? */
  async checkPushDisabled(): Promise<void> {
    this.facts.pushDisabled = await this.optional('push-disabled', () =>
      this.onNewConnection('push-disabled', (conn) => checkPushDisabled(conn, this.spec, this.clock, this.timeoutMs, this.signal)));
  }

  /** Step 6: how long the server keeps an idle connection, up to `idleWaitMs`. */
  async checkIdle(idleWaitMs: number): Promise<void> {
    this.facts.idle = await this.optional('idle', () =>
      this.onNewConnection('idle', (conn) => checkIdleTimeout(conn, this.spec, this.clock, this.origin, idleWaitMs, this.timeoutMs, this.signal)));
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.opened.map((c) => c.close()));
  }

  /** The facts and frames: connection facts, and the pushes, resets and stalls read from each tap. */
  finish(): ProbeResult {
    const { facts, clock, origin, opened } = this;
    if (this.options.grpc && !facts.grpc) facts.grpc = notGrpcFacts(this.options.grpc, facts.stoppedEarly ?? 'the probe stopped before any gRPC call');
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
    const path = this.spec.path;
    for (const p of facts.pushes) p.used = facts.requests.some((r) => r.connection === p.connection && r.streamId !== null && r.streamId > p.associatedStreamId && path === p.path);
    return { facts, frames: opened.map((c) => ({ connection: c.index, purpose: c.purpose, events: c.tap.events })) };
  }

  /** Opens a connection for one check (push disabled, idle), runs it, closes the connection. */
  private async onNewConnection<T>(purpose: 'push-disabled' | 'idle', check: (conn: ProbeConnection) => Promise<T>): Promise<T> {
    const conn = await openConnection(this.ctx, { index: this.opened.length + 1, purpose, enablePush: false }, this.signal);
    this.opened.push(conn);
    try {
      return await check(conn);
    } finally {
      await conn.close();
    }
  }

  /** Runs a step and records how long it took. */
  private async timed<T>(step: string, fn: () => Promise<T>): Promise<T> {
    const t = this.clock.now();
    try {
      return await fn();
    } finally {
      this.timings.push({ step, ms: this.clock.now() - t });
    }
  }

  /** Runs a check after the requests; if it fails, the failure is recorded and the probe goes on. */
  private async optional<T>(step: string, fn: () => Promise<T>): Promise<T | null> {
    try {
      return await this.timed(step, fn);
    } catch (err) {
      if (this.signal?.aborted) throw err;
      this.facts.stepErrors.push({ step, error: (err as Error).message });
      return null;
    }
  }
}

/** The facts before any step ran. */
function emptyFacts(url: URL, checkedAt: Date, timings: StepTiming[]): ProbeFacts {
  const tls = url.protocol === 'https:';
  return {
    target: url.href,
    checkedAt: checkedAt.toISOString(),
    transport: tls ? 'tls' : 'h2c',
    address: null,
    alpn: tls ? null : 'h2c',
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
}
