import type { ClientProfileName } from './client-profile.js';
import { consistencyTitles } from './consistency/constants.js';
/**
 * The lab's scenarios: the incident and its fixes, as data. The runner turns each spec into
 * real processes-in-one (services, chaos proxies, load), so every number comes from a
 * mechanism: pushed bytes over a bandwidth-limited link, TLS handshakes, injected faults.
 */
// `fixed` runs before `push-abuse`, beside `healthy`, so the two P99s compared by a target are
// measured under the same conditions: after push-abuse the process is still collecting its
// garbage (50 MiB pushed, hundreds of abandoned TLS connections), which landed in fixed's tail.
export const scenarioNames = [
  'healthy',
  'fixed',
  'push-abuse',
  'inventory-spike',
  'inventory-spike-protected',
  'zone-failover',
  'keepalive-aligned',
  'keepalive-storm',
  'dual-write',
  'wal-reconciled',
] as const;
export type ScenarioName = (typeof scenarioNames)[number];

export interface ScenarioSpec {
  name: ScenarioName;
  /** One line for the table. */
  title: string;
  /** Static assets order pushes before each API response. */
  pushAssets: number;
  /** h2doctor/server push guard on the order service. */
  pushGuard: 'allow' | 'deny';
  /** Client connections are closed after this many requests (0 = reused for the whole run). */
  requestsPerConnection: number;
  /** Order's server idle timeout, ms. */
  serverIdleTimeoutMs: number;
  /** How order calls inventory. */
  inventoryCaller: 'naive' | 'protected' | 'failover' | 'grpc';
  /** Latency fault on this share of order→inventory connections (0 = none). */
  inventorySpike: number;
  /** Freeze zone a (SIGSTOP) this far into the run (share of the run's requests, 0 = never). */
  killZoneAt: number;
  /** Which real client the load generator behaves as (client-profile.ts); default `bench`. */
  clients?: ClientProfileName;
  /** gRPC keep-alive interval of order's channels to inventory, ms (`inventoryCaller: 'grpc'`, src/lab/keepalive). */
  grpcKeepaliveMs?: number;
}

/** Sizes that set how long the lab runs. */
export interface LabSize {
  /** Requests per load scenario. */
  requests: number;
  /** Requests in the inventory-spike scenarios (slow calls take seconds each). */
  spikeRequests: number;
  /** Requests in the zone-failover scenario. */
  failoverRequests: number;
  /** Client connections × streams per connection. */
  connections: number;
  streams: number;
  /**
   * Requests of an unmeasured healthy pass before the first scenario: JIT warm-up would
   * otherwise land in whichever scenario runs first.
   */
  warmupRequests: number;
  /** `okhttp` clients: devices (one connection each) × calls in flight per device. */
  devices: number;
  callsPerDevice: number;
  /** Requests with `okhttp` clients: without push (healthy, fixed), and in push-abuse. */
  clientRequests: number;
  pushRequests: number;
  /** `healthy` and `fixed` run in this many alternating segments, pooled (segments.ts). */
  pairSegments: number;
  /**
   * Keep-alive scenarios: how long the load runs in the storm and in aligned, ms, at
   * `keepaliveRate` requests/s (open loop). The storm's first cut comes about 4 s in (PINGs at
   * 1, 2, 3, 4 s; the third strike closes), so its load runs past that.
   */
  keepaliveMs: number;
  keepaliveAlignedMs: number;
  keepaliveRate: number;
}

export const fullSize: LabSize = { requests: 3000, spikeRequests: 400, failoverRequests: 6000, connections: 8, streams: 8, warmupRequests: 1000, devices: 32, callsPerDevice: 2, clientRequests: 10000, pushRequests: 400, pairSegments: 3, keepaliveMs: 12_000, keepaliveAlignedMs: 6000, keepaliveRate: 400 };
export const quickSize: LabSize = { requests: 600, spikeRequests: 64, failoverRequests: 1500, connections: 8, streams: 8, warmupRequests: 300, devices: 32, callsPerDevice: 2, clientRequests: 6000, pushRequests: 200, pairSegments: 2, keepaliveMs: 5000, keepaliveAlignedMs: 3000, keepaliveRate: 400 };

