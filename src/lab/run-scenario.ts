import type http2 from 'node:http2';
import { monotonicClock } from '../clock.js';
import { ConfigError } from '../errors.js';
import { startChaos, type ChaosProxy } from '../chaos/index.js';
import { instrument } from '../server/index.js';
import { resolveBenchOptions } from '../bench/options.js';
import { runBench } from '../bench/run.js';
import { buildBenchResult, type BenchResult } from '../bench/result.js';
import { addPortableHistograms } from '../bench/portable-histograms.js';
import type { ConnectionRecord, Counters } from '../bench/recorder.js';
import { runProbe } from '../probe/probe.js';
import { diagnose } from '../diagnose/diagnose.js';
import type { Finding } from '../diagnose/finding.js';
import { deriveBreakerOptions } from '../client/breaker-tuning.js';
import { deriveHedgeOptions } from '../client/hedge-tuning.js';
import { failoverClientSettings, freezeZoneWhen, startFailoverZones, type FailoverZones } from './zone-failover.js';
import type { LabPki } from './certs.js';
import { startInventory, type InventoryService } from './inventory.js';
import { startOrder, type InventoryCaller, type OrderService, type OrderStats } from './order.js';
import { naiveInventoryCaller } from './naive-inventory.js';
import { protectedInventoryCaller, type ProtectedCaller } from './protected-inventory.js';
import { clientOptions, okhttpRequests } from './client-profile.js';
import { startKeepaliveRig, type KeepaliveRig } from './keepalive/rig.js';
import type { GrpcProbeOptions } from '../probe/grpc-call-spec.js';
import type { KeepaliveEvidence } from './keepalive/evidence.js';
import { labConstants, type LabSize, type ScenarioSpec } from './scenarios.js';
import { flameScenarios, slowestInstrumentOptions, SlowestCapture, type SlowestRequest } from './slowest-request.js';

/** What healthy measured about order→inventory calls; the protected scenario is tuned from it. */
export interface Calibration {
  /** Inventory call latencies in healthy, ms. */
  inventoryLatenciesMs: number[];
  /** Inventory calls per second in healthy. */
  inventoryCallsPerSecond: number;
}

/** Everything one scenario measured. Latencies in ms, as the clients saw them. */
export interface ScenarioMeasurement {
  spec: ScenarioSpec;
  bench: BenchResult;
  /** Latency percentile curve of the clients' requests: [percentile, ms]. */
  curve: [number, number][];
  order: OrderStats;
  /** Faults the chaos proxies applied, by kind (evidence). */
  faultsApplied: Record<string, number>;
  /** Bytes that crossed the WAN proxy toward the clients. */
  wanBytesDown: number;
  findings: Finding[];
  /** The load generator's raw counters (push, ping, window evidence) and its connections (timeline). */
  counters: Counters;
  connections: ConnectionRecord[];
  /** The clients' connection window and health-check interval (0: none), and how long the load ran, ms. */
  client: { windowBytes: number; pingIntervalMs: number; loadMs: number };
  /** Protected/failover caller facts. */
  breakerOpens?: number;
  fallbacks?: number;
  failoverMs?: number;
  /** Priority-level switches the client recorded. */
  clientFailovers?: number;
  /** Hedges the protected client sent and won, and requests it rescued from a dark endpoint. */
  hedges?: number;
  hedgesWon?: number;
  rescued?: number;
  /** Breaker settings derived from healthy, with the reasons. */
  breakerTuning?: { slowCallMs: number; minimumCalls: number; deadlineMs: number; reasons: string[]; hedgeDelayMs?: number };
  /** Healthy only: the calibration for later scenarios. */
  calibration?: Calibration;
  /** Scenarios in `flameScenarios`: order's slowest request of the load, with its CPU samples and frame timeline. */
  slowestRequest?: SlowestRequest;
  /** Keep-alive scenarios: PINGs, strikes, too_many_pings GOAWAYs, reconnects and retries on order → inventory. */
  keepalive?: KeepaliveEvidence;
  wallMs: number;
}

export interface RunScenarioOptions {
  spec: ScenarioSpec;
  size: LabSize;
  pki: LabPki;
  seed: number;
  calibration?: Calibration;
  /** Whether to probe the order service after the load (the probe's findings go in the report). */
  probe: boolean;
  /** Profile order in the `flameScenarios` and keep their slowest request (default true). */
  profile?: boolean;
  signal?: AbortSignal;
}

