import { monotonicClock } from '../clock.js';
import { createLabPki } from './certs.js';
import { runScenario, type Calibration, type ScenarioMeasurement } from './run-scenario.js';
import { runAlternating } from './segments.js';
import { fullSize, quickSize, scenarios, selectScenarios, type ScenarioName } from './scenarios.js';
import { consistencyFull, consistencyQuick } from './consistency/run-consistency.js';
import { isConsistencyScenario, runConsistencyReport } from './consistency/lab-entry.js';
import { scenarioReport, evaluateTargets, type LabReport, type ScenarioReport } from './verdict.js';

export interface LabOptions {
  /** Smaller runs (CI): every scenario, fewer requests. */
  quick?: boolean;
  /** Run only these scenarios (lab order kept). `inventory-spike-protected` adds a short healthy calibration when healthy is not among them. */
  only?: string[];
  /** Seed for the chaos proxies' fault choices. */
  seed?: number;
  /** Probe the order service in each scenario (default true). */
  probe?: boolean;
  /** Profile the order service in push-abuse and inventory-spike and keep their slowest request (default true). */
  profile?: boolean;
  /** The consistency scenarios' database: a postgres:// URL (default: SQLite in a temporary folder). */
  db?: string;
}

/** Lab progress, for the CLI's progress line. */
export type LabEvent =
  | { type: 'scenario-start'; name: ScenarioName; index: number; total: number }
  | { type: 'scenario-end'; name: ScenarioName; report: ScenarioReport };

/**
 * Runs the incident end to end: each scenario stands up order, inventory (two zones), chaos
 * proxies and load, measures, probes, tears down. Scenarios run one after another so they do
 * not share the two cores.
 */
export async function runLab(options: LabOptions = {}, onEvent?: (e: LabEvent) => void, signal?: AbortSignal): Promise<LabReport> {
  const t0 = monotonicClock.now();
  const pki = createLabPki();
  const size = options.quick ? quickSize : fullSize;
  const names = selectScenarios(options.only);
  const seed = options.seed ?? 1;
  const reports: ScenarioReport[] = [];
  let calibration: Calibration | undefined;

  // One unmeasured healthy pass warms the JIT (and calibrates the breaker when healthy itself
  // is not among the scenarios), so the first scenario measured is not also the first run.
  // (The consistency scenarios measure data, not latency: they alone need no warm-up.)
  if (names.some((n) => !isConsistencyScenario(n))) {
    const warm = await runScenario({ spec: scenarios.healthy, size: { ...size, requests: size.warmupRequests, clientRequests: size.warmupRequests }, pki, seed, probe: false, signal });
    if (!names.includes('healthy')) calibration = warm.calibration;
  }
  const paired = names.includes('healthy') && names.includes('fixed') && size.pairSegments > 1;
  for (const [index, name] of names.entries()) {
    signal?.throwIfAborted();
    // healthy and fixed, compared by a target, run side by side in alternating segments (segments.ts).
    if (name === 'fixed' && paired) continue;
    onEvent?.({ type: 'scenario-start', name, index, total: names.length });
    if (isConsistencyScenario(name)) {
      const report = await runConsistencyReport(name, options.quick ? consistencyQuick : consistencyFull, seed, options.db, signal);
      reports.push(report);
      onEvent?.({ type: 'scenario-end', name, report });
      continue;
    }
    const run = { size, pki, seed, calibration, probe: options.probe ?? true, profile: options.profile ?? true, signal };
    const measured: ScenarioMeasurement[] = name === 'healthy' && paired
      ? await runAlternating([scenarios.healthy, scenarios.fixed], size.pairSegments, run)
      : [await runScenario({ ...run, spec: scenarios[name] })];
    for (const m of measured) {
      if (m.calibration) calibration = m.calibration;
      const report = scenarioReport(m);
      reports.push(report);
      if (m.spec.name !== name) onEvent?.({ type: 'scenario-start', name: m.spec.name, index: names.indexOf(m.spec.name), total: names.length });
      onEvent?.({ type: 'scenario-end', name: m.spec.name, report });
    }
  }
  const targets = evaluateTargets(reports);
  return {
    quick: Boolean(options.quick),
    seed,
    wallMs: monotonicClock.now() - t0,
    scenarios: reports,
    targets,
  };
}
