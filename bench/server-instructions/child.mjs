/**
 * A server for the instruction-count and allocation measurements of this folder (see bench/RESULTS.md, #20 instructions):
 * the same stream-API answer as bench/server-overhead-child.mjs, over the compiled library.
 *
 *   node child.mjs MODE      (DIST=<dir> picks another build of dist/)
 *
 * MODE: bare; instrumented (every default on, trace header traceparent); no-slow, no-runtime,
 * no-trace (instrumented less one part); prop (bare plus one symbol-keyed property stored on
 * every stream, the record's own cost to node:http2's objects); hooks (bare with the stream
 * prototype wrappers installed and no records); runtime (bare with the event-loop and GC
 * monitor only). Prints its port; answers `cpu` on stdin with its CPU time so far (µs).
 */
import http2 from 'node:http2';
import { fileURLToPath } from 'node:url';

const dist = process.env.DIST ?? fileURLToPath(new URL('../../dist', import.meta.url));
const mode = process.argv[2];
const { instrument } = await import(`${dist}/server/index.js`);
const body = JSON.stringify({ id: 42, status: 'shipped', items: 3, total: '19.90' });
const server = http2.createServer();
server.on('stream', function answer(stream) {
  stream.respond({ ':status': 200, 'content-type': 'application/json' });
  stream.end(body);
});
const kProbe = Symbol('probe');
if (mode === 'prop') {
  server.prependListener('stream', (stream) => { stream[kProbe] = { probe: 1 }; });
} else if (mode === 'hooks') {
  const { acquireStreamHooks } = await import(`${dist}/server/stream-hooks.js`);
  let done = false;
  server.prependListener('stream', (stream) => { if (!done) { done = true; acquireStreamHooks(stream); } });
} else if (mode === 'runtime') {
  const { startRuntimePauses } = await import(`${dist}/server/runtime-pauses.js`);
  const { monotonicClock } = await import(`${dist}/clock.js`);
  startRuntimePauses(monotonicClock);
} else if (mode !== 'bare') {
  const options = { push: 'deny', log: () => undefined, trace: { header: 'traceparent' } };
  if (mode === 'no-slow') options.slowRequests = false;
  if (mode === 'no-runtime') options.slowRequests = { runtime: false };
  if (mode === 'no-trace') options.trace = false;
  instrument(server, options);
}
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  for (const line of chunk.split('\n')) {
    if (line === 'cpu') {
      const { user, system } = process.cpuUsage();
      process.stdout.write(`cpu ${user + system}\n`);
    }
  }
});
