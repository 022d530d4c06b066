import type { InstrumentOptions, RequestProfile, RequestTimeline, ServerDoctor, SlowRequest } from '../server/index.js';
import type { ScenarioName } from './scenarios.js';

/**
 * The order service's slowest request of a scenario, with the CPU samples taken while it was
 * open and its stream's frame timeline: `instrument(server, { profile, timeline })` on order,
 * the slowest slow-request record of the load kept, made compact for `--json` and the HTML
 * report's flame graph (src/report/lab-flame.ts).
 */

/** Scenarios whose report shows the flame graph of their slowest request. */
export const flameScenarios: readonly ScenarioName[] = ['push-abuse', 'inventory-spike'];

/** What a scenario's report carries under `slowestRequest`. */
export interface SlowestRequest {
  /** The request as order's server saw it: headers in to stream closed (not the client's wait, which includes retries). */
  route: string;
  status: number;
  durationMs: number;
  firstByteMs: number | undefined;
  rstCode: number;
  traceId: string;
  /** Slow requests order captured during the load (threshold: its running P99), this one the slowest. */
  slowRequests: number;
  /**
   * The record's `profile` (h2doctor/server's RequestProfile: whole-thread samples; in the lab
   * that thread also runs the load clients and the chaos proxies), made compact: at most 10 top
   * frames and `maxFoldedChars` of folded stacks (boundFolded: the least sampled cut to their
   * outermost frames), urls relative to `root`.
   */
  profile: RequestProfile & {
    /** Common `file://` folder cut from every frame's url ('' when none). */
    root: string;
    /** Distinct stacks cut short (or, past that, merged into `(other stacks)`) to fit (0: none). */
    stacksTrimmed: number;
  };
  /** The stream's side of the request: HEADERS, response, DATA writes, flow-control waits, end, RST_STREAM, GOAWAY. */
  timeline: RequestTimeline | undefined;
}

/** Bound on `profile.folded` per scenario, characters: keeps `lab --json` compact. */
export const maxFoldedChars = 16_000;
const maxTopFrames = 10;

/**
 * The slow-request settings on order while profiling. The threshold is order's running P99, as
 * a user would run it; 20 requests before judging, because the quick inventory-spike scenario
 * has only 64 (the default 200 would judge none). The estimate never passes the largest duration
 * seen, so the slowest request of the load is captured unless it is among the first 20; then the
 * requests near the top still are (the estimate interpolates below the maximum, tail-quantile.ts).
 */
export const slowestInstrumentOptions = {
  slowRequests: { threshold: 'p99', minSamples: 20, keep: 16 },
  profile: { sampleIntervalUs: 1000, windowMs: 60_000 },
  timeline: true,
} as const satisfies InstrumentOptions;

/** Keeps the slowest record with a profile among those that started before the load ended. */
export class SlowestCapture {
  private doctor: ServerDoctor | undefined;
  private unsubscribe: (() => void) | undefined;
  private readonly records: SlowRequest[] = [];
  /** Wall time (ms since the epoch, as `receivedAt`) the load ended; the probe's requests come after. */
  private loadEndedAt = Infinity;

  /** Follows `doctor`'s slow requests (instrumented with slowestInstrumentOptions). */
  watch(doctor: ServerDoctor): void {
    this.doctor = doctor;
    this.unsubscribe = doctor.onSlowRequest((r) => {
      if (r.profile !== undefined) this.records.push(r);
    });
  }

  loadEnded(): void {
    this.loadEndedAt = Date.now();
  }

  /**
   * Stops the instrumentation (detach publishes records still waiting for samples and stops
   * the profiler; the server keeps serving) and returns the slowest request of the load.
   */
  finish(): SlowestRequest | undefined {
    this.doctor?.detach();
    this.unsubscribe?.();
    const load = this.records.filter((r) => r.receivedAt <= this.loadEndedAt);
    if (load.length === 0) return undefined;
    const slowest = load.reduce((a, b) => (b.durationMs > a.durationMs ? b : a));
    return compactSlowest(slowest, load.length);
  }
}

