import { console as inspectorConsole, Session } from 'node:inspector';
import { performance } from 'node:perf_hooks';
import { ConfigError } from '../errors.js';
import { compactProfile, FrameTable, foldWindow, type InspectorProfile, type ProfileChunk, type TopFrame } from './profile-fold.js';

/**
 * The sampling profiler behind `instrument(server, { profile })`: V8's CPU profiler, kept
 * running, its samples held for `windowMs` so a slow request can be given the samples taken
 * while it ran.
 *
 * How it runs. The inspector's Profiler gives samples only when a profile stops, so the
 * profile is cut into chunks: every `chunkMs`, and when a slow request needs the newest
 * samples. Cutting with `Profiler.stop` + `Profiler.start` costs 20-80 ms of main-thread
 * time per cut (each start re-logs every compiled function: measured on a busy 2-core box),
 * so the cut starts the next profile by title through the inspector's console
 * (`console.profile`) before ending the previous one: V8's profiler keeps running between
 * them and a cut costs about 0.2-0.6 ms (same box). A worker thread attached to the main
 * thread (`connectToMainThread`) was tried too: it cannot use the console titles, so each
 * cut is a full stop and start, and V8 serialises the profile on the main thread either way.
 *
 * The inspector console is process-wide: another inspector session with its Profiler
 * enabled (DevTools) sees these chunks as console profiles titled `h2doctor-…`.
 */

export interface ProfileOptions {
  /** V8 sampling interval, µs (default 1000). */
  sampleIntervalUs?: number;
  /** How far back samples are kept, ms (default 60000). Longer requests get a partial profile. */
  windowMs?: number;
}

/** What a slow request's record carries under `profile`. */
export interface RequestProfile {
  /** The samples are the whole thread's: everything it ran while the request was open, not only this request's code. */
  scope: 'thread';
  /** Requests (other than this one) in flight on this server at some point while it ran. */
  overlappingRequests: number;
  /** True when `overlappingRequests` is a lower bound (more requests ended in the interval than the profiler remembers). */
  overlapLowerBound: boolean;
  /** The V8 sampling interval, µs. */
  sampleIntervalUs: number;
  /** Samples taken while the request ran. */
  samples: number;
  /** Time those samples stand for, ms (less than the duration when the sampler fell behind). */
  sampledMs: number;
  /** False when part of the request is older than the window or the profiler was not running. */
  complete: boolean;
  /** Frames by self time, most first (at most 15). */
  topFrames: TopFrame[];
  /** Brendan Gregg's folded stacks: `root;…;leaf count` lines, root first, most samples first. */
  folded: string;
}

/** Checks `profile` options and fills in the defaults. */
export function resolveProfileOptions(options: ProfileOptions): Required<ProfileOptions> {
  const sampleIntervalUs = options.sampleIntervalUs ?? 1000;
  const windowMs = options.windowMs ?? 60_000;
  if (!Number.isInteger(sampleIntervalUs) || sampleIntervalUs < 50) {
    throw new ConfigError(`profile.sampleIntervalUs must be an integer of at least 50 µs, got ${options.sampleIntervalUs}`);
  }
  if (!(windowMs >= 1000 && Number.isFinite(windowMs))) {
    throw new ConfigError(`profile.windowMs must be at least 1000 ms, got ${options.windowMs}`);
  }
  return { sampleIntervalUs, windowMs };
}

/**
 * Fewest ms between two cuts made for slow requests. Each cut costs a few hundred µs, and at
 * a p99 threshold a busy server has a hundred slow requests a second: they wait for the next
 * cut (up to this long) rather than each making one.
 */
const minCutMs = 100;

/** Request end times kept for the overlap count (the newest this many). */
const endRingSize = 65536;

export class RequestProfiler {
  readonly sampleIntervalUs: number;
  readonly windowMs: number;
  private readonly session = new Session();
  private readonly frames = new FrameTable();
  /** Stopped chunks, oldest first, none older than the window. */
  private readonly chunks: ProfileChunk[] = [];
  /** Title prefix of this profiler's console profiles. */
  private readonly prefix: string;
  /** Number of the running chunk. */
  private seq = 0;
  /** Clock time the running chunk started. */
  private runningSince: number;
  /** V8 µs / 1000 minus performance.now(): maps profile times onto the clock. */
  private readonly offsetMs: number;
  private readonly timer: NodeJS.Timeout;
  /** End times of recent requests (clock ms), a ring; `ends` counts all ever written. */
  private readonly endRing = new Float64Array(endRingSize);
  private ends = 0;
  private stopped = false;
  /** Clock time of the last cut. */
  private lastCutAt = -Infinity;
  /** Slow requests waiting for the next cut, and its timer. */
  private readonly waiters: Array<() => void> = [];
  private cutTimer: NodeJS.Timeout | undefined = undefined;

