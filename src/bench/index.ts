/**
 * h2doctor/bench: the HTTP/2 load generator as a library. `runBench` runs it (in this thread
 * or on worker threads), `buildBenchResult` turns the merged recorder into the `--json` shape
 * (docs/json.md). The text and JSON renderers sit a layer above, in src/report/, with the CLI.
 */
export { runBench, type BenchRun, type RunHooks } from './run.js';
export { BenchEngine, type BenchProgress, type EngineResult, type EngineOptions } from './engine.js';
export { resolveBenchOptions, benchDefaults, workerShare, type BenchOptions, type PushMode } from './options.js';
export { buildBenchResult, benchWarnings, type BenchResult } from './result.js';
export {
  BenchRecorder, Outcome, outcomeNames, type OutcomeCode, type OutcomeName, type SlowRequest, type ConnectionRecord,
  type GoawayRecord, type RecorderSnapshot, type Counters,
} from './recorder.js';
export { LatencyHistogram, type HistogramSnapshot, type LatencySummary } from '../stats/log-linear-histogram.js';
export { LoadSchedule, PendingRequests, type ScheduleOptions } from './schedule.js';
export type { SelfCheckSample } from './self-check.js';
export { mergeBenchResults } from './merge.js';
export { addPortableHistograms, encodeHistogram, decodeHistogram, type PortableHistogram, type PortableHistograms } from './portable-histograms.js';
export { evaluateThresholds } from './thresholds.js';
export { parseThreshold, type Threshold } from './threshold-expr.js';
export { RateCurve } from './stages.js';
export { findMaxRate, type MaxRateSearch, type MaxRateStep, type MaxRateAnswer } from './find-max-rate.js';
export { RemoteWriter } from './remote-write.js';
export { parseRequestLog, type RequestLogLine } from './request-log.js';
export type { LoadStage } from './options.js';