/** Pure: a slow-request record (with a profile) made compact for the lab report. */
export function compactSlowest(r: SlowRequest, slowRequests: number): SlowestRequest {
  const p = r.profile!;
  const root = commonFileRoot([...p.topFrames.map((f) => f.url), ...fileUrls(p.folded)]);
  const cut = (s: string) => (root === '' ? s : s.split(root).join(''));
  const bounded = boundFolded(cut(p.folded), maxFoldedChars);
  return {
    route: r.route, status: r.status, durationMs: round(r.durationMs), firstByteMs: r.firstByteMs === undefined ? undefined : round(r.firstByteMs),
    rstCode: r.rstCode, traceId: r.traceId, slowRequests,
    profile: {
      ...p, root,
      topFrames: p.topFrames.slice(0, maxTopFrames).map((f) => ({ ...f, url: cut(f.url) })),
      folded: bounded.folded, stacksTrimmed: bounded.trimmed,
    },
    timeline: r.timeline,
  };
}

/**
 * The first folded lines (most samples first) that fit in ¾ of `maxChars`, then the rest cut to
 * their outermost frames: to 8, 4, 2 or 1 frames plus a `(deeper frames)` frame, the first
 * depth at which they fit, so the flame graph keeps its shape near the root and its widths
 * still add up to every sample. Past that (not met in practice) the rest is one `(other stacks)`.
 */
export function boundFolded(folded: string, maxChars: number): { folded: string; trimmed: number } {
  if (folded.length <= maxChars) return { folded, trimmed: 0 };
  const lines = folded.split('\n');
  // Whole lines fill three quarters at most: the rest, cut short, needs room too.
  const wholeChars = Math.floor(maxChars * 0.75);
  const kept: string[] = [];
  let chars = 0;
  let i = 0;
  for (; i < lines.length && chars + lines[i]!.length + 1 <= wholeChars; i++) {
    kept.push(lines[i]!);
    chars += lines[i]!.length + 1;
  }
  const rest = lines.slice(i).map((line) => {
    const space = line.lastIndexOf(' ');
    return { frames: line.slice(0, space).split(';'), count: Number(line.slice(space + 1)) || 0 };
  });
  for (const depth of [8, 4, 2, 1]) {
    const merged = new Map<string, number>();
    let cut = 0;
    for (const { frames, count } of rest) {
      const deeper = frames.length > depth;
      if (deeper) cut++;
      const key = deeper ? [...frames.slice(0, depth), '(deeper frames)'].join(';') : frames.join(';');
      merged.set(key, (merged.get(key) ?? 0) + count);
    }
    const extra = [...merged].sort((a, b) => b[1] - a[1]).map(([stack, count]) => `${stack} ${count}`);
    if (extra.reduce((n, line) => n + line.length + 1, chars) <= maxChars) return { folded: [...kept, ...extra].join('\n'), trimmed: cut };
  }
  // Kept lines give way until the one line for everything else fits.
  let others = rest.reduce((n, r) => n + r.count, 0);
  let trimmed = rest.length;
  while (kept.length > 0 && chars + `(other stacks) ${others}`.length > maxChars) {
    const line = kept.pop()!;
    chars -= line.length + 1;
    others += Number(line.slice(line.lastIndexOf(' ') + 1)) || 0;
    trimmed++;
  }
  kept.push(`(other stacks) ${others}`);
  return { folded: kept.join('\n'), trimmed };
}

/** `file://` urls in folded labels (`name (file:///a/b.ts:12)`). */
function fileUrls(folded: string): string[] {
  return folded.match(/file:\/\/[^\s;()]*?(?=:\d+\))/g) ?? [];
}

/** The longest folder (ending in '/') that every `file://` url starts with; '' when there is none. */
export function commonFileRoot(urls: readonly string[]): string {
  const files = urls.filter((u) => u.startsWith('file://'));
  if (files.length === 0) return '';
  let prefix = files[0]!.slice(0, files[0]!.lastIndexOf('/') + 1);
  for (const u of files) {
    while (prefix !== '' && !u.startsWith(prefix)) prefix = prefix.slice(0, prefix.lastIndexOf('/', prefix.length - 2) + 1);
  }
  return prefix.length > 'file:///'.length ? prefix : '';
}

const round = (ms: number) => Math.round(ms * 10) / 10;
