import type { ScenarioName } from '../scenarios.js';
import type { ScenarioReport } from '../verdict.js';
import { consistencyTitles } from './constants.js';
import { consistencyReport } from './report.js';
import { runConsistencyScenario, type ConsistencyScenarioName, type ConsistencySize } from './run-consistency.js';

/** Where the lab hands a consistency scenario to src/lab/consistency. */
export function isConsistencyScenario(name: ScenarioName): name is ConsistencyScenarioName {
  return name === 'dual-write' || name === 'wal-reconciled';
}

export async function runConsistencyReport(name: ConsistencyScenarioName, size: ConsistencySize, seed: number, db: string | undefined, signal?: AbortSignal): Promise<ScenarioReport> {
  const m = await runConsistencyScenario({ name, size, seed, ...(db !== undefined ? { db } : {}), ...(signal ? { signal } : {}) });
  return consistencyReport(m, consistencyTitles[name]);
}
