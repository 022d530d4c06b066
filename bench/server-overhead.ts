/**
 * What `instrument()` costs a node:http2 server, measured with h2load.
 *
 *   npm run build && node --import tsx bench/server-overhead.ts [--requests N] [--rounds N] [--tls]
 *
 * Four server processes (bench/server-overhead-child.mjs, plain JavaScript over the compiled
 * library) run the same handler (stream API, a 60-byte JSON answer): 'bare'; 'instrumented'
 * with every default on (push guard 'deny', Prometheus metrics, trace ids, slow-request
 * capture at a running p99 with the event-loop and GC monitor); 'traced', the same
 * instrumented server whose handler also calls getTraceId() on every request (synchronously,
 * as a handler that logs first); and 'async', which also runs every request in the
 * AsyncLocalStorage context (`trace: { asyncContext: true }`), what a handler that reads its
 * id after an await gets (src/server/trace.ts says why that context is on demand). h2load (`-c 10 -m 10 -n N`, one thread) runs against them in turn, rotating which goes
 * first each round, after one unrecorded warm-up run each (JIT). Reported per round: req/s of
 * each, and each server's CPU time per request (read from the server process before and
 * after the run). Ratios are paired within a round (server ÷ bare for req/s, bare ÷ server
 * for CPU per request: the throughput ratio of a CPU-bound server), then the
 * median and the interquartile range of the paired ratios are printed. Target: median ≥ 0.95.
 *
 * With two or more CPUs and `taskset` (util-linux), the servers run on one core and h2load
 * on another, so neither the load generator nor a server's GC threads steal the other's
 * core. Even so, single rounds on a shared VM swing by ±20 %: hence many short rounds and
 * the median, not one long run.
 *
 * h2c (cleartext, prior knowledge) by default: TLS costs the same with and without the
 * instrumentation, so leaving it out makes the ratio the harsher test. `--tls` adds it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseFlags } from '../src/cli/flags.js';
import { parseCount } from '../src/units.js';
import { ConfigError, UsageError } from '../src/errors.js';
import { createTestPki } from '../test/support/certs.js';

/** CPU pinning: servers on core 1, h2load on core 0, when the machine allows it. */
const pin = availableParallelism() >= 2 && spawnSync('taskset', ['-c', '0', 'true']).status === 0;
const pinned = (core: number, argv: string[]): [string, string[]] => (pin ? ['taskset', ['-c', String(core), ...argv]] : [argv[0]!, argv.slice(1)]);

interface ServerChild {
  child: ChildProcess;
  url: string;
  /** The server process's CPU time so far, µs. */
  cpu(): Promise<number>;
}

function startServer(mode: Mode, tls: boolean): Promise<ServerChild> {
  const script = fileURLToPath(new URL('./server-overhead-child.mjs', import.meta.url));
  const [cmd, args] = pinned(1, [process.execPath, script, mode, ...(tls ? ['tls'] : [])]);
  // The TLS certificate comes from the test PKI through the environment: the child runs the
  // compiled library with no TypeScript loader, so it cannot import test/support/ itself.
  const pki = tls ? createTestPki() : undefined;
  const env = pki ? { ...process.env, H2DOCTOR_BENCH_TLS_KEY: pki.key, H2DOCTOR_BENCH_TLS_CERT: pki.chain } : process.env;
  const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'inherit'], env });
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
  const [cmd, args] = pinned(0, ['h2load', '-c', '10', '-m', '10', '-n', String(requests), url]);
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 300_000 });
  const rate = /finished in [\d.]+m?s, ([\d.]+) req\/s/.exec(r.stdout ?? '');
  const ok = /(\d+) succeeded/.exec(r.stdout ?? '');
  if (!rate || !ok || Number(ok[1]) !== requests) {
    throw new Error(`h2load failed against ${url}: ${(r.stdout ?? '').split('\n').find((l) => l.startsWith('requests:')) ?? r.stderr}`);
  }
  return Number(rate[1]);
}

/** The q-quantile (0..1) of xs, interpolated between ranks. */
const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  const at = (s.length - 1) * q;
  const lo = Math.floor(at);
  return s[lo]! + (s[Math.min(lo + 1, s.length - 1)]! - s[lo]!) * (at - lo);
};
const median = (xs: number[]) => quantile(xs, 0.5);
const iqr = (xs: number[]) => `${quantile(xs, 0.25).toFixed(2)}–${quantile(xs, 0.75).toFixed(2)}`;

