import { AbortError, ConfigError, type H2DoctorError } from '../errors.js';
import { BenchEngine, type BenchProgress } from './engine.js';
import { workerShare, type BenchOptions } from './options.js';
import { BenchRecorder, type RecorderSnapshot } from './recorder.js';
import type { SelfCheckSample } from './self-check.js';
import type { WorkerMessage, WorkerStart } from './worker-protocol.js';

type WorkerClass = typeof import('node:worker_threads').Worker;

/** What a run produced, merged across workers. */
export interface BenchRun {
  recorder: BenchRecorder;
  selfCheck: SelfCheckSample;
  /** Why the run ended early, if it did (unreachable server, server died, not HTTP/2). */
  error: H2DoctorError | undefined;
  aborted: boolean;
  /** Wall clock (ms since the epoch) at the start of measurement (the earliest worker's). */
  startedAtMs: number;
}

export interface RunHooks {
  /** Progress once a second (per worker: `worker` is its index). */
  onProgress?: (p: BenchProgress, worker: number) => void;
  /**
   * The live, cumulative figures so far, every `options.liveSnapshotMs` (Prometheus remote
   * write): one snapshot per worker, merged by the caller.
   */
  onLive?: (snapshot: RecorderSnapshot, worker: number) => void;
}

/**
 * Runs a bench: in this thread with one worker, else on `workers` worker_threads, each with its
 * share of connections, requests and rate. Merging is exact: histograms add counts.
 */
export async function runBench(o: BenchOptions, hooks: RunHooks = {}, signal?: AbortSignal): Promise<BenchRun> {
  if (o.workers <= 1) {
    const engine = new BenchEngine(o);
    const off = hooks.onProgress ? engine.onProgress((p) => hooks.onProgress!(p, 0)) : undefined;
    const live = hooks.onLive && o.liveSnapshotMs ? setInterval(() => hooks.onLive!(engine.recorder.snapshot(), 0), o.liveSnapshotMs) : undefined;
    try {
      return await engine.run(signal);
    } finally {
      off?.();
      clearInterval(live);
    }
  }
  if (o.durationMs === 0 && o.requests < o.workers) throw new ConfigError(`requests (${o.requests}) must be at least the number of workers (${o.workers})`);
  if (signal?.aborted) throw new AbortError('bench aborted before it started');
  // Loaded only here: a one-worker run (the usual case, and issue 4's benchmark) never pays
  // for worker_threads at start-up.
  const [{ Worker }, { deserializeError }] = await Promise.all([import('node:worker_threads'), import('./worker-protocol.js')]);
  const entry = new URL(import.meta.url.endsWith('.ts') ? './worker-entry.ts' : './worker-entry.js', import.meta.url);
  const results = await Promise.all(
    Array.from({ length: o.workers }, (_, i) => runWorker(Worker, entry, { options: { ...workerShare(o, i), url: o.url.href }, workerIndex: i, workerCount: o.workers }, hooks, signal)),
  );
  const recorder = new BenchRecorder(o.intervalMs, { targets: o.targets !== undefined && o.targets.length > 1 ? o.targets : undefined, stages: o.stages?.length, grpc: o.grpc !== undefined });
  let error: H2DoctorError | undefined;
  let aborted = false;
  for (const r of results) {
    if (r.type === 'crash') throw deserializeError(r.error);
    recorder.merge(r.snapshot);
    error ??= r.error ? deserializeError(r.error) : undefined;
    aborted ||= r.aborted;
  }
  // process.cpuUsage() in a worker is process-wide, so each worker's figure over its own
  // measured span already covers every thread; the spans overlap, so take the largest (thread
  // start-up and module loading stay out). Loop delay: the worst worker's.
  const done = results.filter((r): r is Extract<WorkerMessage, { type: 'done' }> => r.type === 'done');
  const selfCheck: SelfCheckSample = {
    loopDelayP50: Math.max(...done.map((r) => r.selfCheck.loopDelayP50)),
    loopDelayP99: Math.max(...done.map((r) => r.selfCheck.loopDelayP99)),
    loopDelayMax: Math.max(...done.map((r) => r.selfCheck.loopDelayMax)),
    cpuUserMs: Math.max(...done.map((r) => r.selfCheck.cpuUserMs)),
    cpuSystemMs: Math.max(...done.map((r) => r.selfCheck.cpuSystemMs)),
    wallMs: Math.max(...done.map((r) => r.selfCheck.wallMs)),
  };
  return { recorder, selfCheck, error, aborted, startedAtMs: Math.min(...done.map((r) => r.startedAtMs)) };
}

function runWorker(Worker: WorkerClass, entry: URL, start: WorkerStart, hooks: RunHooks, signal?: AbortSignal): Promise<Exclude<WorkerMessage, { type: 'progress' | 'live' }>> {
  return new Promise((resolve) => {
    // Running from TypeScript sources (tsx, tests): a worker does not inherit tsx's loader on
    // Node 20, so it registers it before importing the entry.
    const worker = entry.pathname.endsWith('.ts')
      ? new Worker(`import('tsx/esm/api').then((tsx) => tsx.register()).then(() => import(${JSON.stringify(entry.href)}))`, { eval: true, workerData: start })
      : new Worker(entry, { workerData: start });
    let result: Exclude<WorkerMessage, { type: 'progress' | 'live' }> | undefined;
    const onAbort = () => worker.postMessage('stop');
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'progress') hooks.onProgress?.(m.progress, start.workerIndex);
      else if (m.type === 'live') hooks.onLive?.(m.snapshot, start.workerIndex);
      else result = m;
    });
    worker.on('error', (err) => (result ??= { type: 'crash', error: { code: 'ERR_INTERNAL', message: err.message } }));
    worker.on('exit', () => {
      signal?.removeEventListener('abort', onAbort);
      resolve(result ?? { type: 'crash', error: { code: 'ERR_INTERNAL', message: `bench worker ${start.workerIndex} exited without a result` } });
    });
  });
}