/** Where the HTML report's percentile curves are sampled. */
const curvePercentiles = [0, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.99, 100];

/** Milliseconds since `t0`, by the monotonic clock. */
const since = (t0: number) => monotonicClock.now() - t0;

/** The deadline for protected inventory calls: well above healthy's P99, far below a spike. */
function deadlineFrom(calibration: Calibration): { deadlineMs: number; tuning: ReturnType<typeof deriveBreakerOptions> } {
  const tuning = deriveBreakerOptions({
    latenciesMs: calibration.inventoryLatenciesMs,
    requestsPerSecond: Math.max(1, calibration.inventoryCallsPerSecond),
  });
  // A deadline at twice the breaker's slow-call threshold (itself P99 × 1.5, rounded up), at
  // least 100 ms: a healthy call is never cut, a call stuck behind a 3 s spike is.
  const deadlineMs = Math.max(100, Math.ceil(tuning.options.slowCallMs * 2));
  return { deadlineMs, tuning };
}

export async function runScenario(options: RunScenarioOptions): Promise<ScenarioMeasurement> {
  const { spec, size, pki, seed } = options;
  const t0 = monotonicClock.now();
  const closers: Array<() => Promise<void>> = [];
  try {
    const zoneA = await startInventory({ zone: 'a', pki });
    closers.push(() => zoneA.close());
    const zoneB = await startInventory({ zone: 'b', pki });
    closers.push(() => zoneB.close());

    // order → inventory goes through a chaos proxy: the faults of the spike scenarios live there.
    const inventoryFaults = spec.inventorySpike > 0 ? [`latency ${labConstants.spikeMs}ms:down@${spec.inventorySpike}`] : [];
    const invProxy = await startChaos({ upstream: `127.0.0.1:${zoneA.port}`, listen: '127.0.0.1:0', faults: inventoryFaults, seed });
    closers.push(() => invProxy.close());

    // Zone failover freezes zone a: its zones run as processes of their own.
    const zones = spec.killZoneAt > 0 ? await startFailoverZones(pki) : undefined;
    if (zones) closers.push(() => zones.close());
    // The keep-alive scenarios call a gRPC inventory of their own (src/lab/keepalive).
    const rig = spec.inventoryCaller === 'grpc' ? await startKeepaliveRig({ pki, seed, keepaliveTimeMs: spec.grpcKeepaliveMs ?? labConstants.grpcMinPingMs, permitWithoutCalls: spec.name === 'keepalive-storm', replicas: labConstants.orderReplicas }) : undefined;
    if (rig) closers.push(() => rig.close());
    const caller: BuiltCaller = rig ? { call: rig.call, close: async () => {} } : buildCaller(spec, options.calibration, pki, invProxy, zoneA, zoneB, zones);
    closers.push(() => caller.close());

    const slowest = options.profile !== false && flameScenarios.includes(spec.name) ? new SlowestCapture() : undefined;
    const order = await startOrder({
      pki,
      pushAssets: spec.pushAssets,
      assetBytes: labConstants.assetBytes,
      inventory: caller.call,
      idleTimeoutMs: spec.serverIdleTimeoutMs,
      decorate: (server: http2.Http2SecureServer) => {
        // The push guard's log lines would drown the lab's table; its counts are in the report.
        const doctor = instrument(server, { push: spec.pushGuard, log: () => {}, ...(slowest ? slowestInstrumentOptions : {}) });
        slowest?.watch(doctor);
        return { close: () => doctor.close({ graceMs: 0 }).then(() => undefined) };
      },
    });
    closers.push(() => order.close());

    // clients → order crosses the WAN: a bandwidth-limited link toward the clients.
    const wan = await startChaos({ upstream: `127.0.0.1:${order.port}`, listen: '127.0.0.1:0', faults: [`bandwidth ${labConstants.wanBandwidth},link=shared:down`], seed });
    closers.push(() => wan.close());

    const requests = spec.inventorySpike > 0 ? size.spikeRequests : spec.killZoneAt > 0 ? size.failoverRequests : spec.clients === 'okhttp' ? okhttpRequests(spec, size) : size.requests;
    const killer = zones ? freezeZoneWhen(order, zones.a, Math.floor(requests * spec.killZoneAt)) : undefined;
    const benchOptions = resolveBenchOptions({
      // TLS passes through the TCP proxy untouched: clients speak https to it.
      url: `https://127.0.0.1:${new URL(wan.url).port}/api/v1/order?id=42`,
      requests,
      ...clientOptions(spec.clients ?? 'bench', size),
      requestsPerConnection: spec.requestsPerConnection,
      ca: pki.rootCert,
      timeoutMs: 30_000,
      // Keep-alive scenarios: the same open-loop rate in both, so their P99s compare.
      ...(rig ? { durationMs: spec.name === 'keepalive-storm' ? size.keepaliveMs : size.keepaliveAlignedMs, rate: size.keepaliveRate } : {}),
    });
    const loadStart = monotonicClock.now();
    const run = await runBench(benchOptions, {}, options.signal);
    const loadMs = since(loadStart);
    slowest?.loadEnded();
    killer?.stop();
    const bench = addPortableHistograms(buildBenchResult(benchOptions, run.recorder, run.selfCheck, run.error, run.aborted, run.startedAtMs), run.recorder);
    // Read before the probe, whose own PINGs would add to inventory's counters.
    const keepalive = rig?.evidence(loadMs);

    let findings: Finding[] = [];
    if (options.probe) {
      const probe = await runProbe({ ...probeTarget(spec, order, rig), ca: [pki.rootCert], requests: 10, concurrency: 5, timeoutMs: 10_000 }, options.signal);
      findings = diagnose(probe.facts);
    }

    const faultsApplied: Record<string, number> = {};
    for (const stats of [invProxy.stats(), wan.stats()]) {
      for (const [kind, n] of Object.entries(stats.faults)) faultsApplied[kind] = (faultsApplied[kind] ?? 0) + n;
    }
    const wanRoute = Object.values(wan.stats().routes)[0];
    const measurement: ScenarioMeasurement = {
      spec,
      bench,
      curve: curvePercentiles.map((p) => [p, run.recorder.total.percentileMs(p)] as [number, number]),
      order: order.stats(),
      faultsApplied,
      wanBytesDown: wanRoute?.bytesDown ?? 0,
      findings,
      counters: { ...run.recorder.counters },
      connections: [...run.recorder.connections.values()],
      client: { windowBytes: benchOptions.windowSize, pingIntervalMs: benchOptions.pingIntervalMs, loadMs },
      wallMs: since(t0),
    };
    if (caller.protected) addClientMeasures(measurement, caller.protected, killer?.killedAt(), loadMs);
    if (keepalive) measurement.keepalive = keepalive;
    if (caller.tuning) measurement.breakerTuning = caller.tuning;
    if (slowest) measurement.slowestRequest = slowest.finish();
    return measurement;
  } finally {
    for (const close of closers.reverse()) await close().catch(() => {});
  }
}

