import { ConfigError } from '../errors.js';
import { resolveBenchOptions } from './options.js';
import type { LatencyHistogram } from '../stats/log-linear-histogram.js';
import { addPortableHistograms, decodeHistogram, loadHdr, type PortableHistogram } from './portable-histograms.js';
import { BenchRecorder, histogramNames } from './recorder.js';
import { buildBenchResult, type BenchResult } from './result.js';
import { grpcCodeOfName } from './grpc-call.js';

/**
 * `h2doctor bench merge a.json b.json …`: one exact result from runs made apart (several
 * machines, several processes). Exact means: counts and bytes add; percentiles come from the
 * merged histograms (HdrHistogram buckets add, so p99 is what one generator would have
 * measured with all the requests, to the histogram's 0.1 %); rps is completed requests over
 * the union of the runs' measured spans (overlapping runs count their overlap once, gaps
 * between runs not at all).
 *
 * What cannot be merged exactly is left out or taken as is, and said so in `warnings`:
 * per-interval rows (each run's intervals start at its own time), per-connection rows (kept,
 * worst first, ids as each run gave them) and the self-check (CPU adds, event-loop delay is
 * the worst run's).
 */
export async function mergeBenchResults(runs: BenchResult[]): Promise<BenchResult> {
  if (runs.length === 0) throw new ConfigError('merge needs at least one result');
  runs.forEach(checkMergeable);
  const hdr = await loadHdr();
  const grpc = runs[0]!.grpc ?? null;
  const rec = new BenchRecorder(0, { targets: runs[0]!.targets.length > 0 ? runs[0]!.targets.map((t) => t.target) : undefined, grpc: grpc !== null });
  for (const r of runs) {
    for (const name of histogramNames) rec.histogram(name).add(decodeHistogram(hdr, r.histograms![name]));
    const c = rec.counters as unknown as Record<string, number>;
    for (const [k, v] of Object.entries(r.counters)) if (k in c) c[k] = c[k]! + v;
    for (const [code, n] of Object.entries(r.status)) rec.status.set(Number(code), (rec.status.get(Number(code)) ?? 0) + n);
    // Calls by grpc-status add like status codes (results without `grpc` came from a plain run).
    for (const [name, n] of Object.entries(r.grpc?.statusCounts ?? {})) {
      const code = grpcCodeOfName(name);
      rec.grpcStatus?.set(code, (rec.grpcStatus.get(code) ?? 0) + n);
    }
    for (const [name, n] of Object.entries(r.resets.byCode)) {
      const code = codeOfName(name);
      rec.resets.set(code, (rec.resets.get(code) ?? 0) + n);
    }
  }
  const spans = runs.map((r) => [r.startedAtMs!, r.endedAtMs!] as [number, number]);
  const startedAtMs = Math.min(...spans.map((s) => s[0]));
  rec.counters.durationMs = unionMs(spans);
  // Times inside each run are relative to its own start; shift them onto the merged start.
  const shift = (r: BenchResult) => r.startedAtMs! - startedAtMs;
  for (const r of runs) {
    for (const g of r.goaways) rec.goaways.push({ connectionId: g.connectionId, code: g.code, lastStreamId: g.lastStreamId, atMs: g.atMs + shift(r), debug: g.debug });
  }
  rec.goaways.sort((a, b) => a.atMs - b.atMs);
  rec.slowest = runs.flatMap((r) => r.slowest.map((x) => ({ ...x, atMs: x.atMs + shift(r) }))).sort((a, b) => b.totalMs - a.totalMs).slice(0, 10);
  for (const r of runs) mergeTargets(rec, r, (p) => decodeHistogram(hdr, p));

  const first = runs[0]!;
  const sum = (f: (r: BenchResult) => number) => runs.reduce((a, r) => a + f(r), 0);
  const o = resolveBenchOptions({
    url: first.url,
    connections: sum((r) => r.settings.connections),
    streams: first.settings.streams,
    requests: sum((r) => r.settings.requests ?? 0) || 1,
    durationMs: first.settings.durationMs ?? 0,
    rate: sum((r) => r.settings.rate ?? 0),
    workers: sum((r) => r.settings.workers),
    warmupMs: first.settings.warmupMs,
    push: first.settings.push as 'accept',
    requestsPerConnection: first.settings.requestsPerConnection ?? 0,
    method: first.settings.method,
    ...(grpc && { grpc: { path: grpc.call, message: new Uint8Array(0) } }),
  });
  const self = {
    loopDelayP50: Math.max(...runs.map((r) => r.selfCheck.loopDelayMs.p50)),
    loopDelayP99: Math.max(...runs.map((r) => r.selfCheck.loopDelayMs.p99)),
    loopDelayMax: Math.max(...runs.map((r) => r.selfCheck.loopDelayMs.max)),
    cpuUserMs: sum((r) => r.selfCheck.cpuUserMs),
    cpuSystemMs: sum((r) => r.selfCheck.cpuSystemMs),
    wallMs: 0,
  };
  const partial = runs.find((r) => r.partial);
  const merged = buildBenchResult(o, rec, self, undefined, false, startedAtMs);
  merged.endedAtMs = Math.max(...spans.map((s) => s[1]));
  // CPU share: CPU over the runs' own wall time × threads, not over the merged span.
  const threadMs = sum((r) => r.selfCheck.wallMs * r.settings.workers);
  merged.selfCheck.cpuShare = threadMs > 0 ? (self.cpuUserMs + self.cpuSystemMs) / threadMs : 0;
  merged.selfCheck.wallMs = Math.max(...runs.map((r) => r.selfCheck.wallMs));
  merged.perConnection = runs.flatMap((r) => r.perConnection).sort((a, b) => b.p99 - a.p99 || a.id - b.id).slice(0, 50);
  merged.connections.connectMs = rec.connect.summary();
  merged.partial = partial !== undefined;
  merged.error = partial?.error ?? null;
  addPortableHistograms(merged, rec);
  merged.warnings = [
    `merged ${runs.length} runs over ${(rec.counters.durationMs / 1000).toFixed(3)} s of measured time; intervals and per-connection percentiles are per run and not merged`,
    ...merged.warnings,
  ];
  return merged;
}