type Mode = 'bare' | 'instrumented' | 'traced' | 'async';
const modes: readonly Mode[] = ['bare', 'instrumented', 'traced', 'async'];

async function main(): Promise<void> {
  const { values } = parseFlags(process.argv.slice(2), {
    requests: { type: 'string', default: '40000' },
    rounds: { type: 'string', default: '20' },
    tls: { type: 'boolean', default: false },
  }, 0);
  if (!existsSync(new URL('../dist/server/index.js', import.meta.url))) throw new UsageError('dist/ is missing: run `npm run build` first');
  const requests = parseCount(values.requests, '--requests');
  const rounds = parseCount(values.rounds, '--rounds');
  if (spawnSync('h2load', ['--version']).status !== 0) throw new UsageError('h2load is not installed (Debian: nghttp2-client)');

  const results = modes.map(() => [] as Array<{ rate: number; cpuPerRequest: number }>);
  process.stdout.write(`h2load -c 10 -m 10 -n ${requests}, ${values.tls ? 'TLS' : 'h2c'}, ${rounds} rounds, fresh server processes and order rotated each round, ${pin ? 'servers on core 1, h2load on core 0' : 'not pinned'}\n`);
  process.stdout.write(`round  ${modes.map((m) => `${m} req/s`.padStart(20)).join('')}  ${modes.map((m) => `${m} CPU µs/req`.padStart(25)).join('')}\n`);
  let servers: ServerChild[] = [];
  try {
    for (let round = 0; round < rounds; round++) {
      // Fresh processes every round. V8 sizes a process's young generation from what survives
      // its first collections, and the size it settles on moves GC time by more than the
      // instrumentation costs (measured over 300k requests: a bare server did 235 scavenges,
      // 3.4 µs of GC per request; an instrumented one, which allocates more, 164 and 1.9 µs).
      // A process keeps its regime for its life. New processes each round sample the regimes
      // fairly instead of tying every round of a mode to one draw.
      servers = [];
      for (const mode of modes) servers.push(await startServer(mode, values.tls));
      // Warm-up: let every server's JIT settle before anything is recorded.
      for (const server of servers) h2load(server.url, Math.min(requests, 20_000));
      // Rotate who goes first, so a drift in machine load does not favour one side.
      for (let k = 0; k < modes.length; k++) {
        const m = (k + round) % modes.length;
        results[m].push(await measure(servers[m], requests));
      }
      for (const server of servers) server.child.kill();
      const row = results.map((r) => r[round]!);
      process.stdout.write(`${String(round + 1).padStart(5)}  ${row.map((r) => r.rate.toFixed(0).padStart(20)).join('')}  ${row.map((r) => r.cpuPerRequest.toFixed(1).padStart(25)).join('')}\n`);
    }
    // Ratios are paired within a round (same machine conditions); then median and IQR.
    const rateRatios = (m: number) => results[m].map((r, round) => r.rate / results[0][round].rate);
    const cpuRatios = (m: number) => results[m].map((r, round) => results[0][round].cpuPerRequest / r.cpuPerRequest);
    const verdict = (x: number) => (x >= 0.95 ? 'met' : 'NOT met');
    process.stdout.write('paired ratios (≥ 1: faster than bare)  median req/s  IQR req/s    median CPU  IQR CPU\n');
    for (const [m, label] of [[1, 'instrumented ÷ bare'], [2, 'traced ÷ bare'], [3, 'async ÷ bare']] as const) {
      process.stdout.write(`${label.padEnd(37)}  ${median(rateRatios(m)).toFixed(3).padStart(12)}  ${iqr(rateRatios(m)).padStart(9)}  ${median(cpuRatios(m)).toFixed(3).padStart(12)}  ${iqr(cpuRatios(m)).padStart(9)}\n`);
    }
    process.stdout.write(`target instrumented ≥ 0.95 × bare: median req/s ${verdict(median(rateRatios(1)))}, median CPU ${verdict(median(cpuRatios(1)))}\n`);
  } finally {
    for (const server of servers) server.child.kill();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`server-overhead: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(err instanceof UsageError || err instanceof ConfigError ? 2 : 1);
});