  constructor(options: Required<ProfileOptions>, instance: number) {
    this.sampleIntervalUs = options.sampleIntervalUs;
    this.windowMs = options.windowMs;
    this.prefix = `h2doctor-${process.pid}-${instance}-`;
    // V8 and performance.now() both read the monotonic clock; V8 in µs from its own origin.
    this.offsetMs = Number(process.hrtime.bigint()) / 1e6 - performance.now();
    try {
      this.session.connect();
      this.post('Profiler.enable');
      this.post('Profiler.setSamplingInterval', { interval: this.sampleIntervalUs });
    } catch (err) {
      this.session.disconnect();
      throw new ConfigError(`profile: the inspector's Profiler is not available (${(err as Error).message})`, { cause: err });
    }
    this.session.on('Profiler.consoleProfileFinished', (message) => this.onChunk(message.params as { title?: string; profile: InspectorProfile }));
    this.runningSince = performance.now();
    inspectorConsole.profile(this.title(this.seq));
    // A chunk a second: a cut costs well under a ms, and a slow request then waits for at most one.
    const chunkMs = Math.min(1000, this.windowMs / 4);
    this.timer = setInterval(() => this.cut(), chunkMs);
    this.timer.unref();
  }

  /** A request ended at clock time `end` (every request, while profiling: a store in a ring). */
  noteEnd(end: number): void {
    this.endRing[this.ends % endRingSize] = end;
    this.ends++;
  }

  /**
   * Requests other than one that ran [from, now] that overlapped it: those that ended since
   * `from` (remembered by noteEnd, the request itself not yet among them) and those still in
   * flight (`activeNow`, the request itself no longer counted).
   */
  overlapping(from: number, activeNow: number): { count: number; lowerBound: boolean } {
    let count = 0;
    const oldest = Math.max(0, this.ends - endRingSize);
    let i = this.ends - 1;
    for (; i >= oldest; i--) {
      if (this.endRing[i % endRingSize]! < from) break;
      count++;
    }
    return { count: count + activeNow, lowerBound: i < oldest && oldest > 0 };
  }

  /**
   * Calls `done` once the samples up to clock time `to` are in: at once if they are, else after
   * a cut, now or (if one was made less than minCutMs ago) when that interval has passed.
   */
  whenCovered(to: number, done: () => void): void {
    if (this.stopped || this.runningSince > to) return done();
    const sinceCut = performance.now() - this.lastCutAt;
    if (sinceCut >= minCutMs) {
      this.cut();
      return done();
    }
    this.waiters.push(done);
    if (this.cutTimer === undefined) {
      this.cutTimer = setTimeout(() => {
        this.cutTimer = undefined;
        this.cut();
      }, minCutMs - sinceCut);
      this.cutTimer.unref();
    }
  }

  /** The samples taken in [from, to] (clock ms), folded: call once whenCovered(to) has answered. */
  profileDuring(from: number, to: number, overlap: { count: number; lowerBound: boolean }): RequestProfile {
    const folded = foldWindow(this.chunks, this.frames, from, to);
    const first = this.chunks[0];
    return {
      scope: 'thread',
      overlappingRequests: overlap.count,
      overlapLowerBound: overlap.lowerBound,
      sampleIntervalUs: this.sampleIntervalUs,
      samples: folded.samples,
      sampledMs: folded.sampledMs,
      complete: first !== undefined && first.startMs <= from && this.chunks[this.chunks.length - 1]!.endMs >= to,
      topFrames: folded.topFrames,
      folded: folded.folded,
    };
  }

  /** Ends the running chunk (its samples arrive in onChunk, synchronously) and starts the next. */
  cut(): void {
    if (this.stopped) return;
    const ending = this.title(this.seq);
    this.seq++;
    this.runningSince = performance.now();
    // Start the next before ending this one, so V8's profiler never stops (see above).
    inspectorConsole.profile(this.title(this.seq));
    inspectorConsole.profileEnd(ending);
    this.lastCutAt = this.runningSince;
    this.flushWaiters();
  }

  private flushWaiters(): void {
    if (this.cutTimer !== undefined) clearTimeout(this.cutTimer);
    this.cutTimer = undefined;
    for (const done of this.waiters.splice(0)) done();
  }

  stop(): void {
    if (this.stopped) return;
    clearInterval(this.timer);
    inspectorConsole.profileEnd(this.title(this.seq));
    this.stopped = true;
    this.runningSince = Infinity;
    this.session.disconnect();
    this.flushWaiters();
  }

  private onChunk(params: { title?: string; profile: InspectorProfile }): void {
    if (params.title?.startsWith(this.prefix) !== true) return;
    const chunk = compactProfile(params.profile, this.offsetMs, this.frames);
    this.chunks.push(chunk);
    const horizon = chunk.endMs - this.windowMs;
    while (this.chunks.length > 1 && this.chunks[0]!.endMs < horizon) this.chunks.shift();
  }

  private title(seq: number): string {
    return `${this.prefix}${seq}`;
  }

  /** Posts to the in-process session, which answers synchronously. */
  private post(method: string, params?: object): void {
    let failure: Error | null = null;
    this.session.post(method, params, (err) => {
      failure = err;
    });
    if (failure !== null) throw failure;
  }
}
