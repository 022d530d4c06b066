import type { Clock } from '../clock.js';
import { AbortError, AttemptTimeoutError, ClientClosedError, DeadlineExceededError, type H2DoctorError } from '../errors.js';
import type { AttemptAccounting } from './attempt-accounting.js';
import type { BreakerPermit } from './breaker.js';
import type { DeadlineEntry, DeadlineList, DeadlineWheel } from './deadline-wheel.js';
import type { Endpoint } from './endpoint.js';
import type { EndpointSelector } from './endpoint-selection.js';
import { exchange, type AttemptHandler, type ExchangeRun, type ExchangeShared } from './exchange.js';
import type { HedgePolicy } from './hedge-policy.js';
import type { Cancellable } from './pool.js';
import type { RequestRun } from './request-run.js';
import type { ClientResponse } from './response.js';
import type { PooledSession } from './session.js';

/**
 * An idempotent request with per-try timeouts and/or hedging: several attempts ("legs") may
 * be in flight at once, and the first response headers win. Losers are reset with
 * RST_STREAM(CANCEL) (RFC 9113 §8.7) and a loser that answered anyway has its body dumped,
 * so open streams and tracked bodies stay exact. Each leg is its own exchange run and its
 * own entry in the client's deadline wheel (hedge delay, then per-try timeout), so a leg
 * allocates no timer and no closure; the request's deadline and abort still live on the
 * RequestRun, whose cancellable phase is the race.
 */

export interface RaceHost {
  readonly clock: Clock;
  readonly selector: EndpointSelector<Endpoint>;
  readonly deadlines: DeadlineWheel;
  readonly shared: ExchangeShared;
  readonly accounting: AttemptAccounting;
  readonly endpointCount: number;
  readonly hedging: HedgePolicy | undefined;
  /** Per-try timeout, Infinity when off. */
  readonly attemptTimeoutMs: number;
  /** Counts for stats(). */
  counters: { hedges: number; hedgesWon: number };
  /** The error when no endpoint can take the request. */
  noEndpoint(run: RequestRun): H2DoctorError;
}

/** What a leg's wheel entry waits for next. */
const enum Stage {
  None,
  Hedge,
  Timeout,
}

/** One attempt in the race. */
class Leg implements ExchangeRun, DeadlineEntry {
  phase: Cancellable | undefined = undefined;
  deadline = Infinity;
  deadlineList: DeadlineList | undefined = undefined;
  deadlinePrev: DeadlineEntry | undefined = undefined;
  deadlineNext: DeadlineEntry | undefined = undefined;
  attemptResolve: ((res: ClientResponse) => void) | undefined = undefined;
  attemptReject: ((err: H2DoctorError) => void) | undefined = undefined;
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string | string[]> | undefined;
  readonly body: string | Uint8Array | undefined;
  /** The session it got, once it got one. */
  session: PooledSession | undefined = undefined;
  stage = Stage.None;
  /** Clock time it started, and of its hedge timer when armed. */
  readonly startedAt: number;
  hedgeDelayMs = 0;
  /** Settled: answered, failed or cancelled. */
  done = false;

  constructor(
    readonly race: Race,
    readonly endpoint: Endpoint,
    readonly permit: BreakerPermit,
    /** A hedge (a copy sent while another leg was still waiting). */
    readonly hedge: boolean,
  ) {
    const run = race.run;
    this.method = run.method;
    this.path = run.path;
    this.headers = run.headers;
    this.body = run.body;
    this.startedAt = race.host.clock.now();
  }

  /** The stream closed after its response was handed out: only the winner ends the request. */
  finish(): void {
    if (this.race.winner === this) this.race.run.finish();
  }

  expire(): void {
    this.race.timerFired(this);
  }
}

/**
 * Races a session lost to hedges elsewhere, with no answer on it in between, before it is
 * retired: a connection that answers nothing while others answer is stuck (a slow path, a
 * stalled peer), and sending it the next requests would only make them wait for a hedge too.
 * One loss is a slow request; two in a row with nothing answered is the connection.
 */
const RACES_LOST_TO_RETIRE = 2;

function outpaced(session: PooledSession | undefined): void {
  if (session === undefined) return;
  if (++session.racesLost >= RACES_LOST_TO_RETIRE) session.retire('outpaced');
}

/** Thrown into losers; nobody sees it (the race is settled when it is used). */
const LOST = new AbortError('another attempt answered first (hedge)');

const LEG_HANDLER: AttemptHandler<Leg> = {
  responded: (leg, res) => leg.race.responded(leg, res),
  failed: (leg, err) => leg.race.failed(leg, err),
};

