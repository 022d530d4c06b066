/**
 * What `instrument()` costs a node:http2 server, measured with h2load the way servers run.
 *
 *   npm run build && node --import tsx bench/server-overhead.ts [--rounds 10] [--requests 100000]
 *     [--warmup 300000] [--rewarm 30000] [--servers bare,instrumented,...] [--fresh] [--gc] [--tls]
 *     [--no-trace-header] [--json]
 *
 * Servers (bench/server-overhead-child.mjs, plain JavaScript over the compiled library, one
 * process each; that file describes each mode): 'bare' node:http2; 'instrumented' with every
 * default on and `trace: { header: 'traceparent' }`; 'traced' (handler reads getTraceId()
 * on every request); 'async' (every request in the AsyncLocalStorage context); 'p99' (the
 * p99 slow-request threshold with a subscriber that logs every capture); 'scraped' (its
 * /metrics read once a second, as Prometheus would); 'profiled' (instrumented with the CPU
 * profiler on at 1 ms sampling, target ≥ 0.9 × bare); on request (`--servers`) the ablations
 * 'no-runtime', 'no-slow' and 'no-trace' (instrumented less one part). h2load (`-t 1 -c 10 -m 10`) sends a
 * `traceparent` header on every request, as a traced mesh or proxy does (`--no-trace-header`:
 * none).
 *
 * Steady state (the default, and the headline): the servers start once and live for the
 * whole run, like a deployed service. Each is warmed up (`--warmup` requests: the JIT settles
 * and V8 grows its young generation to the size the allocation rate asks for), then every
 * round runs `--requests` requests against each server in turn, rotating which goes first,
 * each preceded by `--rewarm` unmeasured requests: a server left idle while the others run has
 * its young generation shrunk by V8 and needs a dozen scavenges to grow it back, which a
 * service under continuous traffic never does.
 * Per round and server: req/s as h2load saw it, and the server's CPU per request from its own
 * process.cpuUsage() read before and after. Each server's figures are paired with bare's of
 * the same round (server ÷ bare for req/s; bare ÷ server for CPU per request, the throughput
 * ratio of a CPU-bound server) and the median of the paired ratios is the result, with the
 * spread of the pairs. Target for 'instrumented': median ≥ 0.95 for both.
 *
 * `--fresh`: the earlier method, kept as a second view. New server processes every round,
 * 20,000 warm-up requests, 40,000 measured (unless given). Each round then mostly samples
 * warm-up and an undersized young generation, which is not what a service does for days;
 * it shows how much of a difference is the process's start rather than its steady state.
 *
 * With two or more CPUs and `taskset` (util-linux), the servers run on core 1 and h2load on
 * core 0. `--gc` adds a GC observer to every server and reports scavenges and GC time per
 * request and RSS (it costs every server a little, so it is off for the headline).
 */
import { existsSync } from 'node:fs';
import { parseFlags } from '../src/cli/flags.js';
import { parseCount } from '../src/units.js';
import { ConfigError, UsageError } from '../src/errors.js';
import {
  allModes, defaultModes, h2load, h2loadInstalled, median, pin, quantile, startScraper, startServer, traceparent,
  type ChildStats, type Mode, type ServerChild,
} from './server-overhead-support.js';

interface Sample {
  rate: number;
  /** Server CPU µs per request. */
  cpu: number;
  /** GC counts and times during the run (with --gc), RSS after it, young generation before it. */
  gc?: { minor: number; minorMs: number; major: number; majorMs: number; rss: number; newSpace: number };
}

interface Config {
  rounds: number;
  requests: number;
  warmup: number;
  /** Requests served (not measured) right before each measured run. */
  rewarm: number;
  modes: Mode[];
  fresh: boolean;
  tls: boolean;
  gc: boolean;
  headers: string[];
  json: boolean;
}

const path = '/orders/42';

async function measure(server: ServerChild, config: Config): Promise<Sample> {
  // A server idle while the others run gets its young generation shrunk by V8 (a GC at low
  // allocation throughput, or the memory reducer), and grows it back only after a dozen
  // scavenges: a served-but-unmeasured run first puts it back where continuous traffic keeps it.
  if (config.rewarm > 0) await h2load(server.origin + path, config.rewarm, config.headers);
  const statsBefore = config.gc ? await server.stats() : undefined;
  const before = await server.cpu();
  const rate = await h2load(server.origin + path, config.requests, config.headers);
  const after = await server.cpu();
  const sample: Sample = { rate, cpu: (after - before) / config.requests };
  if (statsBefore !== undefined) {
    const s: ChildStats = await server.stats();
    sample.gc = { minor: s.minor - statsBefore.minor, minorMs: s.minorMs - statsBefore.minorMs, major: s.major - statsBefore.major, majorMs: s.majorMs - statsBefore.majorMs, rss: s.rss, newSpace: statsBefore.newSpace };
  }
  return sample;
}