/** The incident's numbers that shape the lab: pushed asset size, link, spike. */
export const labConstants = {
  /** Each pushed static asset (the incident pushed JS/CSS bundles). */
  assetBytes: 32 * 1024,
  /** Assets pushed per API response in push-abuse. */
  pushedAssets: 3,
  /** The WAN between clients and order. */
  wanBandwidth: '45mbit',
  /** Latency added to a spiking order→inventory connection. */
  spikeMs: 3000,
  /** Share of order→inventory connections that spike. */
  spikeShare: 0.15,
  /** Order's idle timeout: above any client's, so the server never closes a connection in use. */
  alignedServerIdleMs: 120_000,
  /** Inventory's keep-alive minimum (grpc-go's and C-core's default, 5 min) and the storm's PING interval (the misconfiguration). */
  grpcMinPingMs: 300_000,
  stormPingMs: 1000,
  /** Order replicas in the keep-alive scenarios, each with its own gRPC channel to inventory. */
  orderReplicas: 4,
} as const;

const base = {
  pushAssets: 0,
  pushGuard: 'allow',
  requestsPerConnection: 0,
  serverIdleTimeoutMs: labConstants.alignedServerIdleMs,
  inventoryCaller: 'protected',
  inventorySpike: 0,
  killZoneAt: 0,
} as const satisfies Omit<ScenarioSpec, 'name' | 'title'>;

export const scenarios: Record<ScenarioName, ScenarioSpec> = {
  healthy: { ...base, name: 'healthy', title: 'OkHttp clients, reused connections, no push', clients: 'okhttp' },
  'push-abuse': {
    ...base,
    name: 'push-abuse',
    title: `${labConstants.pushedAssets} × 32 KiB pushed before every API response to the same OkHttp clients`,
    pushAssets: labConstants.pushedAssets,
    clients: 'okhttp',
  },
  fixed: {
    ...base,
    name: 'fixed',
    title: 'handler still pushes; the push guard refuses; same OkHttp clients',
    pushAssets: labConstants.pushedAssets,
    pushGuard: 'deny',
    clients: 'okhttp',
  },
  'inventory-spike': {
    ...base,
    name: 'inventory-spike',
    title: `${labConstants.spikeMs} ms on ${labConstants.spikeShare * 100} % of order→inventory connections, naive client`,
    inventoryCaller: 'naive',
    inventorySpike: labConstants.spikeShare,
  },
  'inventory-spike-protected': {
    ...base,
    name: 'inventory-spike-protected',
    title: 'same faults; h2doctor/client with deadline, fallback, a tuned breaker and a derived hedge delay',
    inventoryCaller: 'protected',
    inventorySpike: labConstants.spikeShare,
  },
  'zone-failover': {
    ...base,
    name: 'zone-failover',
    title: 'zone a frozen (SIGSTOP) mid-run; order fails over to zone b',
    inventoryCaller: 'failover',
    killZoneAt: 0.4,
  },
  'keepalive-aligned': {
    ...base,
    name: 'keepalive-aligned',
    title: `order → inventory over gRPC; order's keep-alive at inventory's ${labConstants.grpcMinPingMs / 60_000} min minimum`,
    inventoryCaller: 'grpc',
    grpcKeepaliveMs: labConstants.grpcMinPingMs,
  },
  'keepalive-storm': {
    ...base,
    name: 'keepalive-storm',
    title: `same, but order's channels ping every ${labConstants.stormPingMs / 1000} s; inventory enforces grpc-go's default policy`,
    inventoryCaller: 'grpc',
    grpcKeepaliveMs: labConstants.stormPingMs,
  },
  // Consistency scenarios (src/lab/consistency): their own processes and databases; the load fields are unused.
  'dual-write': { ...base, name: 'dual-write', title: consistencyTitles['dual-write'] },
  'wal-reconciled': { ...base, name: 'wal-reconciled', title: consistencyTitles['wal-reconciled'] },
};

/** Parses `--only a,b` into scenario names, in lab order. */
export function selectScenarios(only: string[] | undefined): ScenarioName[] {
  if (!only || only.length === 0) return [...scenarioNames];
  return scenarioNames.filter((n) => only.includes(n));
}
