import { writeFileSync } from 'node:fs';
import type { Command } from '../command.js';
import { fileFlagError, parseFlags, parseTargetUrl, readFlagFile, usageOf } from '../flags.js';
import { parseHeaderFlag } from '../header-flag.js';
import { parseCount, parseDuration, parseSize } from '../../units.js';
import { ConfigError, UsageError } from '../../errors.js';
import { benchDefaults, resolveBenchOptions, type BenchOptions, type PushMode } from '../../bench/options.js';
import type { BenchProgress } from '../../bench/engine.js';
import { renderBenchJson } from '../../report/bench-json.js';
import { extraFlags, extraUsage, parseBenchExtras, type BenchExtras } from './bench-extras.js';
import { parseThreshold } from '../../bench/threshold-expr.js';
import { grpcBenchFlags, grpcBenchUsage, grpcShortData, parseGrpcBenchFlags } from './bench-grpc.js';

// The engine, the result builder and the text and progress renderers are imported when `run` needs them, not
// here: `bench --help` and a usage error then load none of them, and a run loads the text
// renderer only when it prints text. Start-up CPU counts against the whole-process CPU per request that
// issue 4 compares with h2load's.

const usage = `Usage: h2doctor bench <url> [options]
       h2doctor bench --grpc --call /pkg.Service/Method [-d HEX|@FILE | --proto FILE --data JSON] <url> [options]

HTTP/2 load generator that explains its own tail: queue time for a stream slot, per-request
phases, per-connection attribution, connection reuse, GOAWAY/RST_STREAM codes, push counters.
https:// uses TLS with ALPN h2; http:// uses h2c with prior knowledge.

Options:
  -c, --connections N            connections (default 10)
  -m, --streams M                max concurrent streams per connection (default 10; never more
                                 than the server's SETTINGS_MAX_CONCURRENT_STREAMS)
  -n, --requests N               total requests (default 10000)
  -d, --duration TIME            run for TIME instead (e.g. 10s)
      --rate R                   open loop: R requests/s overall; latency from the intended send
                                 time (coordinated omission corrected), uncorrected shown too
  -t, --workers T                worker threads (default 1); results merged exactly
      --warmup TIME              run this long first, not counted
  -X, --method METHOD            request method (default GET, POST with --data)
  -H, --header 'name: value'     extra request header (repeatable)
      --data FILE                request body from FILE
      --insecure                 do not verify the server certificate
      --ca FILE                  trust anchors (PEM)
      --push accept|cancel|refuse  accept pushes and count them (default), reset each with
                                 RST_STREAM(CANCEL), or send SETTINGS_ENABLE_PUSH=0
      --requests-per-connection K  close and reopen each connection after K requests
      --window BYTES             stream and connection receive window (default 1gb)
      --header-table-size BYTES  our HPACK dynamic table size (default 4096)
      --interval TIME            percentiles per interval, to see spikes over time
      --timeout TIME             reset requests with no response after TIME (default 30s)
      --json                     print the result as JSON (schema: docs/json.md)
      --out FILE                 also write the JSON result to FILE
${extraUsage}${grpcBenchUsage}`;

const flags = {
  connections: { type: 'string', short: 'c' },
  streams: { type: 'string', short: 'm' },
  requests: { type: 'string', short: 'n' },
  duration: { type: 'string', short: 'd' },
  rate: { type: 'string' },
  workers: { type: 'string', short: 't' },
  warmup: { type: 'string' },
  method: { type: 'string', short: 'X' },
  header: { type: 'string', short: 'H', multiple: true },
  data: { type: 'string' },
  insecure: { type: 'boolean' },
  ca: { type: 'string' },
  push: { type: 'string' },
  'requests-per-connection': { type: 'string' },
  window: { type: 'string' },
  'header-table-size': { type: 'string' },
  interval: { type: 'string' },
  timeout: { type: 'string' },
  json: { type: 'boolean' },
  out: { type: 'string' },
  ...extraFlags,
  ...grpcBenchFlags,
} as const;

