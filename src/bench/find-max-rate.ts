import { AbortError } from '../errors.js';
import type { BenchOptions } from './options.js';
import { buildBenchResult, type BenchResult } from './result.js';
import { runBench } from './run.js';
import { evaluateThresholds } from './thresholds.js';
import type { Threshold } from './threshold-expr.js';

/**
 * `--find-max-rate --slo 'p99<100ms'`: the highest open-loop arrival rate at which every SLO
 * holds. A bracketing search over short constant-rate steps:
 *   1. grow: double the rate from `startRate` while the SLO holds (or halve it while it fails)
 *      until one rate passes and a higher one fails: the knee lies between them;
 *   2. narrow: bisect that bracket until its width is at most `precision` of the failing rate;
 *   3. confirm: run the answer once more; a second pass says it was not luck.
 * Latency is coordinated-omission corrected (from each request's intended time), so a server
 * that falls behind shows it within a step: its queue grows by (rate − capacity) × step.
 *
 * The answer's confidence is the bracket: it held at `rate` and failed at `failedAt`, so the
 * knee is in [rate, failedAt), a relative width `width`; a step is short, so near the knee a
 * noisy machine can flip one result, which the confirmation run exposes.
 */
export interface MaxRateSearch {
  slo: Threshold[];
  /** Length of each step, ms. */
  stepMs: number;
  /** First rate tried, req/s. */
  startRate: number;
  /** Stop narrowing when (failedAt − rate) ÷ failedAt ≤ this. */
  precision: number;
  /** Never more steps than this (the confirmation included). */
  maxSteps: number;
}

export interface MaxRateStep {
  index: number;
  phase: 'grow' | 'narrow' | 'confirm';
  rate: number;
  ok: boolean;
  /** Completed requests per second. */
  achievedRps: number;
  /** Each SLO's measured value (ms, fraction or req/s). */
  slo: { expr: string; ok: boolean; value: number }[];
  requests: number;
  failed: number;
  /** It failed while the generator's own event-loop delay p99 passed GENERATOR_STALL_MS: not counted, run once more. */
  rerun: boolean;
}

/** Event-loop delay p99 (ms) above which the generator, not the server, may explain a failure (as in benchWarnings). */
export const GENERATOR_STALL_MS = 20;

export interface MaxRateAnswer {
  /** Highest rate at which the SLO held; 0 when it never did. */
  rate: number;
  /** Lowest rate at which it failed; null when it never failed (raise the start or the steps). */
  failedAt: number | null;
  /** (failedAt − rate) ÷ failedAt; null with no failing rate. */
  width: number | null;
  /** The answer passed again on its confirmation run. */
  confirmed: boolean;
  steps: MaxRateStep[];
}

export const maxRateDefaults = { stepMs: 5000, startRate: 100, precision: 0.05, maxSteps: 20 };

export async function findMaxRate(
  o: BenchOptions, search: MaxRateSearch, onStep: (step: MaxRateStep) => void = () => {}, signal?: AbortSignal,
): Promise<MaxRateAnswer> {
  const steps: MaxRateStep[] = [];
  const run = async (rate: number, phase: MaxRateStep['phase'], retry = true): Promise<boolean> => {
    if (signal?.aborted) throw new AbortError('search interrupted');
    const options: BenchOptions = { ...o, rate, durationMs: search.stepMs, stages: undefined, logFile: undefined, intervalMs: 0 };
    const r = await runBench(options, {}, signal);
    if (r.error) throw r.error;
    const result: BenchResult = buildBenchResult(options, r.recorder, r.selfCheck, r.error, r.aborted);
    const slo = evaluateThresholds(search.slo, result);
    const ok = slo.every((s) => s.ok) && !r.aborted;
    // A failure the generator explains (its event loop stalled, as benchWarnings judges it)
    // says nothing about the server: the step is run once more.
    const rerun = !ok && retry && r.selfCheck.loopDelayP99 > GENERATOR_STALL_MS && steps.length + 1 < search.maxSteps - 1;
    const step: MaxRateStep = {
      index: steps.length + 1, phase, rate, ok, achievedRps: result.rps, slo,
      requests: result.requests.total, failed: result.requests.failed, rerun,
    };
    steps.push(step);
    onStep(step);
    return rerun ? run(rate, phase, false) : ok;
  };

  let lo = 0;
  let hi: number | null = null;
  let rate = search.startRate;
  // 1. grow (or shrink) until the SLO both held and failed.
  while (steps.length < search.maxSteps - 1) {
    if (await run(rate, 'grow')) {
      lo = rate;
      if (hi !== null) break;
      rate *= 2;
    } else {
      hi = rate;
      if (lo > 0) break;
      rate /= 2;
      if (rate < 1) break;
    }
  }
  // 2. narrow.
  while (hi !== null && lo > 0 && (hi - lo) / hi > search.precision && steps.length < search.maxSteps - 1) {
    const mid = roundRate((lo + hi) / 2);
    if (mid <= lo || mid >= hi) break;
    if (await run(mid, 'narrow')) lo = mid;
    else hi = mid;
  }
  // 3. confirm.
  const confirmed = lo > 0 && (await run(lo, 'confirm'));
  return { rate: lo, failedAt: hi, width: hi !== null && lo > 0 ? (hi - lo) / hi : null, confirmed, steps };
}

/** Rates to 3 significant figures: steps read well and the search never splits hairs. */
function roundRate(r: number): number {
  const p = 10 ** Math.max(0, Math.floor(Math.log10(r)) - 2);
  return Math.round(r / p) * p;
}
