import { monotonicClock, type Clock } from '../clock.js';
import { AbortError, type H2DoctorError } from '../errors.js';
import { BenchConnection, type ConnectionOwner } from './connection.js';
import type { HealthEvent } from './connection-owner.js';
import { prepareDial } from './dial.js';
import { LatencyHistogram } from '../stats/log-linear-histogram.js';
import type { BenchOptions } from './options.js';
import { BenchRecorder, Outcome, type OutcomeCode } from './recorder.js';
import { createSchedule, type LoadSchedule, PendingRequests } from './schedule.js';
import { RequestObserver } from './request-observer.js';
import type { RecorderExtras } from './recorder.js';
import { SelfCheck, type SelfCheckSample } from './self-check.js';
import { grpcStatusOfFailure } from './grpc-call.js';

/**
 * One thread's bench: opens `connections` connections, feeds them requests according to the
 * schedule, records every finished request, replaces connections that close while work
 * remains, and stops when the schedule is spent and nothing is in flight.
 *
 * Failing to *establish* a connection (refused, TLS, not HTTP/2, no SETTINGS) ends the run
 * with that error: the server is unreachable or has died. An established connection that fails
 * is counted and replaced.
 */

/** Live numbers for a progress line; emitted once a second. */
export interface BenchProgress {
  /** Since the start of measurement (negative during warmup), ms. */
  elapsedMs: number;
  /** Measured requests finished so far. */
  done: number;
  /** Requests finished in the last second and their p99, ms. */
  recentRequests: number;
  recentP99: number;
  recentSpanMs: number;
  warmup: boolean;
}

export interface EngineResult {
  recorder: BenchRecorder;
  selfCheck: SelfCheckSample;
  /** Set when the run ended because a connection could not be established. */
  error: H2DoctorError | undefined;
  aborted: boolean;
  /** Wall clock (ms since the epoch) at the start of measurement. */
  startedAtMs: number;
}

export interface EngineOptions {
  clock?: Clock;
  /** This engine's index and the number of engines: connection ids are `seq × count + index`. */
  workerIndex?: number;
  workerCount?: number;
}

/** Which slot each connection fills. */
const slots = new WeakMap<BenchConnection, number>();
function slotOf(conn: BenchConnection): number {
  return slots.get(conn) ?? -1;
}

export class BenchEngine implements ConnectionOwner {
  readonly clock: Clock;
  /** Swapped for a fresh one when warmup ends. */
  recorder: BenchRecorder;
  private schedule!: LoadSchedule;
  private readonly pending = new PendingRequests();
  private readonly slots: (BenchConnection | undefined)[] = [];
  /** Connections that received GOAWAY, finishing their streams outside any slot. */
  private readonly draining = new Set<BenchConnection>();
  private seq = 0;
  /** Requests handed to a connection and not finished. */
  private inFlight = 0;
  private stopping = false;
  private measuring = false;
  private error: H2DoctorError | undefined;
  private aborted = false;
  private resolveRun: (() => void) | undefined;
  private readonly timers: NodeJS.Timeout[] = [];
  /** Open loop: the one pending scheduler tick. */
  private tickTimer: NodeJS.Timeout | undefined;
  private readonly selfCheck = new SelfCheck();
  private readonly progressListeners = new Set<(p: BenchProgress) => void>();
  /** Latencies of the last progress period (only while someone listens). */
  private recent = new LatencyHistogram(9);
  private recentSince = 0;
  private readonly workerIndex: number;
  private readonly workerCount: number;
  /** Only when -i, --stages or --log-file is on (request-observer.ts). */
  private observer: RequestObserver | undefined;
  private readonly extras: RecorderExtras;

  constructor(private readonly o: BenchOptions, engine: EngineOptions = {}) {
    this.clock = engine.clock ?? monotonicClock;
    this.workerIndex = engine.workerIndex ?? 0;
    this.workerCount = engine.workerCount ?? 1;
    this.extras = { targets: o.targets !== undefined && o.targets.length > 1 ? o.targets : undefined, stages: o.stages?.length, grpc: o.grpc !== undefined };
    this.recorder = new BenchRecorder(o.intervalMs, this.extras);
  }