function checkMergeable(r: BenchResult, i: number, runs: BenchResult[]): void {
  if (!r || typeof r !== 'object' || !r.counters || !r.histograms || typeof r.startedAtMs !== 'number' || typeof r.endedAtMs !== 'number') {
    throw new ConfigError(`result ${i + 1} is not a mergeable 'bench --json' result (it lacks counters, histograms or its time span: made by an older h2doctor?)`);
  }
  // gRPC calls and HTTP requests, or calls to two methods, are not one load.
  if ((r.grpc?.call ?? null) !== (runs[0]!.grpc?.call ?? null)) {
    throw new ConfigError(`result ${i + 1} ${r.grpc ? `called ${r.grpc.call}` : 'is not a --grpc run'}, result 1 ${runs[0]!.grpc ? `called ${runs[0]!.grpc.call}` : 'is not a --grpc run'}: only runs of the same kind merge`);
  }
  if (r.histograms.encoding !== 'hdrhistogram-v2-compressed-base64') throw new ConfigError(`result ${i + 1}: unknown histogram encoding '${r.histograms.encoding}'`);
}

function mergeTargets(rec: BenchRecorder, r: BenchResult, decode: (p: PortableHistogram) => LatencyHistogram): void {
  if (!rec.targets) return;
  for (const t of r.targets) {
    const mine = rec.targets.find((x) => x.path === t.target);
    if (!mine) continue;
    mine.requests += t.requests;
    mine.failures += t.failures;
    for (const [code, n] of Object.entries(t.status)) mine.status.set(Number(code), (mine.status.get(Number(code)) ?? 0) + n);
    if (t.histogram) mine.latency.add(decode(t.histogram));
  }
}

/** Total length of the union of [start, end] spans, ms. */
export function unionMs(spans: [number, number][]): number {
  const sorted = spans.slice().sort((a, b) => a[0] - b[0]);
  let total = 0;
  let [curStart, curEnd] = sorted[0] ?? [0, 0];
  for (const [s, e] of sorted.slice(1)) {
    if (s > curEnd) {
      total += curEnd - curStart;
      [curStart, curEnd] = [s, e];
    } else curEnd = Math.max(curEnd, e);
  }
  return total + (curEnd - curStart);
}

/** `"REFUSED_STREAM(0x7)"` → 7 (result.ts writes RST_STREAM codes by name with the hex code). */
function codeOfName(name: string): number {
  const m = /\(0x([0-9a-f]+)\)$/i.exec(name);
  return m ? parseInt(m[1]!, 16) : -1;
}

