import { formatMs } from '../../units.js';
import type { ScenarioReport, TargetCheck } from '../verdict.js';

/**
 * The keep-alive targets (issue #16): the storm draws at least one too_many_pings GOAWAY per
 * 10 s of load and a P99 at least 3 × the aligned scenario's; aligned draws none; the probe of
 * the storm's inventory names grpc-keepalive-rejected.
 */
export function keepaliveTargets(storm: ScenarioReport | undefined, aligned: ScenarioReport | undefined): TargetCheck[] {
  const checks: TargetCheck[] = [];
  if (storm?.keepalive) {
    const k = storm.keepalive;
    checks.push({
      target: 'keepalive-storm: ≥ 1 too_many_pings GOAWAY per 10 s of load',
      met: k.tooManyPingsGoaways * 10_000 >= k.loadMs && k.tooManyPingsGoaways > 0,
      measured: `${k.tooManyPingsGoaways} in ${(k.loadMs / 1000).toFixed(1)} s`,
    });
    const ids = storm.findings.map((f) => f.id);
    checks.push({ target: 'probe of keepalive-storm\'s inventory names grpc-keepalive-rejected', met: ids.includes('grpc-keepalive-rejected'), measured: ids.join(', ') || 'no findings' });
  }
  if (aligned?.keepalive) {
    checks.push({ target: 'keepalive-aligned: 0 too_many_pings GOAWAYs', met: aligned.keepalive.tooManyPingsGoaways === 0, measured: String(aligned.keepalive.tooManyPingsGoaways) });
  }
  if (storm && aligned) {
    const ratio = storm.latency.p99 / Math.max(aligned.latency.p99, 1e-9);
    checks.push({ target: 'P99(keepalive-storm) ≥ 3 × P99(keepalive-aligned)', met: ratio >= 3, measured: `${formatMs(storm.latency.p99)} vs ${formatMs(aligned.latency.p99)} (${ratio.toFixed(2)}×)` });
  }
  return checks;
}
