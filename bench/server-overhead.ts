/**
 * What `instrument()` costs a node:http2 server, measured with h2load the way servers run.
 *
 *   npm run build && node --import tsx bench/server-overhead.ts [--rounds 10] [--requests 300000]
 *     [--slices 30] [--warmup 300000] [--servers bare,instrumented,...] [--one-pair [--rewarm 30000]] [--fresh]
 *     [--gc] [--tls] [--no-trace-header] [--json]
 *
 * Servers (bench/server-overhead-child.mjs, plain JavaScript over the compiled library, one
 * process each; that file describes each mode): 'bare' node:http2; 'instrumented' with every
 * default on and `trace: { header: 'traceparent' }`; 'traced' (handler reads getTraceId()
 * on every request); 'async' (every request in the AsyncLocalStorage context); 'p99' (the
 * p99 slow-request threshold with a subscriber that logs every capture); 'scraped' (its
 * /metrics read once a second, as Prometheus would); 'profiled' (instrumented with the CPU
 * profiler on at 1 ms sampling, target ≥ 0.9 × bare); on request (`--servers`) 'twin' (bare in a
 * second process: the A/A control, whose ratio to bare shows the method's own spread) and the ablations
 * 'no-runtime', 'no-slow' and 'no-trace' (instrumented less one part). h2load (`-t 1 -c 10 -m 10`) sends a
 * `traceparent` header on every request, as a traced mesh or proxy does (`--no-trace-header`:
 * none).
 *
 * Steady state (the default, and the headline). Every round starts one process per server;
 * each is warmed up with `--warmup` requests (300,000: the JIT settles, V8 grows the young
 * generation to the 32 MB that continuous traffic keeps it at, and old space goes through its
 * first mark-compacts), then serves `--requests` measured requests (300,000), and is stopped.
 * A process is under continuous traffic from its first request to its last, as a deployed
 * service is: it never sits idle, which is what made V8 shrink an idle server's young
 * generation in the earlier layout below. Warm-up and measurement both run in `--slices`
 * slices (default 30 per server: 10,000 requests each) that alternate between the servers,
 * the order turning every slice (A B, B A, …) and every round.
 *
 * Why this shape: the noise of this machine, measured with 'twin' (bare in a second process).
 * - The speed of the core moves by tens of percent within seconds (a VM on shared hardware):
 *   bare took 22 to 58 µs of CPU per request from one 10,000-request slice to the next, and 22
 *   to 37 µs between rounds of one run, while the share of the core's time the hypervisor stole
 *   (read from /proc/stat and reported per round) went from 0 to 14 %. Slices interleaved
 *   within a second of each other see the same machine; blocks of 100,000 one after the other
 *   do not.
 * - Two processes of the same code differ by a few percent for as long as they live (JIT and
 *   heap layout draws). With one pair of processes for the whole run (`--one-pair`), twin ÷ bare
 *   came out 0.94, 0.99 and 1.06 in three runs, each run's rounds tight around its own value:
 *   a run's result is one draw. A new pair per round makes the median of the rounds a median
 *   over ten draws (twin ÷ bare 1.000, IQR 0.982–1.013).
 * - Keeping five long-lived pairs and measuring one per round leaves each idle for minutes
 *   between its rounds; instrumented ÷ bare fell to 0.77–0.95 in that layout, an idle-to-busy
 *   effect that a server under continuous traffic does not have. It was dropped.
 * Per round and server: requests ÷ the time h2load took over the slices, and the server's CPU
 * per request from its own process.cpuUsage() read around each slice. Each server's figures
 * are paired with bare's of the same round (server ÷ bare for req/s; bare ÷ server for CPU
 * per request, the throughput ratio of a CPU-bound server) and the median of the paired
 * ratios is the result, with the spread of the pairs. Target for 'instrumented': median ≥ 0.95
 * for both.
 *
 * `--one-pair`: the first steady-state method, kept as a second view: one process per server
 * for the whole run, each measured run preceded by `--rewarm` unmeasured requests (30,000), since
 * a server idle while the others run has its young generation shrunk by V8 and needs a dozen
 * scavenges to grow it back. `--one-pair --slices 1 --requests 100000` is it as first committed.
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
  allModes, coreTicks, defaultModes, h2load, h2loadInstalled, median, pin, quantile, startScraper, startServer, traceparent,
  type ChildStats, type Mode, type ServerChild,
} from './server-overhead-support.js';

interface Sample {
  rate: number;
  /** Server CPU µs per request. */
  cpu: number;
  /** Share of the servers' core's time the hypervisor stole while this server was measured (0..1; undefined: not known). */
  steal?: number | undefined;
  /** GC counts and times during the run (with --gc), RSS after it, young generation before it. */
  gc?: { minor: number; minorMs: number; major: number; majorMs: number; rss: number; newSpace: number };
}

