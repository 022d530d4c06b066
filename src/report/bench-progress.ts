import type { BenchProgress } from '../bench/engine.js';
import { formatMs } from '../units.js';

/** The one-line progress shown on a TTY (written with \r, so it overwrites itself). */
export function renderBenchProgress(p: BenchProgress, total: number | null): string {
  const rps = p.recentSpanMs > 0 ? (p.recentRequests * 1000) / p.recentSpanMs : 0;
  const phase = p.warmup ? 'warmup' : `${(Math.max(0, p.elapsedMs) / 1000).toFixed(1)} s`;
  return `\r${phase}  done ${p.done}${total !== null ? `/${total}` : ''}  ${Math.round(rps)} req/s  p99 ${p.recentRequests ? formatMs(p.recentP99) : '-'}   `;
}
