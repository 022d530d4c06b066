import { startChaos } from '../../chaos/index.js';
import type { LabPki } from '../certs.js';
import type { InventoryCaller } from '../order.js';
import { grpcInventoryCaller, type GrpcCaller } from './grpc-caller.js';
import { encodeStockRequest, GET_STOCK, startGrpcInventory, type GrpcInventory } from './grpc-inventory.js';
import type { KeepaliveEvidence } from './evidence.js';

/**
 * The keep-alive scenarios' order → inventory path: the gRPC inventory behind the same kind of
 * TCP proxy the other scenarios cross, and order's `replicas` channels to it, each an
 * h2doctor/client of its own (one per order replica, as a deployment of N pods has N gRPC
 * channels, each with its own keep-alive interval to double). Order spreads its calls over
 * them round-robin.
 */
export interface KeepaliveRig {
  call: InventoryCaller;
  /** The inventory's address through the proxy (the probe's target). */
  inventoryUrl: string;
  /** The probe's gRPC call: GetStock. */
  probeCall: { path: string; message: Uint8Array };
  evidence(loadMs: number): KeepaliveEvidence;
  close(): Promise<void>;
}

export interface KeepaliveRigOptions {
  pki: LabPki;
  seed: number;
  /** The channels' keep-alive interval, ms, and whether they PING with no call open. */
  keepaliveTimeMs: number;
  permitWithoutCalls: boolean;
  replicas: number;
}

export async function startKeepaliveRig(options: KeepaliveRigOptions): Promise<KeepaliveRig> {
  const inventory: GrpcInventory = await startGrpcInventory(options.pki);
  const proxy = await startChaos({ upstream: `127.0.0.1:${inventory.port}`, listen: '127.0.0.1:0', faults: [], seed: options.seed }).catch(async (err) => {
    await inventory.close();
    throw err;
  });
  const url = `https://127.0.0.1:${new URL(proxy.url).port}`;
  const channels: GrpcCaller[] = Array.from({ length: options.replicas }, () =>
    grpcInventoryCaller({ url, ca: options.pki.rootCert, keepaliveTimeMs: options.keepaliveTimeMs, permitWithoutCalls: options.permitWithoutCalls, timeoutMs: 2000 }));
  let next = 0;
  const call: InventoryCaller = (sku) => channels[next++ % channels.length]!.call(sku);
  return {
    call,
    inventoryUrl: url,
    probeCall: { path: GET_STOCK, message: encodeStockRequest('sku-7') },
    evidence(loadMs) {
      const server = inventory.stats();
      const clients = channels.map((c) => c.client.stats());
      const sum = (f: (s: (typeof clients)[number]) => number) => clients.reduce((n, s) => n + f(s), 0);
      return {
        replicas: options.replicas,
        keepaliveTimeMs: options.keepaliveTimeMs,
        finalTimeMs: Math.max(...clients.map((s) => s.keepalive?.timeMs ?? 0)),
        serverMinTimeMs: inventory.policy.minTimeMs,
        pingsReceived: server.keepalive.pingsReceived,
        strikes: server.keepalive.strikes,
        tooManyPingsGoaways: server.keepalive.tooManyPingsGoaways,
        clientGoaways: sum((s) => s.keepalive?.tooManyPingsGoaways ?? 0),
        connections: server.connections,
        reconnects: sum((s) => s.endpoints[0]?.sessionsOpened ?? 0) - options.replicas,
        transparentRetries: sum((s) => s.transparentRetries),
        grpcRetries: sum((s) => s.grpcRetries),
        failedCalls: channels.reduce((n, c) => n + c.failed(), 0),
        calls: server.calls,
        loadMs,
      };
    },
    async close() {
      await Promise.all(channels.map((c) => c.client.close({ graceMs: 0 }).catch(() => {})));
      await proxy.close().catch(() => {});
      await inventory.close();
    },
  };
}