async function warm(servers: ServerChild[], config: Config): Promise<void> {
  for (const server of servers) {
    for (let left = config.warmup; left > 0; left -= config.requests) await h2load(server.origin + path, Math.min(left, config.requests), config.headers);
  }
}

/** Starts the servers (and the scraper of 'scraped'); `stop` ends both. */
async function startAll(config: Config): Promise<{ servers: ServerChild[]; stop(): void; scrapes(): number }> {
  const servers: ServerChild[] = [];
  let scraper: ReturnType<typeof startScraper> | undefined;
  const stop = () => {
    scraper?.stop();
    for (const s of servers) s.stop();
  };
  try {
    for (const mode of config.modes) servers.push(await startServer(mode, { tls: config.tls, gc: config.gc }));
    const scraped = servers.find((s) => s.mode === 'scraped');
    if (scraped !== undefined) scraper = startScraper(scraped.origin);
  } catch (err) {
    stop();
    throw err;
  }
  return { servers, stop, scrapes: () => scraper?.scrapes() ?? 0 };
}

function printRow(config: Config, round: number, row: Sample[]): void {
  if (config.json) return;
  process.stdout.write(`${String(round + 1).padStart(5)}  ${row.map((r) => r.rate.toFixed(0).padStart(13)).join('')}  ${row.map((r) => r.cpu.toFixed(2).padStart(13)).join('')}\n`);
}

async function run(config: Config): Promise<{ results: Sample[][]; scrapes: number }> {
  const results = config.modes.map(() => [] as Sample[]);
  let all = config.fresh ? undefined : await startAll(config);
  let scrapes = 0;
  try {
    if (all !== undefined) await warm(all.servers, config);
    for (let round = 0; round < config.rounds; round++) {
      if (config.fresh) {
        all = await startAll(config);
        await warm(all.servers, config);
      }
      // Rotate who goes first, so a drift in machine load does not favour one side.
      for (let k = 0; k < config.modes.length; k++) {
        const m = (k + round) % config.modes.length;
        results[m]!.push(await measure(all!.servers[m]!, config));
      }
      printRow(config, round, results.map((r) => r[round]!));
      if (config.fresh) {
        scrapes += all!.scrapes();
        all!.stop();
      }
    }
    if (!config.fresh) scrapes = all!.scrapes();
  } finally {
    all?.stop();
  }
  return { results, scrapes };
}

const range = (xs: number[]) => `${quantile(xs, 0.25).toFixed(3)}–${quantile(xs, 0.75).toFixed(3)}`;
const minMax = (xs: number[]) => `${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}`;

function summarise(config: Config, results: Sample[][], scrapes: number) {
  const bare = results[0]!;
  return config.modes.slice(1).map((mode, i) => {
    const r = results[i + 1]!;
    const rate = r.map((s, round) => s.rate / bare[round]!.rate);
    const cpu = r.map((s, round) => bare[round]!.cpu / s.cpu);
    return {
      mode,
      rate: { median: median(rate), q1: quantile(rate, 0.25), q3: quantile(rate, 0.75), pairs: rate },
      cpu: { median: median(cpu), q1: quantile(cpu, 0.25), q3: quantile(cpu, 0.75), pairs: cpu },
      ...(mode === 'scraped' ? { scrapes } : {}),
    };
  });
}