/**
 * The storm is probed where it happens: inventory's gRPC endpoint. Its keep-alive check PINGs an
 * idle connection 500 ms apart (any gap under the 5 min minimum is a strike; 500 ms rather than
 * the storm's 1 s keeps the check, which waits for the GOAWAY, to about 1.5 s). The rest probe order.
 */
function probeTarget(spec: ScenarioSpec, order: OrderService, rig: KeepaliveRig | undefined): { url: string; grpc?: GrpcProbeOptions } {
  if (rig && spec.name === 'keepalive-storm') return { url: rig.inventoryUrl, grpc: { call: rig.probeCall, keepaliveIntervalMs: 500, keepalivePings: 5 } };
  return { url: `${order.url}/api/v1/order?id=7` };
}

/** What the protected caller saw: breaker opens, fallbacks, hedges, failover, the healthy calibration. */
function addClientMeasures(measurement: ScenarioMeasurement, caller: ProtectedCaller, killedAt: number | undefined, loadMs: number): void {
  const spec = measurement.spec;
  const stats = caller.client.stats();
  // Breaker and fallback counts matter where the scenario is about them.
  if (spec.inventorySpike > 0 || spec.killZoneAt > 0) {
    measurement.breakerOpens = stats.endpoints.reduce((n, e) => n + e.breaker.opens, 0);
    measurement.fallbacks = caller.fallbacks();
    measurement.hedges = stats.hedges;
    measurement.hedgesWon = stats.hedgesWon;
    measurement.rescued = stats.rescued;
  }
  if (spec.killZoneAt > 0) {
    // Failover measured end to end: from the moment zone a died to the first answer
    // order got from zone b (not the client's own bookkeeping).
    const firstB = caller.firstAnswerAt.get('b');
    if (killedAt !== undefined && firstB !== undefined) measurement.failoverMs = firstB - killedAt;
    measurement.clientFailovers = stats.failoverHistory.length;
  }
  if (spec.name === 'healthy') {
    measurement.calibration = {
      inventoryLatenciesMs: [...caller.latenciesMs],
      inventoryCallsPerSecond: caller.latenciesMs.length / Math.max(0.001, loadMs / 1000),
    };
  }
}