interface Config {
  rounds: number;
  requests: number;
  warmup: number;
  /** Requests served (not measured) right before each measured run. */
  rewarm: number;
  /** Each round's requests per server run as this many slices, alternating between servers. */
  slices: number;
  /** One process per server for the whole run, instead of a new one per round. */
  onePair: boolean;
  modes: Mode[];
  fresh: boolean;
  tls: boolean;
  gc: boolean;
  headers: string[];
  json: boolean;
}

const path = '/orders/42';

/** One server's totals over the slices of a round. */
interface Tally {
  seconds: number;
  cpuUs: number;
  stolen: number;
  ticks: number;
  gcBefore: ChildStats | undefined;
}

/**
 * One round: every server serves `--requests` measured requests, as `--slices` slices that
 * alternate between the servers (the order turns each slice: A B, B A, A B, …). On a virtual
 * machine whose hypervisor steals a varying share of the core (read from /proc/stat and
 * reported), two runs of 100,000 requests one after the other can see different machines;
 * slices a fraction of a second long see the same one. Each server's round is its slices
 * summed: requests ÷ the time h2load took, CPU µs ÷ requests.
 */
async function measureRound(servers: ServerChild[], config: Config, round: number): Promise<Sample[]> {
  const n = servers.length;
  // A server idle while the others run gets its young generation shrunk by V8 (a GC at low
  // allocation throughput, or the memory reducer), and grows it back only after a dozen
  // scavenges: a served-but-unmeasured run first puts it back where continuous traffic keeps it.
  for (let k = 0; k < n; k++) {
    const server = servers[(k + round) % n]!;
    if (config.rewarm > 0) await h2load(server.origin + path, config.rewarm, config.headers);
  }
  const tallies: Tally[] = [];
  for (const server of servers) tallies.push({ seconds: 0, cpuUs: 0, stolen: 0, ticks: 0, gcBefore: config.gc ? await server.stats() : undefined });
  const sizes = sliceSizes(config.requests, config.slices);
  for (let slice = 0; slice < sizes.length; slice++) {
    for (let k = 0; k < n; k++) {
      const m = (slice % 2 === 0 ? k + round : n - 1 - k + round) % n;
      const server = servers[m]!;
      const tally = tallies[m]!;
      const coreBefore = coreTicks();
      const before = await server.cpu();
      const rate = await h2load(server.origin + path, sizes[slice]!, config.headers);
      const after = await server.cpu();
      const coreAfter = coreTicks();
      tally.seconds += sizes[slice]! / rate;
      tally.cpuUs += after - before;
      if (coreBefore !== undefined && coreAfter !== undefined) {
        tally.stolen += coreAfter.steal - coreBefore.steal;
        tally.ticks += coreAfter.total - coreBefore.total;
      }
    }
  }
  const samples: Sample[] = [];
  for (let m = 0; m < n; m++) {
    const tally = tallies[m]!;
    const sample: Sample = { rate: config.requests / tally.seconds, cpu: tally.cpuUs / config.requests, steal: tally.ticks > 0 ? tally.stolen / tally.ticks : undefined };
    const before = tally.gcBefore;
    if (before !== undefined) {
      const s: ChildStats = await servers[m]!.stats();
      sample.gc = { minor: s.minor - before.minor, minorMs: s.minorMs - before.minorMs, major: s.major - before.major, majorMs: s.majorMs - before.majorMs, rss: s.rss, newSpace: before.newSpace };
    }
    samples.push(sample);
  }
  return samples;
}

/** `total` split into `slices` near-equal whole parts. */
function sliceSizes(total: number, slices: number): number[] {
  const sizes: number[] = [];
  for (let i = 0; i < slices; i++) sizes.push(Math.floor((total * (i + 1)) / slices) - Math.floor((total * i) / slices));
  return sizes.filter((size) => size > 0);
}

/** Warm-up: `--warmup` requests for each server, in slices that alternate between them, so none sits idle for long. */
async function warm(servers: ServerChild[], config: Config): Promise<void> {
  const slice = Math.max(1, Math.ceil(config.requests / config.slices));
  for (let left = config.warmup; left > 0; left -= slice) {
    for (const server of servers) await h2load(server.origin + path, Math.min(left, slice), config.headers);
  }
}

/** Starts one process per server (and the scraper of 'scraped'); `stop` ends both. */
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
  const steal = row.map((r) => (r.steal === undefined ? '?' : `${(r.steal * 100).toFixed(0)} %`).padStart(13)).join('');
  process.stdout.write(`${String(round + 1).padStart(5)}  ${row.map((r) => r.rate.toFixed(0).padStart(13)).join('')}  ${row.map((r) => r.cpu.toFixed(2).padStart(13)).join('')}  ${steal}\n`);
}

