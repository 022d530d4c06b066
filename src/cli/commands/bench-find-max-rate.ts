import type { CliIO } from '../io.js';
import type { BenchOptions } from '../../bench/options.js';
import type { Threshold } from '../../bench/thresholds.js';
import { findMaxRate, maxRateDefaults, type MaxRateStep } from '../../bench/runtime.js';
import { formatMs } from '../../units.js';

/**
 * `bench --find-max-rate --slo 'p99<100ms'`: prints every step as it ends (stderr with --json,
 * so stdout stays one JSON document), then the answer with its bracket. Exit 0 when a rate
 * held the SLO, 1 when none did.
 */
export async function runFindMaxRate(o: BenchOptions, f: { slo: Threshold[]; stepMs: number }, json: boolean, io: CliIO, signal: AbortSignal): Promise<number> {
  const out = json ? io.stderr : io.stdout;
  const slo = f.slo.map((t) => t.expr).join(', ');
  out.write(`h2doctor bench ${o.url.href} — searching the highest rate that keeps ${slo}; ${o.connections} connections × ${o.streams} streams, ${formatMs(f.stepMs)} per step\n`);
  const answer = await findMaxRate(o, { ...maxRateDefaults, slo: f.slo, stepMs: f.stepMs, startRate: o.rate > 0 ? o.rate : maxRateDefaults.startRate }, (s) => out.write(stepLine(s) + '\n'), signal);
  const bracket = answer.failedAt !== null ? `held at ${num(answer.rate)}, failed at ${num(answer.failedAt)} req/s: the knee is within ${((answer.width ?? 0) * 100).toFixed(1)} % above` : 'it never failed: the server may take more (raise --rate to start higher)';
  const line = answer.rate > 0
    ? `max rate keeping ${slo}: ${num(answer.rate)} req/s (${bracket}; ${answer.confirmed ? 'confirmed by a second run' : 'NOT confirmed by a second run: results near the knee are noisy, treat it as a lower rate'})`
    : `no rate down to 1 req/s kept ${slo}`;
  if (json) io.stdout.write(JSON.stringify({ search: { slo: f.slo.map((t) => t.expr), stepMs: f.stepMs, ...answer } }, null, 2) + '\n');
  else out.write(line + '\n');
  if (json) io.stderr.write(line + '\n');
  return answer.rate > 0 ? 0 : 1;
}

function stepLine(s: MaxRateStep): string {
  const values = s.slo.map((x) => `${x.expr.split(/[<>]/)[0]!.trim()} ${/errors/.test(x.expr) ? `${(x.value * 100).toFixed(2)} %` : /rps/.test(x.expr) ? num(x.value) : formatMs(x.value)} ${x.ok ? '✔' : '✘'}`).join(', ');
  return `step ${String(s.index).padStart(2)} ${s.phase.padEnd(7)} ${num(s.rate).padStart(8)} req/s → achieved ${num(s.achievedRps)} req/s, ${values}${s.failed ? `, ${s.failed} failed` : ''}  ${s.ok ? 'held' : s.rerun ? 'FAILED while the generator itself stalled (event-loop delay): not counted, running it again' : 'FAILED'}`;
}

function num(n: number): string {
  return n >= 100 ? String(Math.round(n)) : n.toFixed(1);
}