function report(config: Config, results: Sample[][], scrapes: number): void {
  const summary = summarise(config, results, scrapes);
  if (config.json) {
    process.stdout.write(`${JSON.stringify({ config, pinned: pin, samples: Object.fromEntries(config.modes.map((m, i) => [m, results[i]])), summary })}\n`);
    return;
  }
  process.stdout.write('\nper server          median req/s  median CPU µs/req  req/s range      CPU range\n');
  config.modes.forEach((mode, i) => {
    const r = results[i]!;
    process.stdout.write(`${mode.padEnd(18)}  ${median(r.map((s) => s.rate)).toFixed(0).padStart(12)}  ${median(r.map((s) => s.cpu)).toFixed(2).padStart(17)}  ${minMax(r.map((s) => s.rate / 1000)).padStart(11)} k  ${minMax(r.map((s) => s.cpu)).padStart(11)}\n`);
  });
  if (config.gc) {
    process.stdout.write('\nGC per server (medians of rounds)   scavenges/10k req  scavenge µs/req  mark-compacts  RSS MB  young gen MB at start (min–max)\n');
    config.modes.forEach((mode, i) => {
      const g = results[i]!.map((s) => s.gc!);
      const per = (f: (x: (typeof g)[number]) => number) => median(g.map(f));
      process.stdout.write(`${mode.padEnd(34)}  ${per((x) => x.minor / config.requests * 1e4).toFixed(1).padStart(17)}  ${per((x) => x.minorMs * 1000 / config.requests).toFixed(2).padStart(15)}  ${per((x) => x.major).toFixed(0).padStart(13)}  ${per((x) => x.rss / 2 ** 20).toFixed(0).padStart(6)}  ${minMax(g.map((x) => x.newSpace / 2 ** 20)).padStart(22)}\n`);
    });
  }
  process.stdout.write(`\npaired ratios, ${config.rounds} rounds (≥ 1: as fast as bare)   median req/s  IQR req/s      median CPU  IQR CPU\n`);
  for (const s of summary) {
    process.stdout.write(`${`${s.mode} ÷ bare`.padEnd(44)}  ${s.rate.median.toFixed(3).padStart(12)}  ${range(s.rate.pairs).padStart(11)}  ${s.cpu.median.toFixed(3).padStart(12)}  ${range(s.cpu.pairs).padStart(11)}\n`);
  }
  if (scrapes > 0) process.stdout.write(`scraped: ${scrapes} scrapes of /metrics\n`);
  const head = summary.find((s) => s.mode === 'instrumented');
  if (head !== undefined) {
    const verdict = (x: number) => (x >= 0.95 ? 'met' : 'NOT met');
    process.stdout.write(`target instrumented ≥ 0.95 × bare (${config.fresh ? 'fresh processes' : 'steady state'}): median req/s ${verdict(head.rate.median)}, median CPU ${verdict(head.cpu.median)}\n`);
  }
  const profiled = summary.find((s) => s.mode === 'profiled');
  if (profiled !== undefined) {
    const verdict = (x: number) => (x >= 0.9 ? 'met' : 'NOT met');
    process.stdout.write(`target profiled ≥ 0.9 × bare: median req/s ${verdict(profiled.rate.median)}, median CPU ${verdict(profiled.cpu.median)}\n`);
  }
}

function parseConfig(argv: string[]): Config {
  const { values } = parseFlags(argv, {
    requests: { type: 'string' },
    rounds: { type: 'string', default: '10' },
    warmup: { type: 'string' },
    rewarm: { type: 'string' },
    servers: { type: 'string', default: defaultModes.join(',') },
    fresh: { type: 'boolean', default: false },
    gc: { type: 'boolean', default: false },
    tls: { type: 'boolean', default: false },
    'no-trace-header': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  }, 0);
  const fresh = values.fresh === true;
  const requests = parseCount(values.requests ?? (fresh ? '40000' : '100000'), '--requests');
  const listed = values.servers.split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const m of listed) if (!allModes.includes(m as Mode)) throw new UsageError(`--servers: unknown server '${m}' (one of ${allModes.join(', ')})`);
  // Bare is the reference of every pair: always there, always first in the list.
  const modes: Mode[] = ['bare', ...allModes.filter((m) => m !== 'bare' && listed.includes(m))];
  if (modes.length < 2) throw new UsageError('--servers: name at least one server besides bare');
  return {
    rounds: parseCount(values.rounds, '--rounds'),
    requests,
    warmup: parseCount(values.warmup ?? (fresh ? '20000' : '300000'), '--warmup', true),
    rewarm: parseCount(values.rewarm ?? (fresh ? '0' : '30000'), '--rewarm', true),
    modes, fresh, tls: values.tls === true, gc: values.gc === true,
    headers: values['no-trace-header'] === true ? [] : [`traceparent: ${traceparent}`],
    json: values.json === true,
  };
}

async function main(): Promise<void> {
  const config = parseConfig(process.argv.slice(2));
  if (!existsSync(new URL('../dist/server/index.js', import.meta.url))) throw new UsageError('dist/ is missing: run `npm run build` first');
  if (!h2loadInstalled()) throw new UsageError('h2load is not installed (Debian: nghttp2-client)');
  if (!config.json) {
    process.stdout.write(`${config.fresh ? 'fresh server processes every round' : 'steady state: long-lived servers'}, warm-up ${config.warmup} requests each${config.fresh ? ' per round' : ''}${config.rewarm > 0 ? `, ${config.rewarm} more before each measured run` : ''}; `
      + `h2load -t 1 -c 10 -m 10 -n ${config.requests}${config.headers.length > 0 ? ' with traceparent' : ''}, ${config.tls ? 'TLS' : 'h2c'}, ${config.rounds} rounds, order rotated; `
      + `${pin ? 'servers on core 1, h2load on core 0' : 'not pinned'}; node ${process.version}\n`);
    const width = 13 * config.modes.length;
    process.stdout.write(`       ${'req/s (h2load)'.padEnd(width)}  server CPU µs per request\n`);
    process.stdout.write(`round  ${config.modes.map((m) => m.padStart(13)).join('')}  ${config.modes.map((m) => m.padStart(13)).join('')}\n`);
  }
  const { results, scrapes } = await run(config);
  report(config, results, scrapes);
}

main().catch((err: unknown) => {
  process.stderr.write(`server-overhead: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(err instanceof UsageError || err instanceof ConfigError ? 2 : 1);
});
