import { mergeBenchResults } from '../bench/merge.js';
import { decodeHistogram, loadHdr } from '../bench/portable-histograms.js';
import type { ConnectionRecord, Counters } from '../bench/recorder.js';
import type { OrderStats } from './order.js';
import { runScenario, type RunScenarioOptions, type ScenarioMeasurement } from './run-scenario.js';
import type { ScenarioSpec } from './scenarios.js';

/**
 * `healthy` and `fixed` are compared by a target (P99(fixed) ≤ 1.5 × P99(healthy)), and their
 * P99s are a few tens of milliseconds on two saturated cores: two runs of the *same* scenario
 * differ by up to 1.5× in P99 and 1.7× in throughput (measured: fixed with its pushes removed
 * against healthy, 0.90–1.47×). One run of each therefore compares noise with noise. The lab
 * measures them the way its benchmarks compare two servers: in alternating segments in ABBA
 * order (healthy, fixed, fixed, healthy, …), each a run of its own, with the segments of one scenario pooled
 * into one measurement. Drift of the process (heap growth, JIT, the machine) then falls on both
 * alike, and each P99 is taken over every segment's requests.
 */

/**
 * Runs `specs` in `segments` alternating rounds (ABBA), each segment with its share of the
 * `okhttp` clients' requests (the probe only after the last), and pools each scenario's segments.
 */
export async function runAlternating(specs: readonly ScenarioSpec[], segments: number, options: Omit<RunScenarioOptions, 'spec'>): Promise<ScenarioMeasurement[]> {
  const parts = specs.map(() => [] as ScenarioMeasurement[]);
  const size = { ...options.size, clientRequests: Math.ceil(options.size.clientRequests / segments) };
  for (let i = 0; i < segments; i++) {
    // ABBA order (healthy, fixed, fixed, healthy, …): whatever the first segment after the warm-up
    // or a steady drift costs falls on both scenarios alike, not on the one that always goes first.
    const order = i % 2 === 0 ? [...specs.keys()] : [...specs.keys()].reverse();
    for (const j of order) {
      parts[j]!.push(await runScenario({ ...options, spec: specs[j]!, size, probe: options.probe && i === segments - 1 }));
    }
  }
  return Promise.all(parts.map(mergeSegments));
}

/** Pools the segments of one scenario, in run order, into one measurement. */
export async function mergeSegments(segments: readonly ScenarioMeasurement[]): Promise<ScenarioMeasurement> {
  const last = segments[segments.length - 1];
  if (last === undefined) throw new RangeError('no segments to merge');
  if (segments.length === 1) return last;
  const bench = await mergeBenchResults(segments.map((s) => s.bench));
  const total = decodeHistogram(await loadHdr(), bench.histograms!.total);
  const counts: Partial<ScenarioMeasurement> = {};
  const calibrated = segments.map((s) => s.calibration).filter((c) => c !== undefined);
  if (calibrated.length === segments.length) {
    // healthy's calibration (what inventory-spike-protected is tuned from) covers every segment's calls.
    const latencies = calibrated.flatMap((c) => c.inventoryLatenciesMs);
    const seconds = calibrated.reduce((n, c) => n + c.inventoryLatenciesMs.length / Math.max(1e-9, c.inventoryCallsPerSecond), 0);
    counts.calibration = { inventoryLatenciesMs: latencies, inventoryCallsPerSecond: latencies.length / Math.max(1e-9, seconds) };
  }
  // Counts of the protected caller add up; its tuning is the last segment's.
  for (const k of ['breakerOpens', 'fallbacks', 'clientFailovers', 'hedges', 'hedgesWon', 'rescued'] as const) {
    if (last[k] !== undefined) counts[k] = segments.reduce((n, s) => n + (s[k] ?? 0), 0);
  }
  return {
    ...last,
    ...counts,
    bench,
    curve: last.curve.map(([p]) => [p, total.percentileMs(p)] as [number, number]),
    order: sumRecords(segments.map((s) => s.order)) as unknown as OrderStats,
    faultsApplied: sumRecords(segments.map((s) => s.faultsApplied)),
    wanBytesDown: segments.reduce((n, s) => n + s.wanBytesDown, 0),
    // The probe runs once, after the last segment.
    findings: last.findings,
    counters: mergeCounters(segments.map((s) => s.counters)),
    connections: laidEndToEnd(segments),
    client: { ...last.client, loadMs: segments.reduce((n, s) => n + s.client.loadMs, 0) },
    wallMs: segments.reduce((n, s) => n + s.wallMs, 0),
  };
}

/** Adds numeric fields by name. */
function sumRecords(records: readonly object[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of records) for (const [k, v] of Object.entries(r)) if (typeof v === 'number') out[k] = (out[k] ?? 0) + v;
  return out;
}

/** Counters add, except the largest ping round trip, which is the largest of all. */
function mergeCounters(all: readonly Counters[]): Counters {
  const out = sumRecords(all) as unknown as Counters;
  out.pingRttMaxMs = Math.max(...all.map((c) => c.pingRttMaxMs));
  return out;
}

/**
 * The segments' connections on one time axis, each segment's after the previous one's load,
 * with ids kept unique: the timeline then reads as one run with a reconnect between segments.
 */
function laidEndToEnd(segments: readonly ScenarioMeasurement[]): ConnectionRecord[] {
  const out: ConnectionRecord[] = [];
  let offsetMs = 0;
  let idBase = 0;
  for (const s of segments) {
    let maxId = 0;
    for (const c of s.connections) {
      out.push({ ...c, id: idBase + c.id, openedAtMs: c.openedAtMs + offsetMs, closedAtMs: c.closedAtMs >= 0 ? c.closedAtMs + offsetMs : offsetMs + s.client.loadMs });
      maxId = Math.max(maxId, c.id);
    }
    idBase += maxId + 1;
    offsetMs += s.client.loadMs;
  }
  return out;
}