  /** Subscribes to once-a-second progress; returns the unsubscribe. */
  onProgress(listener: (p: BenchProgress) => void): () => void {
    this.progressListeners.add(listener);
    return () => this.progressListeners.delete(listener);
  }

  async run(signal?: AbortSignal): Promise<EngineResult> {
    if (signal?.aborted) throw new AbortError('bench aborted before it started');
    await prepareDial(this.o.url);
    if (signal?.aborted) throw new AbortError('bench aborted before it started');
    const start = this.clock.now();
    const wallOffsetMs = Date.now() - start;
    if (RequestObserver.wanted(this.o)) this.observer = new RequestObserver(this.o, wallOffsetMs);
    this.schedule = createSchedule(this.o, start);
    this.measuring = this.o.warmupMs === 0;
    if (this.measuring) this.selfCheck.start(start);
    const done = new Promise<void>((resolve) => (this.resolveRun = resolve));
    const onAbort = () => {
      this.aborted = true;
      this.stop();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    this.recentSince = start;

    if (this.o.warmupMs > 0) this.later(this.o.warmupMs, () => this.endWarmup());
    if (this.o.durationMs > 0) this.later(this.o.warmupMs + this.o.durationMs, () => this.checkDone());
    if (this.o.timeoutMs > 0 || (this.o.callTimeoutMs ?? 0) > 0) {
      const every = Math.min(1000, Math.max(10, Math.min(this.o.timeoutMs || Infinity, this.o.callTimeoutMs || Infinity) / 4));
      this.timers.push(setInterval(() => this.sweep(), every));
    }
    this.timers.push(setInterval(() => this.emitProgress(), 1000));

    if (this.schedule.openLoop) this.tick();
    else {
      const users = this.o.connections * this.o.streams;
      for (let i = 0; i < users && this.schedule.tryCreate(start); i++) this.pending.push(start);
    }
    for (let i = 0; i < this.o.connections; i++) this.openSlot(i);

    await done;
    signal?.removeEventListener('abort', onAbort);
    const end = this.clock.now();
    const selfCheck = this.selfCheck.stop(end);
    for (const t of this.timers) clearTimeout(t);
    this.observer?.close();
    return { recorder: this.recorder, selfCheck, error: this.error, aborted: this.aborted, startedAtMs: this.schedule.measureStart + wallOffsetMs };
  }

  private later(ms: number, fn: () => void): void {
    this.timers.push(setTimeout(fn, ms));
  }

  private openSlot(slot: number): void {
    const id = this.seq++ * this.workerCount + this.workerIndex;
    const conn = new BenchConnection(id, this.o, this);
    slots.set(conn, slot);
    this.slots[slot] = conn;
    conn.open();
  }

  private endWarmup(): void {
    if (this.measuring) return;
    const now = this.clock.now();
    this.recorder = new BenchRecorder(this.o.intervalMs, this.extras);
    this.measuring = true;
    this.selfCheck.start(now);
    // Connections carried over from warmup are the ones the measurement uses: register them.
    for (const c of this.slots) if (c && c.record) c.record = this.registerConnection(c);
  }

  private registerConnection(c: BenchConnection) {
    return this.recorder.openConnection(c.id, c.openedAt - this.schedule.start, c.connectMs, c.tlsMs);
  }

  // ------------------------------------------------------------ open loop

  private tick(): void {
    if (this.stopping) return;
    const now = this.clock.now();
    const lag = this.recorder.scheduleLag;
    this.schedule.releaseDue(now, (at) => {
      this.pending.push(at);
      if (at >= this.schedule.measureStart) lag.recordMs(now - at);
    });
    this.pumpAll(now);
    const next = this.schedule.nextDueAt();
    if (next === Infinity) this.checkDone();
    else {
      clearTimeout(this.tickTimer);
      this.tickTimer = setTimeout(() => this.tick(), Math.max(0, next - this.clock.now()));
    }
  }

  // ------------------------------------------------------------ ConnectionOwner

  takePending(): number {
    if (this.pending.length === 0 || this.stopping) return NaN;
    this.inFlight++;
    return this.pending.shift();
  }

  requeue(startedAt: number): void {
    this.inFlight--;
    this.recorder.counters.retried++;
    this.pending.unshift(startedAt);
  }

  requestDone(conn: BenchConnection, streamId: number, startedAt: number, sentAt: number, firstByteAt: number, endAt: number, status: number, outcome: OutcomeCode, pushes: number, grpc: number): void {
    this.inFlight--;
    if (this.stopping) return;
    if (startedAt >= this.schedule.measureStart && conn.record !== undefined) {
      // The warmup timer can fire late on a busy machine, after measured requests have ended:
      // measurement starts now then, or they would be counted in the warmup's recorder.
      if (!this.measuring) this.endWarmup();
      const grpcCode = this.o.grpc === undefined ? -1 : grpc >= 0 ? grpc : grpcStatusOfFailure(outcome);
      this.recorder.recordRequest(conn.record, streamId, this.schedule.measureStart, startedAt, sentAt, firstByteAt, endAt, status, outcome, grpcCode);
      if (pushes > 0) this.recorder.counters.responsesWithPush++;
      if (outcome === Outcome.TIMEOUT) this.recorder.counters.resetsSent++; // our RST_STREAM(CANCEL)
      if (this.progressListeners.size > 0) this.recent.recordMs(endAt - startedAt);
      if (this.observer !== undefined) this.observer.request(this.recorder, conn.id, conn.targetOffset, streamId, this.schedule.measureStart, startedAt, sentAt, firstByteAt, endAt, status, outcome);
    }
    if (!this.schedule.openLoop && this.schedule.tryCreate(endAt)) this.pending.push(endAt);
    else if (this.inFlight === 0) this.checkDone();
  }

  resetReceived(conn: BenchConnection, code: number): void {
    if (conn.record && this.measuring) this.recorder.recordReset(conn.record, code);
  }

  goawayReceived(conn: BenchConnection, code: number, lastStreamId: number, debug: string): void {
    if (conn.record && this.measuring) this.recorder.recordGoaway(conn.record, code, lastStreamId, this.clock.now() - this.schedule.measureStart, debug);
    // RFC 9113 §6.8: no new streams on it. It drains outside its slot; a replacement opens now
    // rather than after the last stream on the old one ends.
    const slot = slotOf(conn);
    if (this.stopping || this.slots[slot] !== conn) return;
    this.slots[slot] = undefined;
    this.draining.add(conn);
    if (this.needsConnection()) {
      if (this.measuring) this.recorder.counters.reconnects++;
      this.openSlot(slot);
    }
  }

  pushPromised(_conn: BenchConnection, cancelled: boolean): void {
    if (!this.measuring) return;
    const c = this.recorder.counters;
    c.pushPromises++;
    if (cancelled) c.pushCancelled++, c.resetsSent++;
  }

  pushBytes(bytes: number, completed: boolean): void {
    if (!this.measuring) return;
    const c = this.recorder.counters;
    c.pushBytes += bytes;
    if (completed) c.pushCompleted++;
  }

  health(event: HealthEvent, value: number): void {
    if (!this.measuring) return;
    const c = this.recorder.counters;
    switch (event) {
      case 'ping-sent': c.pingsSent++; break;
      case 'ping-ack':
        c.pingAcks++;
        c.pingRttTotalMs += value;
        if (value > c.pingRttMaxMs) c.pingRttMaxMs = value;
        break;
      case 'abandoned-ping': c.abandonedPing++; break;
      case 'window-update': c.windowUpdatesSent++; break;
      case 'push-uncredited': c.pushBytesUncredited += value; break;
      case 'push-after-cancel': c.pushBytesAfterCancel += value; break;
      case 'zero-window': c.zeroWindowMs += value; break;
    }
  }

  bodyBytes(body: number, header: number): void {
    if (!this.measuring) return;
    const c = this.recorder.counters;
    c.bodyBytes += body;
    c.headerBytes += header;
  }

  ready(conn: BenchConnection): void {
    if (this.stopping) return conn.destroy();
    conn.record = this.registerConnection(conn);
    if (!this.measuring) this.recorder.counters.opened--; // warmup connections are re-registered when it ends
    conn.startStreams(this.clock.now());
    conn.flush();
  }

  slotsFreed(conn: BenchConnection, now: number): void {
    conn.startStreams(now);
    if (this.pending.length > 0) this.pumpAll(now);
  }

  private pumpAll(now = this.clock.now()): void {
    for (const c of this.slots) {
      if (this.pending.length === 0) break;
      if (c && c.state === 'open') {
        c.startStreams(now);
        c.flush();
      }
    }
  }

  closed(conn: BenchConnection, reason: string, error: H2DoctorError | undefined, established: boolean): void {
    if (conn.record) {
      conn.record.closeReason = reason;
      conn.record.closedAtMs = this.clock.now() - this.schedule.start;
      if (this.measuring) {
        this.recorder.counters.bytesIn += conn.bytesIn;
        this.recorder.counters.bytesOut += conn.bytesOut;
      }
    }
    if (this.draining.delete(conn)) {
      if (this.stopping) this.checkAllClosed();
      else this.checkDone();
      return;
    }
    const slot = slotOf(conn);
    if (this.slots[slot] !== conn) return;
    this.slots[slot] = undefined;
    if (this.stopping) return this.checkAllClosed();
    if (error && !established) {
      this.error ??= error;
      this.stop();
      return;
    }
    if (this.needsConnection()) {
      if (this.measuring) this.recorder.counters.reconnects++;
      this.openSlot(slot);
    } else this.checkDone();
  }

  // ------------------------------------------------------------ ending

  private workRemains(): boolean {
    return this.pending.length > 0 || !this.schedule.exhausted(this.clock.now());
  }

  /**
   * Should a closed connection be replaced? Yes while requests will still be created; at the
   * end only if the waiting requests exceed what connections already being opened will take
   * (else the last few requests would open connections that never carry one).
   */
  private needsConnection(): boolean {
    if (!this.schedule.exhausted(this.clock.now())) return true;
    let opening = 0;
    for (const c of this.slots) if (c && (c.state === 'connecting' || c.state === 'handshake')) opening++;
    return this.pending.length > opening * this.o.streams;
  }

  private checkDone(): void {
    if (this.stopping) return;
    if (this.inFlight === 0 && !this.workRemains()) this.stop();
  }

  private sweep(): void {
    const now = this.clock.now();
    const call = this.o.callTimeoutMs ?? 0;
    for (const c of this.slots) c?.sweepTimeouts(now, this.o.timeoutMs, call);
    for (const c of this.draining) c.sweepTimeouts(now, this.o.timeoutMs, call);
  }

  private emitProgress(): void {
    if (this.progressListeners.size === 0) return;
    const now = this.clock.now();
    const p: BenchProgress = {
      elapsedMs: now - this.schedule.measureStart,
      done: this.recorder.completed(),
      recentRequests: this.recent.total,
      recentP99: this.recent.percentileMs(99),
      recentSpanMs: now - this.recentSince,
      warmup: !this.measuring,
    };
    this.recent = new LatencyHistogram(9);
    this.recentSince = now;
    for (const l of this.progressListeners) l(p);
  }

  /** Stops creating requests and closes every connection; the run resolves when all are closed. */
  private stop(): void {
    if (this.stopping) return;
    this.stopping = true;
    for (const t of this.timers) clearTimeout(t);
    clearTimeout(this.tickTimer);
    for (const c of this.slots) c?.destroy();
    for (const c of [...this.draining]) c.destroy();
    this.checkAllClosed();
  }

  private checkAllClosed(): void {
    if (this.draining.size === 0 && this.slots.every((c) => c === undefined)) this.resolveRun?.();
  }
}


