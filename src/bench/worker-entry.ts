import { parentPort, workerData } from 'node:worker_threads';
import { BenchEngine } from './engine.js';
import { serializeError, type WorkerMessage, type WorkerStart } from './worker-protocol.js';

/**
 * A bench worker thread: runs one engine on its share of the connections and posts the
 * recorder snapshot when done. Stopped by a `stop` message (the main thread's abort).
 */
const start = workerData as WorkerStart;
const controller = new AbortController();
parentPort!.on('message', (m: unknown) => {
  if (m === 'stop') controller.abort();
});
const post = (m: WorkerMessage) => parentPort!.postMessage(m);

try {
  const engine = new BenchEngine({ ...start.options, url: new URL(start.options.url) }, { workerIndex: start.workerIndex, workerCount: start.workerCount });
  engine.onProgress((progress) => post({ type: 'progress', progress }));
  const every = start.options.liveSnapshotMs ?? 0;
  const live = every > 0 ? setInterval(() => post({ type: 'live', snapshot: engine.recorder.snapshot() }), every) : undefined;
  const r = await engine.run(controller.signal);
  clearInterval(live);
  post({ type: 'done', snapshot: r.recorder.snapshot(), selfCheck: r.selfCheck, error: r.error ? serializeError(r.error) : undefined, aborted: r.aborted, startedAtMs: r.startedAtMs });
} catch (err) {
  post({ type: 'crash', error: serializeError(err) });
}
parentPort!.close();