interface BuiltCaller {
  call: InventoryCaller;
  protected?: ProtectedCaller;
  tuning?: ScenarioMeasurement['breakerTuning'];
  close(): Promise<void>;
}

function buildCaller(
  spec: ScenarioSpec,
  calibration: Calibration | undefined,
  pki: LabPki,
  invProxy: ChaosProxy,
  zoneA: InventoryService,
  zoneB: InventoryService,
  zones: FailoverZones | undefined,
): BuiltCaller {
  const proxied = `https://127.0.0.1:${new URL(invProxy.url).port}`;
  if (spec.inventoryCaller === 'naive') {
    return { call: naiveInventoryCaller(proxied, pki.rootCert), close: async () => {} };
  }
  if (spec.inventoryCaller === 'failover') {
    // No fallback here: a failed inventory call fails the order, so failedRequests tells the truth.
    const p = protectedInventoryCaller({
      endpoints: [
        { url: zones?.a.url ?? zoneA.url, zone: 'a', priority: 0 },
        { url: zones?.b.url ?? zoneB.url, zone: 'b', priority: 1 },
      ],
      ca: pki.rootCert,
      ...failoverClientSettings,
      fallback: false,
      now: () => monotonicClock.now(),
    });
    return { call: p.call, protected: p, close: () => p.client.close({ graceMs: 500 }) };
  }
  let tuning: BuiltCaller['tuning'];
  let breaker;
  let hedge;
  let timeoutMs = 2000;
  if (spec.inventorySpike > 0) {
    if (!calibration || calibration.inventoryLatenciesMs.length < 20) {
      throw new ConfigError('inventory-spike-protected needs the latencies healthy measured (at least 20 inventory calls)');
    }
    const derived = deadlineFrom(calibration);
    timeoutMs = derived.deadlineMs;
    breaker = { ...derived.tuning.options, openMs: 1000, halfOpenCalls: 3 };
    // The hedge delay is derived from healthy's latencies as the breaker is.
    const hedging = deriveHedgeOptions({ latenciesMs: calibration.inventoryLatenciesMs, requestsPerSecond: Math.max(1, calibration.inventoryCallsPerSecond) }, { maxRate: SPIKE_HEDGE_RATE, maxHedges: 2 });
    hedge = hedging.options;
    tuning = {
      slowCallMs: derived.tuning.options.slowCallMs,
      minimumCalls: derived.tuning.options.minimumCalls,
      deadlineMs: derived.deadlineMs,
      hedgeDelayMs: hedging.options.delayMs,
      reasons: [...derived.tuning.reasons, ...hedging.reasons],
    };
  }
  const p = protectedInventoryCaller({
    endpoints: [{ url: proxied, zone: 'a', priority: 0 }],
    ca: pki.rootCert,
    timeoutMs,
    ...(breaker ? { breaker } : {}),
    ...(hedge ? { hedge } : {}),
    // Rotate sessions so the proxy's per-connection fault choice meets this client too.
    maxRequestsPerSession: spec.inventorySpike > 0 ? SPIKE_SESSION_REQUESTS : undefined,
    fallback: true,
    now: () => monotonicClock.now(),
  });
  return { call: p.call, protected: p, tuning, close: () => p.client.close({ graceMs: 500 }) };
}

/**
 * Share of inventory calls that may be hedged in the protected spike scenario. A spiking
 * connection holds every call on it until the client retires it (after two lost races), and
 * 15 % of connections spike, so hedges run above the library's 10 % default here.
 */
const SPIKE_HEDGE_RATE = 0.3;

/**
 * Requests per session before the protected client rotates it, so it still draws the proxy's
 * per-connection fault now and then. 20 (one new TLS connection every 20 calls at 64 calls in
 * flight) kept the pool permanently waiting for handshakes, which measured the churn rather
 * than the protection; 100 rotates 4 times in the full run.
 */
const SPIKE_SESSION_REQUESTS = 100;