export class Race implements Cancellable {
  /** Legs in flight. */
  private readonly legs: Leg[] = [];
  winner: Leg | undefined = undefined;
  private settled = false;
  private hedges = 0;
  private backoff: NodeJS.Timeout | undefined;
  private resolve!: (res: ClientResponse) => void;
  private reject!: (err: unknown) => void;

  constructor(
    readonly host: RaceHost,
    readonly run: RequestRun,
  ) {}

  start(): Promise<ClientResponse> {
    const promise = new Promise<ClientResponse>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    this.run.phase = this;
    this.launch(false, undefined);
    return promise;
  }

  /** The request's deadline or abort: every leg is cancelled; after the win, the winner's body read. */
  cancel(err: H2DoctorError): void {
    if (this.winner !== undefined) {
      this.winner.phase?.cancel(err);
      return;
    }
    if (this.backoff !== undefined) clearTimeout(this.backoff);
    this.backoff = undefined;
    for (const leg of [...this.legs]) leg.phase?.cancel(err);
    // Legs queued for a session hear it asynchronously; the request fails now.
    this.fail(err);
  }

  /** Starts one leg; `avoid` is a session it must not use. */
  private launch(hedge: boolean, avoid: Set<PooledSession> | undefined, staleConnectMs?: number): void {
    const { host, run } = this;
    for (;;) {
      if (this.settled) return;
      if (run.failure) return this.fail(run.failure);
      const exclude = this.legs.length === 0 ? run.tried : this.busyEndpoints();
      const endpoint = host.selector.select(exclude);
      if (endpoint === undefined) {
        if (hedge) return; // nowhere to hedge to: the first leg keeps waiting
        return this.fail(run.lastError ?? host.noEndpoint(run));
      }
      let permit: BreakerPermit;
      try {
        permit = endpoint.breaker.acquire(run.signal);
      } catch (err) {
        if (hedge) return;
        try {
          host.accounting.breakerRejected(run, endpoint, err as H2DoctorError, host.endpointCount);
        } catch (e) {
          return this.fail(e);
        }
        continue;
      }
      // A copy on the endpoint another leg is on goes to another session of it: not the ones
      // the other legs are on, nor the one they wait for while it connects.
      for (const l of this.legs) {
        if (l.endpoint !== endpoint) continue;
        const taken = l.session ?? endpoint.pool.connecting();
        if (taken !== undefined) (avoid ??= new Set()).add(taken);
      }
      run.attempt++;
      endpoint.attempts++;
      endpoint.inFlight++;
      const leg = new Leg(this, endpoint, permit, hedge);
      this.legs.push(leg);
      this.arm(leg);
      let acquired: PooledSession | Promise<PooledSession>;
      try {
        acquired = endpoint.pool.acquire(leg, avoid, staleConnectMs);
      } catch (err) {
        this.failed(leg, err as H2DoctorError);
        return;
      }
      if (acquired instanceof Promise) {
        acquired.then(
          (session) => this.send(leg, session),
          (err: H2DoctorError) => this.failed(leg, err),
        );
      } else this.send(leg, acquired);
      return;
    }
  }

  private send(leg: Leg, session: PooledSession): void {
    leg.session = session;
    if (leg.done) {
      // Settled while it waited for a slot (the race was won or cancelled): give it back.
      session.streamClosed();
      return;
    }
    exchange(session, leg, leg.endpoint.url, this.run.attempt, this.host.shared, LEG_HANDLER);
  }

  /** Endpoints this request failed on or has a leg on now. */
  private busyEndpoints(): Set<Endpoint> {
    const set = new Set<Endpoint>(this.run.tried);
    for (const l of this.legs) set.add(l.endpoint);
    return set;
  }

  /** Arms the leg's wheel entry: the hedge delay first, then the per-try timeout. */
  private arm(leg: Leg): void {
    const { host } = this;
    const now = host.clock.now();
    const hedging = host.hedging;
    if (hedging !== undefined && this.hedges < hedging.maxHedges) {
      const delay = hedging.delayFor(leg.endpoint);
      if (delay !== undefined && delay < host.attemptTimeoutMs) {
        leg.stage = Stage.Hedge;
        leg.hedgeDelayMs = delay;
        host.deadlines.add(leg, delay, now);
        return;
      }
    }
    if (host.attemptTimeoutMs !== Infinity) {
      leg.stage = Stage.Timeout;
      host.deadlines.add(leg, host.attemptTimeoutMs, now);
    }
  }