async function run(config: Config): Promise<{ results: Sample[][]; scrapes: number }> {
  const results = config.modes.map(() => [] as Sample[]);
  const perRound = !config.onePair;
  let all = perRound ? undefined : await startAll(config);
  let scrapes = 0;
  try {
    if (all !== undefined) await warm(all.servers, config);
    for (let round = 0; round < config.rounds; round++) {
      if (perRound) {
        all = await startAll(config);
        await warm(all.servers, config);
      }
      const row = await measureRound(all!.servers, config, round);
      row.forEach((sample, m) => results[m]!.push(sample));
      printRow(config, round, results.map((r) => r[round]!));
      if (perRound) {
        scrapes += all!.scrapes();
        all!.stop();
      }
    }
    if (!perRound) scrapes = all!.scrapes();
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
    process.stdout.write(`target instrumented ≥ 0.95 × bare (${config.fresh ? 'fresh processes' : config.onePair ? 'steady state, one pair' : 'steady state'}): median req/s ${verdict(head.rate.median)}, median CPU ${verdict(head.cpu.median)}\n`);
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
    slices: { type: 'string' },
    'one-pair': { type: 'boolean', default: false },
    servers: { type: 'string', default: defaultModes.join(',') },
    fresh: { type: 'boolean', default: false },
    gc: { type: 'boolean', default: false },
    tls: { type: 'boolean', default: false },
    'no-trace-header': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  }, 0);
  const fresh = values.fresh === true;
  const onePair = values['one-pair'] === true;
  if (fresh && onePair) throw new UsageError('--fresh and --one-pair exclude each other');
  const requests = parseCount(values.requests ?? (fresh ? '40000' : '300000'), '--requests');
  const listed = values.servers.split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const m of listed) if (!allModes.includes(m as Mode)) throw new UsageError(`--servers: unknown server '${m}' (one of ${allModes.join(', ')})`);
  // Bare is the reference of every pair: always there, always first in the list.
  const modes: Mode[] = ['bare', ...allModes.filter((m) => m !== 'bare' && listed.includes(m))];
  if (modes.length < 2) throw new UsageError('--servers: name at least one server besides bare');
  return {
    rounds: parseCount(values.rounds, '--rounds'),
    requests,
    warmup: parseCount(values.warmup ?? (fresh ? '20000' : '300000'), '--warmup', true),
    rewarm: parseCount(values.rewarm ?? (onePair ? '30000' : '0'), '--rewarm', true),
    slices: parseCount(values.slices ?? (fresh ? '1' : '30'), '--slices'),
    onePair, modes, fresh, tls: values.tls === true, gc: values.gc === true,
    headers: values['no-trace-header'] === true ? [] : [`traceparent: ${traceparent}`],
    json: values.json === true,
  };
}

async function main(): Promise<void> {
  const config = parseConfig(process.argv.slice(2));
  if (!existsSync(new URL('../dist/server/index.js', import.meta.url))) throw new UsageError('dist/ is missing: run `npm run build` first');
  if (!h2loadInstalled()) throw new UsageError('h2load is not installed (Debian: nghttp2-client)');
  if (!config.json) {
    process.stdout.write(`${config.fresh ? 'fresh server processes every round (#5)' : config.onePair ? 'steady state, one long-lived process per server for the whole run' : 'steady state, a new process per server every round, under continuous traffic from warm-up to its end'}, warm-up ${config.warmup} requests each${config.onePair ? '' : ' per round'}${config.rewarm > 0 ? `, ${config.rewarm} more before each measured run` : ''}; `
      + `h2load -t 1 -c 10 -m 10, ${config.requests} requests per server and round${config.slices > 1 ? ` in ${config.slices} alternating slices` : ''}${config.headers.length > 0 ? ', with traceparent' : ''}, ${config.tls ? 'TLS' : 'h2c'}, ${config.rounds} rounds, order rotated; `
      + `${pin ? 'servers on core 1, h2load on core 0' : 'not pinned'}; node ${process.version}\n`);
    const width = 13 * config.modes.length;
    process.stdout.write(`       ${'req/s (h2load)'.padEnd(width)}  ${'server CPU µs per request'.padEnd(width)}  core time stolen by the hypervisor\n`);
    const names = config.modes.map((m) => m.padStart(13)).join('');
    process.stdout.write(`round  ${names}  ${names}  ${names}\n`);
  }
  const { results, scrapes } = await run(config);
  report(config, results, scrapes);
}

main().catch((err: unknown) => {
  process.stderr.write(`server-overhead: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(err instanceof UsageError || err instanceof ConfigError ? 2 : 1);
});
