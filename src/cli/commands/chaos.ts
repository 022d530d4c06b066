import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Command } from '../command.js';
import type { CliIO } from '../io.js';
import { fileFlagError, parseFlags, readFlagFile, usageOf } from '../flags.js';
import { parseDuration } from '../../units.js';
import { ScenarioError, UsageError } from '../../errors.js';
import { faultKinds, parseFault, describeFault, type Fault } from '../../chaos/fault-spec.js';
import { parseScenario, type Scenario } from '../../chaos/scenario.js';
import { runScenario } from '../../chaos/scenario-runner.js';
import { startChaos, type ChaosProxy } from '../../chaos/start-chaos.js';
import { startToxiproxyApi, type ToxiproxyApi } from '../../chaos/toxiproxy-api.js';
import { formatFaultCounts } from '../../chaos/fault-log.js';
import { parseHostPort } from '../../chaos/route.js';

const usage = `Usage: h2doctor chaos --listen HOST:PORT --upstream HOST:PORT [faults] [options]
       h2doctor chaos --scenario FILE [options]
       h2doctor chaos --api 127.0.0.1:8474

A fault-injecting proxy: TCP faults, and HTTP/2 frame faults on h2c (or TLS terminated with
--tls-cert/--tls-key and re-encrypted upstream). Each fault value is VALUE[,key=value][:up|:down][@P]:
:up = client→server only, :down = server→client only, @P = on a fraction P of connections.

TCP faults:
  --latency 100ms[,jitter=20ms]     delay every chunk
  --bandwidth 1mbit                 limit the rate
  --stall p=0.15,ms=200             loss as TCP shows it: hold data for an RTO-shaped pause
  --reset-after 5s|64kb             reset both sides after a time or a byte count
  --blackhole [5s]                  swallow data (close after the time, if given)
  --slow-close 2s                   hold the FIN
  --slice 64[,variation=16,delay=1ms]  split chunks into small writes
  --limit-data 1mb                  close cleanly after a byte count
HTTP/2 frame faults:
  --rst-stream p=0.05,code=REFUSED_STREAM   reset streams to both peers
  --goaway-after 100|10s[,code=NO_ERROR]    GOAWAY to the client after N streams or a time
  --withhold-window-update p=0.5            drop WINDOW_UPDATE frames
  --delay-settings-ack 500ms                hold SETTINGS ACKs
  --drop-ping-ack p=1                       drop PING ACKs

Options:
  --listen HOST:PORT     where clients connect (repeat with --upstream for several routes)
  --upstream HOST:PORT   where to forward
  --scenario FILE        JSON routes and timed phases (see docs/chaos.md)
  --api HOST:PORT        serve the toxiproxy-compatible REST API (alone: start with no proxies)
  --seed N               seed of every random decision (default 1); same seed → same fault log
  --log FILE             write every applied fault as a JSON line
  --tls-cert FILE --tls-key FILE   terminate TLS (frame faults over TLS)
  --upstream-ca FILE     verify the TLS upstream with this CA (default: not verified)
  --duration 30s         stop after this long (default: until Ctrl-C)
  --json                 print events as JSON lines on stdout (listening, api, phase, stats)
`;

const faultFlags = Object.fromEntries(faultKinds.map((k) => [k, { type: 'string', multiple: true }])) as Record<
  string,
  { type: 'string'; multiple: true }
>;

const options = {
  ...faultFlags,
  listen: { type: 'string', multiple: true },
  json: { type: 'boolean' },
  upstream: { type: 'string', multiple: true },
  scenario: { type: 'string' },
  api: { type: 'string' },
  seed: { type: 'string' },
  log: { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  'upstream-ca': { type: 'string' },
  duration: { type: 'string' },
} as const;

/** `--blackhole` may stand alone: give it the value `on` when no value follows. */
function fillBareFlags(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    out.push(argv[i]!);
    if (argv[i] === '--blackhole') {
      const next = argv[i + 1];
      if (next === undefined || !/^[\d:@]/.test(next)) out.push('on');
    }
  }
  return out;
}

function readText(path: string, flag: string): string {
  return readFlagFile(path, flag).toString('utf8');
}

/** Parses the fault flags in the order given; a bad value is a UsageError (exit 2). */
function faultsFromFlags(values: Record<string, unknown>): Fault[] {
  const faults: Fault[] = [];
  for (const kind of faultKinds) {
    const list = (values[kind] as string[] | undefined) ?? [];
    list.forEach((text, i) => {
      try {
        faults.push(parseFault(kind, text, list.length > 1 ? `${kind}#${i + 1}` : kind));
      } catch (err) {
        if (err instanceof ScenarioError) throw new UsageError(err.message, { cause: err });
        throw err;
      }
    });
  }
  return faults;
}

