/**
 * What `instrument()` costs a node:http2 server, measured with h2load.
 *
 *   node --import tsx bench/server-overhead.ts [--requests N] [--rounds N] [--tls]
 *
 * Three server processes run the same handler (stream API, a 60-byte JSON answer): one
 * bare; one instrumented with every default on (push guard 'deny', Prometheus metrics, trace
 * ids, slow-request capture at a running p99 with the event-loop and GC monitor); and
 * 'traced', the same instrumented server whose handler also calls getTraceId() on every
 * request, which turns on the AsyncLocalStorage context (src/server/trace.ts says why that
 * is on demand). Each server has its own process, apart from h2load's. h2load
 * (`-c 10 -m 10 -n N`, one thread) runs against them in turn, rotating which goes first each
 * round, after one unrecorded warm-up run each (JIT). Reported per round: req/s of each and their ratio
 * (instrumented ÷ bare), and each server's CPU time per request (read from the server
 * process before and after the run) and their ratio (bare ÷ instrumented: the throughput
 * ratio of a CPU-bound server). Then the median ratios. Target: ≥ 0.95.
 *
 * On a busy machine req/s swings with whatever else runs; CPU per request barely does, so
 * the CPU ratio is the steadier figure there. On a quiet machine the two agree.
 *
 * h2c (cleartext, prior knowledge) by default: TLS costs the same with and without the
 * instrumentation, so leaving it out makes the ratio the harsher test. `--tls` adds it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import http2 from 'node:http2';
import { fileURLToPath } from 'node:url';
import { parseFlags } from '../src/cli/flags.js';
import { parseCount } from '../src/cli/units.js';
import { UsageError } from '../src/errors.js';
import { createTestPki } from '../src/lab/certs.js';
import { getTraceId, instrument } from '../src/server/index.js';

const body = JSON.stringify({ id: 42, status: 'shipped', items: 3, total: '19.90' });
/** Where the 'traced' handler puts the id it reads, so the read is not optimised away. */
export let lastTraceId: string | undefined;

/** Child mode: `--serve bare|instrumented|traced [--tls]`; prints the port, serves until killed. */
async function serve(mode: Mode, tls: boolean): Promise<void> {
  const pki = tls ? createTestPki() : undefined;
  const server = pki ? http2.createSecureServer({ key: pki.key, cert: pki.chain }) : http2.createServer();
  const traced = mode === 'traced';
  server.on('stream', function answer(stream) {
    // 'traced' reads the trace id as a logger would, which turns on the async context.
    if (traced) lastTraceId = getTraceId();
    stream.respond({ ':status': 200, 'content-type': 'application/json' });
    stream.end(body);
  });
  if (mode !== 'bare') instrument(server, { push: 'deny', log: () => undefined });
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    process.stdout.write(`${typeof address === 'object' && address !== null ? address.port : 0}\n`);
  });
  // Each line on stdin asks for this process's CPU time so far (µs, user + system).
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', () => {
    const { user, system } = process.cpuUsage();
    process.stdout.write(`cpu ${user + system}\n`);
  });
}

interface ServerChild {
  child: ChildProcess;
  url: string;
  /** The server process's CPU time so far, µs. */
  cpu(): Promise<number>;
}

function startServer(mode: Mode, tls: boolean): Promise<ServerChild> {
  const self = fileURLToPath(import.meta.url);
  const child = spawn(process.execPath, ['--import', 'tsx', self, '--serve', mode, ...(tls ? ['--tls'] : [])], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  let waiting: ((us: number) => void) | undefined;
  const cpu = () => new Promise<number>((resolve) => {
    waiting = resolve;
    child.stdin!.write('cpu\n');
  });
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      let nl: number;
      while ((nl = out.indexOf('\n')) >= 0) {
        const line = out.slice(0, nl);
        out = out.slice(nl + 1);
        const c = /^cpu (\d+)$/.exec(line);
        if (c !== null) waiting?.(Number(c[1]));
        else if (/^\d+$/.test(line)) resolve({ child, cpu, url: `${tls ? 'https' : 'http'}://127.0.0.1:${line}/orders/42` });
      }
    });
    child.once('exit', (code) => reject(new Error(`${mode} server exited early (code ${code})`)));
  });
}

/** One h2load run: req/s as h2load saw it, and the server's CPU µs per request (robust to a busy machine). */
async function measure(server: ServerChild, requests: number): Promise<{ rate: number; cpuPerRequest: number }> {
  const before = await server.cpu();
  const rate = h2load(server.url, requests);
  const after = await server.cpu();
  return { rate, cpuPerRequest: (after - before) / requests };
}