/** Flags → BenchOptions; every bad value is a UsageError naming its flag. */
export function benchOptionsFromArgs(argv: string[]): { options: BenchOptions; json: boolean; out: string | undefined; extras: BenchExtras } {
  return usageOf(() => benchFlags(argv));
}

function benchFlags(argv: string[]): { options: BenchOptions; json: boolean; out: string | undefined; extras: BenchExtras } {
  const { values: v, positionals } = parseFlags(grpcShortData(argv), flags, 1);
  const parsedExtras = parseBenchExtras(v, positionals[0]);
  const extras = parsedExtras.extras;
  const url = parseTargetUrl(parsedExtras.url, 'bench');
  const push = (v.push ?? 'accept') as PushMode;
  if (!['accept', 'cancel', 'refuse'].includes(push)) throw new UsageError(`--push: '${v.push}' must be accept, cancel or refuse`);
  let rate = 0;
  if (v.rate !== undefined) {
    rate = /^\d+(\.\d+)?$/.test(v.rate) ? Number(v.rate) : NaN;
    if (!(rate > 0)) throw new UsageError(`--rate: '${v.rate}' is not a positive number of requests per second`);
  }
  const headers = (v.header ?? []).map(parseHeaderFlag);
  const grpc = parseGrpcBenchFlags(v, url, headers, v.timeout !== undefined ? positiveDuration(v.timeout, '--timeout') : undefined);
  const body = v.data !== undefined && !grpc ? new Uint8Array(readFlagFile(v.data, '--data')) : undefined;
  const method = (v.method ?? (body ? 'POST' : 'GET')).toUpperCase();
  if (!/^[A-Z]+$/.test(method)) throw new UsageError(`--method: '${v.method}' is not an HTTP method`);
  const window = v.window !== undefined ? parseSize(v.window, '--window') : benchDefaults.windowSize;
  if (window < 65_535 || window > 2 ** 31 - 1) throw new UsageError(`--window: must be between 65535 and 2147483647 bytes (RFC 9113 §6.5.2)`);
  const input: Partial<BenchOptions> & { url: URL } = {
    url,
    connections: v.connections !== undefined ? parseCount(v.connections, '--connections') : benchDefaults.connections,
    streams: v.streams !== undefined ? parseCount(v.streams, '--streams') : benchDefaults.streams,
    requests: v.requests !== undefined ? parseCount(v.requests, '--requests') : benchDefaults.requests,
    durationMs: v.duration !== undefined ? positiveDuration(v.duration, '--duration') : 0,
    rate,
    workers: v.workers !== undefined ? parseCount(v.workers, '--workers') : 1,
    warmupMs: v.warmup !== undefined ? parseDuration(v.warmup, '--warmup', 's') : 0,
    method,
    headers,
    body,
    insecure: v.insecure ?? false,
    ca: v.ca !== undefined ? readFlagFile(v.ca, '--ca') : undefined,
    push,
    requestsPerConnection: v['requests-per-connection'] !== undefined ? parseCount(v['requests-per-connection'], '--requests-per-connection') : 0,
    windowSize: window,
    headerTableSize: v['header-table-size'] !== undefined ? parseSize(v['header-table-size'], '--header-table-size') : benchDefaults.headerTableSize,
    intervalMs: v.interval !== undefined ? positiveDuration(v.interval, '--interval') : 0,
    timeoutMs: v.timeout !== undefined ? positiveDuration(v.timeout, '--timeout') : benchDefaults.timeoutMs,
    targets: extras.targets && extras.targets.length > 1 ? extras.targets : undefined,
    stages: extras.stages,
    logFile: extras.logFile,
    grpc,
  };
  if (extras.stages && v.duration !== undefined) throw new UsageError('--stages and --duration cannot be used together (the stages set the length)');
  // Stages are read per interval (target beside achieved): 1 s rows unless --interval says otherwise.
  if (extras.stages && v.interval === undefined) input.intervalMs = 1000;
  if (extras.prometheus) input.liveSnapshotMs = input.intervalMs || 10_000;
  if (v.requests !== undefined && v.duration !== undefined) throw new UsageError('--requests and --duration cannot be used together');
  try {
    return { options: resolveBenchOptions(input), json: v.json ?? false, out: v.out, extras };
  } catch (err) {
    // The library names its options; the user typed flags.
    if (err instanceof ConfigError) throw new ConfigError(err.message.replace(/^workers/, '--workers').replace(/^requests/, '--requests'), { cause: err });
    throw err;
  }
}