function waitForStop(signal: AbortSignal, durationMs: number | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = durationMs === undefined ? undefined : setTimeout(resolve, durationMs);
    signal.addEventListener('abort', () => {
      if (timer) clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}

/** Writes one event: a `chaos: …` line, or with --json a JSON line `{ event, …data }`. */
type Emit = (event: string, text: string, data: Record<string, unknown>) => void;

function emitter(io: CliIO, json: boolean): Emit {
  return (event, text, data) => io.stdout.write(json ? `${JSON.stringify({ event, ...data })}\n` : `chaos: ${text}\n`);
}

function printRoutes(px: ChaosProxy, emit: Emit): void {
  for (const [name, r] of px.routes) {
    const faults = r.faults().faults;
    const label = name === r.listenAddress ? '' : ` (${name})`;
    emit('listening', `${r.listenAddress} → ${r.upstream}${label}: ${faults.map(describeFault).join('; ') || 'no faults'}`, {
      route: name, listen: r.listenAddress, upstream: r.upstream, faults: faults.map(describeFault),
    });
  }
}

export const command: Command = {
  usage,
  async run(argv, io, signal) {
    const { values } = parseFlags(fillBareFlags(argv), options, 0);
    const emit = emitter(io, values.json ?? false);
    const faults = faultsFromFlags(values);
    const listens = values.listen ?? [];
    const upstreams = values.upstream ?? [];
    if (listens.length > 0 && listens.length !== upstreams.length) {
      throw new UsageError(`give one --upstream per --listen (got ${listens.length} --listen, ${upstreams.length} --upstream)`);
    }
    usageOf(() => {
      for (const [flag, list] of [['--listen', listens], ['--upstream', upstreams]] as const) {
        for (const text of list) parseHostPort(text, flag);
      }
      if (values.api !== undefined) parseHostPort(values.api, '--api');
    });
    if (upstreams.length === 0 && values.scenario === undefined && values.api === undefined) {
      throw new UsageError('chaos: give --listen and --upstream, --scenario FILE, or --api ADDR');
    }
    if ((values['tls-cert'] === undefined) !== (values['tls-key'] === undefined)) {
      throw new UsageError('--tls-cert and --tls-key go together');
    }
    let seed: number | undefined;
    if (values.seed !== undefined) {
      if (!/^-?\d+$/.test(values.seed)) throw new UsageError(`--seed: '${values.seed}' is not an integer`);
      seed = Number(values.seed);
    }
    const durationMs = values.duration === undefined ? undefined : usageOf(() => parseDuration(values.duration!, '--duration'));
    const tls = values['tls-cert'] !== undefined
      ? {
          cert: readText(values['tls-cert'], '--tls-cert'), key: readText(values['tls-key']!, '--tls-key'),
          upstreamCa: values['upstream-ca'] === undefined ? undefined : readText(values['upstream-ca'], '--upstream-ca'),
        }
      : undefined;
    let scenario: Scenario | undefined;
    if (values.scenario !== undefined) scenario = parseScenario(readText(values.scenario, '--scenario'), values.scenario);

    let logStream: WriteStream | undefined;
    if (values.log !== undefined) {
      logStream = createWriteStream(values.log);
      try {
        await once(logStream, 'open');
      } catch (err) {
        throw fileFlagError('--log', 'write', values.log, err);
      }
    }
    const flagRoutes = upstreams.map((upstream, i) => ({ upstream, listen: listens[i], faults }));
    let px: ChaosProxy;
    let closeRun: () => Promise<void>;
    let api: ToxiproxyApi | undefined;
    try {
      if (scenario) {
        const run = await runScenario({ ...scenario, routes: [...scenario.routes.map((r) => ({ ...r, faults: [...r.faults, ...faults] })), ...flagRoutes] }, {
          seed, log: logStream, tls,
          onPhase: (e) => emit('phase', `phase ${e.phase} ${e.action === 'start' ? 'started' : 'ended'} at ${(e.elapsedMs / 1000).toFixed(1)}s`, { phase: e.phase, action: e.action, elapsedMs: e.elapsedMs }),
        }, signal);
        px = run.proxy;
        closeRun = () => run.close();
      } else {
        px = await startChaos({ routes: flagRoutes, seed, log: logStream, tls }, signal);
        closeRun = () => px.close();
      }
      if (values.api !== undefined) {
        api = await startToxiproxyApi(px, values.api, signal);
        emit('api', `toxiproxy API on ${api.url}`, { url: api.url });
      }
    } catch (err) {
      logStream?.end();
      throw err;
    }
    printRoutes(px, emit);
    try {
      await waitForStop(signal, durationMs);
    } finally {
      await api?.close();
      const stats = px.stats();
      await closeRun();
      emit('stats', formatFaultCounts(stats.connections, stats.faults), { connections: stats.connections, faults: stats.faults });
      if (logStream) await new Promise<void>((r) => logStream!.end(() => r()));
    }
    return 0;
  },
};
