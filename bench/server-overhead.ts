/**
 * What `instrument()` costs a node:http2 server, measured with h2load.
 *
 *   node --import tsx bench/server-overhead.ts [--requests N] [--rounds N] [--tls]
 *
 * Two server processes run the same handler (stream API, a 60-byte JSON answer): one bare,
 * one instrumented with every default on (push guard 'deny', Prometheus metrics, trace
 * context, slow-request capture at a running p99 with the event-loop and GC monitor). Each
 * server has its own process, apart from h2load's, so neither shares a CPU with the load
 * generator's bookkeeping beyond what the OS schedules. h2load (`-c 10 -m 10 -n N`, one
 * thread) runs against them in turn, alternating which goes first each round, after one
 * unrecorded warm-up run each (JIT). Reported per round: req/s of each and their ratio
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
import { instrument } from '../src/server/index.js';

const body = JSON.stringify({ id: 42, status: 'shipped', items: 3, total: '19.90' });

/** Child mode: `--serve bare|instrumented [--tls]`; prints the port, serves until killed. */
async function serve(mode: string, tls: boolean): Promise<void> {
  const pki = tls ? createTestPki() : undefined;
  const server = pki ? http2.createSecureServer({ key: pki.key, cert: pki.chain }) : http2.createServer();
  server.on('stream', function answer(stream) {
    stream.respond({ ':status': 200, 'content-type': 'application/json' });
    stream.end(body);
  });
  if (mode === 'instrumented') instrument(server, { push: 'deny', log: () => undefined });
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

function startServer(mode: 'bare' | 'instrumented', tls: boolean): Promise<ServerChild> {
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

async function main(): Promise<void> {
  const { values } = parseFlags(process.argv.slice(2), {
    requests: { type: 'string', default: '50000' },
    rounds: { type: 'string', default: '5' },
    tls: { type: 'boolean', default: false },
    serve: { type: 'string' },
  }, 0);
  if (values.serve !== undefined) {
    if (values.serve !== 'bare' && values.serve !== 'instrumented') throw new UsageError(`--serve: '${values.serve}' is not bare or instrumented`);
    return serve(values.serve, values.tls);
  }
  const requests = parseCount(values.requests, '--requests');
  const rounds = parseCount(values.rounds, '--rounds');
  if (spawnSync('h2load', ['--version']).status !== 0) throw new UsageError('h2load is not installed (Debian: nghttp2-client)');

  const bare = await startServer('bare', values.tls);
  const instrumented = await startServer('instrumented', values.tls);
  try {
    // Warm-up: let both servers' JITs settle before anything is recorded.
    h2load(bare.url, Math.min(requests, 20_000));
    h2load(instrumented.url, Math.min(requests, 20_000));
    const rateRatios: number[] = [];
    const cpuRatios: number[] = [];
    const rows: string[] = [];
    process.stdout.write(`h2load -c 10 -m 10 -n ${requests}, ${values.tls ? 'TLS' : 'h2c'}, ${rounds} rounds\n`);
    process.stdout.write('round  first         bare req/s  instr. req/s  req/s ratio  bare CPU µs/req  instr. CPU µs/req  CPU ratio\n');
    for (let round = 1; round <= rounds; round++) {
      // Alternate who goes first, so a drift in machine load does not favour one side.
      const bareFirst = round % 2 === 1;
      let b: { rate: number; cpuPerRequest: number };
      let i: { rate: number; cpuPerRequest: number };
      if (bareFirst) {
        b = await measure(bare, requests);
        i = await measure(instrumented, requests);
      } else {
        i = await measure(instrumented, requests);
        b = await measure(bare, requests);
      }
      rateRatios.push(i.rate / b.rate);
      // Bare CPU ÷ instrumented CPU: the throughput ratio a CPU-bound server would see.
      cpuRatios.push(b.cpuPerRequest / i.cpuPerRequest);
      const row = `${String(round).padStart(5)}  ${(bareFirst ? 'bare' : 'instrumented').padEnd(12)}  ${b.rate.toFixed(0).padStart(10)}  ${i.rate.toFixed(0).padStart(12)}  ${(i.rate / b.rate).toFixed(3).padStart(11)}  ${b.cpuPerRequest.toFixed(1).padStart(15)}  ${i.cpuPerRequest.toFixed(1).padStart(17)}  ${(b.cpuPerRequest / i.cpuPerRequest).toFixed(3).padStart(9)}`;
      rows.push(row);
      process.stdout.write(`${row}\n`);
    }
    const r = median(rateRatios);
    const c = median(cpuRatios);
    process.stdout.write(`median req/s ratio (instrumented ÷ bare) ${r.toFixed(3)}: target ≥ 0.95 ${r >= 0.95 ? 'met' : 'NOT met'}\n`);
    process.stdout.write(`median CPU ratio (bare ÷ instrumented CPU per request) ${c.toFixed(3)}: target ≥ 0.95 ${c >= 0.95 ? 'met' : 'NOT met'}\n`);
  } finally {
    bare.child.kill();
    instrumented.child.kill();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`server-overhead: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(err instanceof UsageError ? 2 : 1);
});