function positiveDuration(text: string, flag: string): number {
  const ms = parseDuration(text, flag, 's');
  if (ms <= 0) throw new ConfigError(`${flag}: must be more than 0`);
  return ms;
}

export const command: Command = {
  usage,
  async run(argv, io, signal) {
    if (argv[0] === 'merge') return (await import('./bench-merge.js')).runBenchMerge(argv.slice(1), io, { parseFlags, renderBenchJson, parseThreshold });
    const { options, json, out, extras } = benchOptionsFromArgs(argv);
    if (options.workers > 1 && options.durationMs === 0 && options.requests < options.workers) {
      throw new UsageError(`--requests (${options.requests}) must be at least --workers (${options.workers})`);
    }
    const latest = new Map<number, BenchProgress>();
    const total = options.durationMs > 0 ? null : options.requests;
    const [rt, progress] = await Promise.all([
      import('../../bench/runtime.js'),
      io.isTTY ? import('../../report/bench-progress.js') : undefined,
    ]);
    const onProgress = progress
      ? (p: BenchProgress, worker: number) => {
          latest.set(worker, p);
          if (worker !== 0 && latest.size < options.workers) return;
          const all = [...latest.values()];
          const sum = all.reduce((a, b) => ({ ...a, done: a.done + b.done, recentRequests: a.recentRequests + b.recentRequests, recentP99: Math.max(a.recentP99, b.recentP99) }));
          io.stderr.write(progress.renderBenchProgress(sum, total));
        }
      : undefined;
    if (options.logFile !== undefined) {
      // Like h2load, a fresh file per run; the engines (one per worker) append to it.
      try {
        writeFileSync(options.logFile, '');
      } catch (err) {
        throw fileFlagError('--log-file', 'write', options.logFile, err);
      }
    }
    if (extras.findMaxRate) return (await import('./bench-find-max-rate.js')).runFindMaxRate(options, extras.findMaxRate, json, io, signal);
    // Issue 18's options load their modules only when given: a plain run pays for none of them.
    const pusher = extras.prometheus ? (await import('./bench-remote-write.js')).startRemoteWrite(extras.prometheus, io) : undefined;
    const run = await rt.runBench(options, { onProgress, onLive: pusher?.onLive }, signal);
    if (io.isTTY) io.stderr.write('\r\x1b[K');
    await pusher?.finish(run.recorder);
    const result = rt.buildBenchResult(options, run.recorder, run.selfCheck, run.error, run.aborted, run.startedAtMs);
    if (json || out !== undefined) rt.addPortableHistograms(result, run.recorder);
    if (extras.thresholds.length > 0) result.thresholds = rt.evaluateThresholds(extras.thresholds, result);
    const completed = result.requests.total > 0;
    if (completed || !run.error) {
      if (json) io.stdout.write(renderBenchJson(result));
      else {
        const [{ renderBenchText }, { createStyle }] = await Promise.all([import('../../report/bench-text.js'), import('../../report/style.js')]);
        io.stdout.write(renderBenchText(result, createStyle(io.isTTY)));
      }
      if (out !== undefined) {
        try {
          writeFileSync(out, renderBenchJson(result));
        } catch (err) {
          throw fileFlagError('--out', 'write', out, err);
        }
      }
    }
    if (run.error) throw run.error;
    return run.aborted || result.thresholds?.some((t) => !t.ok) ? 1 : 0;
  },
};
