/**
 * A server process for bench/server-overhead.ts, in plain JavaScript over the compiled
 * library (dist/, from `npm run build`): what a user runs, with no TypeScript loader in the
 * process.
 *
 *   node bench/server-overhead-child.mjs MODE [tls] [gc]
 *
 * MODE is one of
 *   bare          node:http2 alone;
 *   twin          bare again, in a process of its own: the A/A control (twin ÷ bare differs from 1
 *                 only by what the method cannot tell apart);
 *   instrumented  instrument(server, { trace: { header: 'traceparent' } }): every default on
 *                 (push guard 'deny', Prometheus metrics, slow-request capture at a running
 *                 p99 with the event-loop and GC monitor, trace ids);
 *   traced        the same, and the handler calls getTraceId() on every request, synchronously
 *                 (a handler that logs before its first await);
 *   async         traced, with every request in the AsyncLocalStorage context (`asyncContext`);
 *   p99           instrumented with `slowRequests: { threshold: 'p99' }` spelled out and a
 *                 subscriber that formats every captured slow request as a JSON log line, as a
 *                 service that ships them to its logs does (so each capture reads its trace id);
 *   scraped       instrumented, and serves `/metrics` (doctor.metricsHandler), which the
 *                 benchmark scrapes once a second as Prometheus would;
 *   profiled      instrumented with the CPU profiler on at 1 ms sampling (`profile`), the
 *                 samples kept for slow requests;
 *   no-runtime, no-slow, no-trace
 *                 instrumented less one part (the event-loop and GC monitor, slow-request
 *                 capture, trace ids): to tell where a difference comes from.
 * Every server answers `/orders/42` the same way (stream API, a 60-byte JSON body).
 *
 * It prints its port, then answers each line on stdin: `cpu` → "cpu <µs>" (user + system
 * from its own process.cpuUsage()); `stats` → one JSON line (heap, RSS and, with `gc`, the
 * count and total time of minor and major GCs so far, from a PerformanceObserver that the
 * benchmark only adds when asked, since it costs every mode a little); `profile-start
 * cpu|heap|survivors` and `profile-stop <prefix>` (bench/server-profile.ts) run V8's CPU
 * profiler or its sampling heap profiler in between, writing <prefix>.cpuprofile, .heapprofile
 * or .survivors.heapprofile.
 */
import http2 from 'node:http2';
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';

const [mode, ...flags] = process.argv.slice(2);
const modes = ['bare', 'twin', 'instrumented', 'traced', 'async', 'p99', 'scraped', 'profiled', 'no-runtime', 'no-slow', 'no-trace'];
if (!modes.includes(mode)) throw new Error(`unknown mode ${mode}`);
const { instrument, getTraceId } = await import('../dist/server/index.js');
// With `tls`, the parent passes the certificate (from test/support/certs.ts) in the environment.
const pki = flags.includes('tls') ? { key: process.env.H2DOCTOR_BENCH_TLS_KEY, chain: process.env.H2DOCTOR_BENCH_TLS_CERT } : undefined;
const body = JSON.stringify({ id: 42, status: 'shipped', items: 3, total: '19.90' });
const server = pki ? http2.createSecureServer({ key: pki.key, cert: pki.chain }) : http2.createServer();
const traced = mode === 'traced' || mode === 'async';
/** Where the handlers put what they read, so the reads are not optimised away. */
export let lastTraceId;
export let lastLogLine = '';

let doctor;
server.on('stream', function answer(stream, headers) {
  if (traced) lastTraceId = getTraceId();
  if (doctor !== undefined && mode === 'scraped' && headers[':path'] === '/metrics') {
    // The compat-shaped handler over the stream API: what a stream-API service mounts.
    const res = {
      statusCode: 200, headers: {},
      setHeader(name, value) { this.headers[name] = value; },
      end(text) { stream.respond({ ':status': this.statusCode, ...this.headers }); stream.end(text); },
    };
    doctor.metricsHandler(undefined, res);
    return;
  }
  stream.respond({ ':status': 200, 'content-type': 'application/json' });
  stream.end(body);
});
if (mode !== 'bare' && mode !== 'twin') {
  doctor = instrument(server, {
    push: 'deny',
    log: () => undefined,
    trace: { header: 'traceparent', ...(mode === 'async' ? { asyncContext: true } : {}) },
    ...(mode === 'p99' ? { slowRequests: { threshold: 'p99' } } : {}),
    ...(mode === 'no-runtime' ? { slowRequests: { runtime: false } } : {}),
    ...(mode === 'no-slow' ? { slowRequests: false } : {}),
    ...(mode === 'no-trace' ? { trace: false } : {}),
    ...(mode === 'profiled' ? { profile: { sampleIntervalUs: 1000 } } : {}),
  });
  if (mode === 'p99') doctor.onSlowRequest((request) => { lastLogLine = JSON.stringify(request); });
}

const gc = { minor: 0, minorMs: 0, major: 0, majorMs: 0 };
if (flags.includes('gc')) {
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const major = entry.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR;
      gc[major ? 'major' : 'minor']++;
      gc[major ? 'majorMs' : 'minorMs'] += entry.duration;
    }
  }).observe({ entryTypes: ['gc'] });
}

server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
process.stdin.setEncoding('utf8');
let pending = '';
let profiler;
let profiling;
process.stdin.on('data', (chunk) => {
  pending += chunk;
  let nl;
  while ((nl = pending.indexOf('\n')) >= 0) {
    const command = pending.slice(0, nl);
    pending = pending.slice(nl + 1);
    if (command === 'cpu') {
      const { user, system } = process.cpuUsage();
      process.stdout.write(`cpu ${user + system}\n`);
    } else if (/^profile-start (cpu|heap|survivors)$/.test(command)) {
      // One profiler at a time: the heap sampler's cost would otherwise show in the CPU profile.
      profiling = command.slice('profile-start '.length);
      profiler = new Session();
      profiler.connect();
      if (profiling === 'cpu') {
        profiler.post('Profiler.enable');
        profiler.post('Profiler.setSamplingInterval', { interval: 100 });
        profiler.post('Profiler.start');
      } else {
        profiler.post('HeapProfiler.enable');
        // Every 128 bytes on average. 'heap' counts objects already collected too: what was
        // allocated. 'survivors' leaves out what a scavenge collected: what lived through
        // young-generation GCs into old space (collected by a mark-compact since, or not).
        profiler.post('HeapProfiler.startSampling', { samplingInterval: 128, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: profiling === 'heap' });
      }
      process.stdout.write('profiling\n');
    } else if (command.startsWith('profile-stop ')) {
      let file = `${command.slice('profile-stop '.length)}.${profiling}profile`;
      const method = profiling === 'cpu' ? 'Profiler.stop' : 'HeapProfiler.stopSampling';
      if (profiling === 'survivors') file = file.replace(/survivorsprofile$/, 'survivors.heapprofile');
      profiler.post(method, (err, result) => {
        writeFileSync(file, JSON.stringify(result.profile));
        profiler.disconnect();
        process.stdout.write(`profiled ${file}\n`);
      });
    } else if (command === 'stats') {
      const m = process.memoryUsage();
      const newSpace = getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.space_size ?? 0;
      process.stdout.write(`stats ${JSON.stringify({ rss: m.rss, heapUsed: m.heapUsed, newSpace, ...gc })}\n`);
    }
  }
});
