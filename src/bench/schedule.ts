import type { LoadStage } from './options.js';
import { RateCurve } from './stages.js';

/**
 * When requests come into being. Pure: takes clock readings, returns decisions.
 *
 * Closed loop (no --rate): `connections × streams` virtual users; each finished request lets
 * its user create the next one at once. Open loop (--rate R): the k-th request is *intended*
 * at start + k/R whatever happens to earlier ones, so a slow server cannot slow the load down
 * and hide its own latency (coordinated omission, as wrk2 corrects it).
 *
 * Warmup: requests created before `measureStart` run but are not counted. Budget: `requests`
 * created at or after `measureStart`, or everything created before `measureStart + durationMs`.
 */
export interface ScheduleOptions {
  /** Requests to measure; ignored when durationMs > 0. */
  requests: number;
  durationMs: number;
  /** Requests per second; 0 = closed loop. */
  rate: number;
  warmupMs: number;
}

export class LoadSchedule {
  /** Clock reading at which measurement starts (after warmup). */
  readonly measureStart: number;
  /** Clock reading after which no request is created (duration mode), else Infinity. */
  readonly createUntil: number;
  /** Measured requests created so far. */
  measuredCreated = 0;
  /** Open loop: index of the next intended request since start. */
  private nextIndex = 0;
  /** Open loop: ms between intended sends. */
  private readonly gap: number;

  constructor(private readonly o: ScheduleOptions, readonly start: number) {
    this.measureStart = start + o.warmupMs;
    this.createUntil = o.durationMs > 0 ? this.measureStart + o.durationMs : Infinity;
    this.gap = o.rate > 0 ? 1000 / o.rate : 0;
  }

  get openLoop(): boolean {
    return this.gap > 0;
  }

  /** Open loop: clock reading at which the `index`-th request (from 0, warmup included) is intended. */
  protected intendedAt(index: number): number {
    return this.start + index * this.gap;
  }

  private budgetLeft(at: number): boolean {
    if (at >= this.createUntil) return false;
    if (this.o.durationMs > 0 || at < this.measureStart) return true;
    return this.measuredCreated < this.o.requests;
  }

  /** Closed loop: may a user create a request at `now`? Counts it when yes. */
  tryCreate(now: number): boolean {
    if (!this.budgetLeft(now)) return false;
    if (now >= this.measureStart) this.measuredCreated++;
    return true;
  }

  /** Open loop: intended time of the next request, Infinity when none is left. */
  nextDueAt(): number {
    const at = this.intendedAt(this.nextIndex);
    return this.budgetLeft(at) ? at : Infinity;
  }

  /** Open loop: calls `create(intendedAt)` for every request intended at or before `now`. */
  releaseDue(now: number, create: (intendedAt: number) => void): number {
    let n = 0;
    for (let at = this.nextDueAt(); at <= now; at = this.nextDueAt()) {
      if (at >= this.measureStart) this.measuredCreated++;
      this.nextIndex++;
      create(at);
      n++;
    }
    return n;
  }

  /** True once no request will ever be created again. */
  exhausted(now: number): boolean {
    if (this.openLoop) return this.nextDueAt() === Infinity;
    return !this.budgetLeft(now);
  }
}

/**
 * Open loop along `--stages` (stages.ts): the warmup, if any, runs at the starting rate
 * (`rate`), then the stages' ramps; the run measures for exactly the stages' length.
 */
export class StagedSchedule extends LoadSchedule {
  private readonly curve: RateCurve;

  constructor(o: ScheduleOptions & { stages: readonly LoadStage[] }, start: number) {
    super(o, start);
    const stages = o.warmupMs > 0 ? [{ durationMs: o.warmupMs, target: o.rate }, ...o.stages] : o.stages;
    this.curve = new RateCurve(stages, o.rate);
  }

  override get openLoop(): boolean {
    return true;
  }

  protected override intendedAt(index: number): number {
    return this.start + this.curve.timeOfCount(index);
  }
}

/** The schedule a run's options ask for. */
export function createSchedule(o: ScheduleOptions & { stages?: readonly LoadStage[] | undefined }, start: number): LoadSchedule {
  return o.stages !== undefined ? new StagedSchedule({ ...o, stages: o.stages }, start) : new LoadSchedule(o, start);
}

/** A FIFO of request start times (created or intended), as a growable Float64 ring: no allocation per request. */
export class PendingRequests {
  private ring = new Float64Array(1024);
  private head = 0;
  length = 0;

  private grow(): void {
    const next = new Float64Array(this.ring.length * 2);
    for (let i = 0; i < this.length; i++) next[i] = this.ring[(this.head + i) % this.ring.length]!;
    this.ring = next;
    this.head = 0;
  }

  push(at: number): void {
    if (this.length === this.ring.length) this.grow();
    this.ring[(this.head + this.length) % this.ring.length] = at;
    this.length++;
  }

  /** Oldest start time; undefined behaviour when empty (check `length`). */
  shift(): number {
    const at = this.ring[this.head]!;
    this.head = (this.head + 1) % this.ring.length;
    this.length--;
    return at;
  }

  /** Puts a request back at the front (a GOAWAY retry keeps its place and its start time). */
  unshift(at: number): void {
    if (this.length === this.ring.length) this.grow();
    this.head = (this.head + this.ring.length - 1) % this.ring.length;
    this.ring[this.head] = at;
    this.length++;
  }
}