  /** A leg's wheel entry expired: send a hedge, or time the leg out. */
  timerFired(leg: Leg): void {
    if (leg.done || this.settled) return;
    const { host } = this;
    if (leg.stage === Stage.Hedge) {
      leg.stage = Stage.None;
      const now = host.clock.now();
      if (leg.session === undefined) {
        // Never sent: it waits for a connection that is slow to come up. A copy would only
        // join the same queue; a new connection is what helps, and the queue moves to it.
        leg.endpoint.pool.openPastStalled(leg.hedgeDelayMs);
        leg.stage = Stage.Hedge;
        host.deadlines.add(leg, Math.max(1, Math.min(leg.hedgeDelayMs, host.attemptTimeoutMs - (now - leg.startedAt))), now);
        return;
      }
      const remaining = host.attemptTimeoutMs - (now - leg.startedAt);
      if (remaining !== Infinity) {
        leg.stage = Stage.Timeout;
        host.deadlines.add(leg, Math.max(1, remaining), now);
      }
      const hedging = host.hedging!;
      // Both caps: the hedge share of recent requests, then the retry budget it spends.
      if (this.hedges < hedging.maxHedges && hedging.tryHedge() && host.accounting.tryHedgeBudget()) {
        this.hedges++;
        host.counters.hedges++;
        this.launch(true, undefined, leg.hedgeDelayMs);
      }
      return;
    }
    if (leg.stage === Stage.Timeout) {
      leg.stage = Stage.None;
      const err = new AttemptTimeoutError(`${this.run.method} ${this.run.path}: no response headers from ${leg.endpoint.url} within ${host.attemptTimeoutMs} ms (attempt ${this.run.attempt})`);
      // `failed` sends the retry to another session than this one (see `avoid` there).
      if (leg.phase !== undefined) leg.phase.cancel(err);
      else this.failed(leg, err);
    }
  }

  private drop(leg: Leg): void {
    leg.done = true;
    const list = leg.deadlineList;
    if (list !== undefined) list.remove(leg);
    const i = this.legs.indexOf(leg);
    if (i >= 0) this.legs.splice(i, 1);
  }

  /** A leg got response headers. */
  responded(leg: Leg, res: ClientResponse): void {
    const { host } = this;
    if (leg.done || this.settled) {
      // Already accounted for as a loser (a cancel that raced its answer): the body nobody
      // will read is discarded now, so it is neither a leak nor a held stream.
      res.dump().catch(() => {});
      return;
    }
    this.drop(leg);
    this.settled = true;
    this.winner = leg;
    host.hedging?.observe(leg.endpoint, host.clock.now() - leg.startedAt);
    if (leg.hedge) host.counters.hedgesWon++;
    for (const other of [...this.legs]) {
      this.drop(other);
      host.accounting.cancelled(other.endpoint, other.permit);
      other.phase?.cancel(LOST);
      if (leg.hedge) outpaced(other.session);
    }
    try {
      host.accounting.succeeded(leg.endpoint, leg.permit, res);
    } catch (err) {
      this.run.finish();
      this.reject(err);
      return;
    }
    this.resolve(res);
  }

  /** A leg failed before its headers (or was cancelled). */
  failed(leg: Leg, err: H2DoctorError): void {
    if (leg.done) return; // cancelled as a loser, already accounted for
    const { host, run } = this;
    this.drop(leg);
    if (this.settled) {
      host.accounting.cancelled(leg.endpoint, leg.permit);
      return;
    }
    const goOn = host.accounting.recordFailure(leg.endpoint, leg.permit, err);
    if (!goOn || err instanceof AbortError || err instanceof ClientClosedError || err instanceof DeadlineExceededError) {
      this.fail(run.failure ?? err);
      return;
    }
    if (this.legs.length > 0) {
      // Another leg is still racing: it may answer; no new attempt yet.
      run.lastError = err;
      (run.tried ??= new Set()).add(leg.endpoint);
      return;
    }
    let wait: number;
    try {
      wait = host.accounting.retryAfter(run, leg.endpoint, err);
    } catch (e) {
      this.fail(e);
      return;
    }
    const timedOut = err instanceof AttemptTimeoutError;
    const avoid = timedOut && leg.session !== undefined ? new Set([leg.session]) : undefined;
    const stale = timedOut ? host.attemptTimeoutMs : undefined;
    if (wait <= 0) this.launch(false, avoid, stale);
    else {
      this.backoff = setTimeout(() => {
        this.backoff = undefined;
        this.launch(false, avoid, stale);
      }, wait);
    }
  }

  /** Ends the request with `err`: legs still in flight are cancelled. */
  private fail(err: unknown): void {
    if (this.settled) return;
    this.settled = true;
    for (const other of [...this.legs]) {
      this.drop(other);
      this.host.accounting.cancelled(other.endpoint, other.permit);
      other.phase?.cancel(err as H2DoctorError);
    }
    if (this.run.phase === this) this.run.phase = undefined;
    this.run.finish();
    this.reject(err);
  }
}
