/**
 * What the bench CLI needs once it runs, behind one dynamic import: the engine runner, the
 * result builder, and the parts issue 18 added (merge, thresholds, portable histograms,
 * max-rate search, remote write). One module graph means one set of bundle chunks (see
 * scripts/bundle-cli.mjs): had each been imported on its own, esbuild would split the modules
 * they share with a plain run into extra chunks that every run loads, and each costs start-up
 * CPU. The npm packages they use (hdr-histogram-js, prometheus-remote-write) are still loaded
 * only inside the functions that need them.
 */
export { runBench, type BenchRun } from './run.js';
export { buildBenchResult, type BenchResult } from './result.js';
export { BenchRecorder, type RecorderSnapshot } from './recorder.js';
export { mergeBenchResults } from './merge.js';
export { evaluateThresholds } from './thresholds.js';
export { addPortableHistograms } from './portable-histograms.js';
export { findMaxRate, maxRateDefaults, type MaxRateStep } from './find-max-rate.js';
export { RemoteWriter } from './remote-write.js';