function h2load(url: string, requests: number): number {
  const r = spawnSync('h2load', ['-c', '10', '-m', '10', '-n', String(requests), url], { encoding: 'utf8', timeout: 300_000 });
  const rate = /finished in [\d.]+m?s, ([\d.]+) req\/s/.exec(r.stdout ?? '');
  const ok = /(\d+) succeeded/.exec(r.stdout ?? '');
  if (!rate || !ok || Number(ok[1]) !== requests) {
    throw new Error(`h2load failed against ${url}: ${(r.stdout ?? '').split('\n').find((l) => l.startsWith('requests:')) ?? r.stderr}`);
  }
  return Number(rate[1]);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

type Mode = 'bare' | 'instrumented' | 'traced';
const modes: readonly Mode[] = ['bare', 'instrumented', 'traced'];

async function main(): Promise<void> {
  const { values } = parseFlags(process.argv.slice(2), {
    requests: { type: 'string', default: '50000' },
    rounds: { type: 'string', default: '6' },
    tls: { type: 'boolean', default: false },
    serve: { type: 'string' },
  }, 0);
  if (values.serve !== undefined) {
    if (!(modes as readonly string[]).includes(values.serve)) throw new UsageError(`--serve: '${values.serve}' is not one of ${modes.join(', ')}`);
    return serve(values.serve as Mode, values.tls);
  }
  const requests = parseCount(values.requests, '--requests');
  const rounds = parseCount(values.rounds, '--rounds');
  if (spawnSync('h2load', ['--version']).status !== 0) throw new UsageError('h2load is not installed (Debian: nghttp2-client)');

  const servers: ServerChild[] = [];
  try {
    for (const mode of modes) servers.push(await startServer(mode, values.tls));
    // Warm-up: let every server's JIT settle before anything is recorded.
    for (const server of servers) h2load(server.url, Math.min(requests, 20_000));
    const results = modes.map(() => [] as Array<{ rate: number; cpuPerRequest: number }>);
    process.stdout.write(`h2load -c 10 -m 10 -n ${requests}, ${values.tls ? 'TLS' : 'h2c'}, ${rounds} rounds, order rotated each round\n`);
    process.stdout.write('round  bare req/s  instr. req/s  traced req/s  bare CPU µs/req  instr. CPU µs/req  traced CPU µs/req\n');
    for (let round = 0; round < rounds; round++) {
      // Rotate who goes first, so a drift in machine load does not favour one side.
      for (let k = 0; k < modes.length; k++) {
        const m = (k + round) % modes.length;
        results[m].push(await measure(servers[m], requests));
      }
      const [b, i, t] = results.map((r) => r[round]);
      process.stdout.write(`${String(round + 1).padStart(5)}  ${b.rate.toFixed(0).padStart(10)}  ${i.rate.toFixed(0).padStart(12)}  ${t.rate.toFixed(0).padStart(12)}  ${b.cpuPerRequest.toFixed(1).padStart(15)}  ${i.cpuPerRequest.toFixed(1).padStart(17)}  ${t.cpuPerRequest.toFixed(1).padStart(17)}\n`);
    }
    // Ratios are paired within a round (same machine conditions), then the median is taken.
    const rateRatio = (m: number) => median(results[m].map((r, round) => r.rate / results[0][round].rate));
    const cpuRatio = (m: number) => median(results[m].map((r, round) => results[0][round].cpuPerRequest / r.cpuPerRequest));
    // Best-of: each side's least disturbed run (highest req/s, lowest CPU per request).
    const bestRate = (m: number) => Math.max(...results[m].map((r) => r.rate)) / Math.max(...results[0].map((r) => r.rate));
    const bestCpu = (m: number) => Math.min(...results[0].map((r) => r.cpuPerRequest)) / Math.min(...results[m].map((r) => r.cpuPerRequest));
    const verdict = (x: number) => (x >= 0.95 ? 'met' : 'NOT met');
    process.stdout.write('ratios (≥ 1 is faster than bare)   median req/s  median CPU  best req/s  best CPU\n');
    for (const [m, label] of [[1, 'instrumented ÷ bare'], [2, 'traced ÷ bare']] as const) {
      process.stdout.write(`${label.padEnd(34)}  ${rateRatio(m).toFixed(3).padStart(12)}  ${cpuRatio(m).toFixed(3).padStart(10)}  ${bestRate(m).toFixed(3).padStart(10)}  ${bestCpu(m).toFixed(3).padStart(8)}\n`);
    }
    process.stdout.write(`target instrumented ≥ 0.95 × bare: median req/s ${verdict(rateRatio(1))}, median CPU ${verdict(cpuRatio(1))}\n`);
  } finally {
    for (const server of servers) server.child.kill();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`server-overhead: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(err instanceof UsageError ? 2 : 1);
});
