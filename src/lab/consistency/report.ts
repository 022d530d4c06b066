import { percentile } from '../../stats/percentile.js';
import type { ScenarioReport, TargetCheck } from '../verdict.js';
import type { ConsistencyMeasurement } from './run-consistency.js';

/**
 * Pure: a consistency scenario's measurement → its report row (the same shape as the load
 * scenarios', plus `consistency`), the sentence built from its numbers, and its targets.
 */
const round = (n: number, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;

/** Nearest-rank percentile (p in 0..100) of a few hundred latencies; 0 when there are none. */
const at = (values: number[], p: number): number => percentile(values, p / 100) ?? 0;

const pct = (n: number, of: number) => (of === 0 ? '0 %' : `${round((100 * n) / of, 2)} %`);

/** One sentence from the measured numbers. */
export function consistencySentence(m: ConsistencyMeasurement): string {
  const c = m.consistency;
  if (m.name === 'dual-write') {
    const failed = m.naiveCallsFailed ?? 0;
    return `Order committed, then called inventory once: ${failed} of ${m.naiveCalls ?? 0} calls failed (resets, stalls, a dead inventory) and ${c.crashes} processes were killed mid-run, leaving ${c.mismatches} of ${c.orders} orders disagreeing with stock (${pct(c.mismatches, c.orders)}; the incident's was 0.03 %).`;
  }
  return `Every order was written with its WAL row; across ${c.crashes} SIGKILLs the relay re-sent ${c.redelivered} rows, inventory absorbed ${c.duplicatesAbsorbed} duplicates by trace id, the reconciler repaired ${c.repaired}, and the databases disagree on ${c.mismatches} of ${c.orders} orders (${pct(c.mismatches, c.orders)}; the incident's fix reached 0.0002 %).`;
}

export function consistencyReport(m: ConsistencyMeasurement, title: string): ScenarioReport & { consistency: ConsistencyMeasurement['consistency'] } {
  const lat = m.latenciesMs;
  const curve: [number, number][] = [0, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.99, 100].map((p) => [p, round(at(lat, p))]);
  return {
    name: m.name,
    title,
    rps: round(lat.length / Math.max(0.001, m.loadMs / 1000), 1),
    latency: { p50: round(at(lat, 50)), p99: round(at(lat, 99)), p999: round(at(lat, 99.9)) },
    latencyCurve: curve,
    requests: lat.length,
    failedRequests: 0,
    connectionsOpened: 0,
    reuseRate: 0,
    pushesPerResponse: 0,
    pushedBytes: 0,
    evidence: { orderConnections: 0, pushAttempts: 0, pushesRefused: 0, resets: {}, faultsApplied: m.faultsApplied, wanBytesDown: 0 },
    findings: [],
    // Order and inventory talk over their own connections here; the load clients' timeline is not the story.
    timeline: [],
    mechanism: consistencySentence(m),
    wallMs: Math.round(m.wallMs),
    consistency: m.consistency,
  };
}

type WithConsistency = ScenarioReport & { consistency?: ConsistencyMeasurement['consistency'] };

/** The targets for the two scenarios that ran. */
export function consistencyTargets(reports: WithConsistency[]): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const dual = reports.find((r) => r.name === 'dual-write')?.consistency;
  const wal = reports.find((r) => r.name === 'wal-reconciled')?.consistency;
  if (dual) checks.push({ target: 'dual-write: mismatches > 0', met: dual.mismatches > 0, measured: `${dual.mismatches} of ${dual.orders} orders` });
  if (wal) {
    checks.push({ target: 'wal-reconciled: 0 mismatches after the reconciler\'s pass', met: wal.mismatches === 0, measured: `${wal.mismatches} of ${wal.orders} orders` });
    checks.push({ target: 'wal-reconciled: at least one crash', met: wal.crashes >= 1, measured: `${wal.crashes} SIGKILLs` });
    checks.push({ target: 'wal-reconciled: duplicates absorbed > 0', met: wal.duplicatesAbsorbed > 0, measured: String(wal.duplicatesAbsorbed) });
  }
  return checks;
}
