import type { BenchResult } from '../bench/result.js';
import type { Style } from './style.js';
import { renderTable } from './table.js';
import { formatMs } from '../units.js';

/**
 * The parts of the bench text report that issue 18's options add: per-target rows (-i),
 * per-stage target vs achieved rate (--stages), and thresholds as ✔/✘ (--threshold). Each
 * is empty when its option was off.
 */
export function renderBenchExtras(r: BenchResult, st: Style): string[] {
  const out: string[] = [];
  if (r.targets.length) {
    out.push(st.bold(`per target (${r.targets.length}, round-robin)`));
    out.push(renderTable(
      ['target', 'requests', 'failures', 'status', 'p50', 'p99', 'max'],
      r.targets.map((t) => [t.target.length > 50 ? `${t.target.slice(0, 49)}…` : t.target, String(t.requests), t.failures ? st.red(String(t.failures)) : '0',
        Object.entries(t.status).map(([k, v]) => `${k} ×${v}`).join(', ') || '-', t.latency.count ? formatMs(t.latency.p50) : '-', t.latency.count ? formatMs(t.latency.p99) : '-', t.latency.count ? formatMs(t.latency.max) : '-']),
    ));
  }
  if (r.stages.length) {
    out.push(st.bold('stages (target = planned mean arrival rate; achieved = completions during the stage)'));
    out.push(renderTable(
      ['stage', 'start', 'length', 'ramp req/s', 'target req/s', 'achieved req/s', 'off by'],
      r.stages.map((s, i) => [String(i + 1), formatMs(s.startMs), formatMs(s.durationMs), `${rate(s.fromRps)} → ${rate(s.toRps)}`, rate(s.targetRps), rate(s.achievedRps),
        s.targetRps > 0 ? `${(((s.achievedRps - s.targetRps) / s.targetRps) * 100).toFixed(1)} %` : '-']),
    ));
  }
  return out;
}

/** One line per threshold, then nothing else: the exit code says the rest. */
export function renderThresholds(r: BenchResult, st: Style): string[] {
  if (!r.thresholds?.length) return [];
  return [st.bold('thresholds'), ...r.thresholds.map((t) => `${t.ok ? st.green('✔') : st.red('✘')} ${t.expr}  (measured ${measured(t.expr, t.value)})`)];
}

function measured(expr: string, value: number): string {
  if (/^\s*errors/i.test(expr)) return `${(value * 100).toFixed(3)} %`;
  if (/^\s*rps/i.test(expr)) return `${rate(value)} req/s`;
  return formatMs(value);
}

function rate(n: number): string {
  return n >= 100 ? String(Math.round(n)) : n.toFixed(1);
}
