import type { Finding, Rule } from '../finding.js';
import { percentile } from '../../stats/percentile.js';

/** Tail over median above this is worth a look; below it a loopback probe is just noise. */
const RATIO = 10;
/** Fewer samples than this make a P99 meaningless. */
const MIN_SAMPLES = 10;

export const ttfbTailRule: Rule = {
  id: 'ttfb-tail',
  check(facts): Finding | null {
    const ok = facts.requests.filter((r) => r.ttfbMs !== null);
    if (ok.length < MIN_SAMPLES) return null;
    const ttfb = ok.map((r) => r.ttfbMs!);
    const p50 = percentile(ttfb, 0.5)!;
    const p99 = percentile(ttfb, 0.99)!;
    if (p50 <= 0 || p99 / p50 <= RATIO) return null;
    const slow = ok.filter((r) => r.ttfbMs! > p50 * RATIO).sort((a, b) => b.ttfbMs! - a.ttfbMs!);
    return {
      id: 'ttfb-tail',
      severity: 'info',
      title: `Time to first byte has a long tail: P99 is ${(p99 / p50).toFixed(0)}× the median`,
      evidence: [
        `TTFB p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms over ${ok.length} requests`,
        `slow streams: ${slow.slice(0, 8).map((r) => `#${r.index} conn ${r.connection} stream ${r.streamId} ${r.ttfbMs!.toFixed(1)} ms (${r.phase})`).join(', ')}`,
      ],
      why:
        'There may be queueing in the server (a busy event loop or worker pool), a stream limit, or work done before the response headers (pushes, locks). ' +
        'If slow streams are the concurrent ones, the server serialises work that should run in parallel.',
      fix:
        'Diagnose: rerun with more requests (-n 200) and --frames to see what happened before the slow HEADERS. Node: check event-loop delay (perf_hooks monitorEventLoopDelay) and clinic doctor; ' +
        'Go: pprof and the goroutine profile; nginx/Envoy: compare upstream_response_time / upstream_rq_time with the probe to split proxy from backend.',
    };
  },
};
