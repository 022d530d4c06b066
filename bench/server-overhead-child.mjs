/**
 * A server process for bench/server-overhead.ts, in plain JavaScript over the compiled
 * library (dist/, from `npm run build`): what a user runs, with no TypeScript loader in the
 * process. `node bench/server-overhead-child.mjs bare|instrumented|traced|async [tls]` prints its
 * port, then answers each line on stdin with its CPU time so far ("cpu <µs>", user + system).
 */
import http2 from 'node:http2';

const [mode, tls] = process.argv.slice(2);
const { instrument, getTraceId } = await import('../dist/server/index.js');
// With `tls`, the parent passes the certificate (from test/support/certs.ts) in the environment.
const pki = tls === 'tls' ? { key: process.env.H2DOCTOR_BENCH_TLS_KEY, chain: process.env.H2DOCTOR_BENCH_TLS_CERT } : undefined;
const body = JSON.stringify({ id: 42, status: 'shipped', items: 3, total: '19.90' });
const server = pki ? http2.createSecureServer({ key: pki.key, cert: pki.chain }) : http2.createServer();
const traced = mode === 'traced' || mode === 'async';
/** Where the 'traced' and 'async' handlers put the id they read, so the read is not optimised away. */
export let lastTraceId;
server.on('stream', function answer(stream) {
  // 'traced' and 'async' read the trace id as a logger would; 'async' also runs every
  // request in the AsyncLocalStorage context, as a handler that logs after an await needs.
  if (traced) lastTraceId = getTraceId();
  stream.respond({ ':status': 200, 'content-type': 'application/json' });
  stream.end(body);
});
if (mode !== 'bare') instrument(server, { push: 'deny', log: () => undefined, ...(mode === 'async' ? { trace: { asyncContext: true } } : {}) });
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
process.stdin.setEncoding('utf8');
process.stdin.on('data', () => {
  const { user, system } = process.cpuUsage();
  process.stdout.write(`cpu ${user + system}\n`);
});
