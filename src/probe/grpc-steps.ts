/**
 * The gRPC steps of the probe, run after the requests when `--grpc` is given or the answers
 * were `application/grpc`: health Check and reflection on a fresh connection, the calls again
 * as gRPC calls when gRPC was only detected, keep-alive enforcement on its own connection (in
 * parallel: it only waits), and, with `--watch`, connection age.
 */
import { DEFAULT_MAX_MESSAGE_BYTES } from '../grpc/message-frame.js';
import { HEALTH_CHECK_METHOD } from '../grpc/health.js';
import { isGrpcContentType } from '../grpc/request-headers.js';
import { ConnectionClosedError } from '../errors.js';
import type { ConnectionContext, ProbeConnection } from './connection.js';
import { openConnection } from './connection.js';
import type { ProbeFacts, RequestFacts } from './facts.js';
import type { GrpcFacts } from './grpc-facts.js';
import { grpcProbeCallSpec, type GrpcProbeOptions } from './grpc-call-spec.js';
import { checkHealth, listServices } from './grpc-discovery.js';
import { checkKeepalive } from './grpc-keepalive.js';
import { watchConnectionAge } from './grpc-watch.js';
import { runRequests, type RequestPlan } from './requests.js';

export type { GrpcProbeOptions } from './grpc-call-spec.js';

/**
 * Why the plain requests suggest gRPC, or null: an answer with content-type application/grpc*
 * (certain), or hints a gRPC health Check then confirms: HTTP 415 (grpc-js answers a call
 * without application/grpc that way, with no content-type at all) or a path shaped like
 * /pkg.Service/Method.
 */
export function grpcHint(requests: readonly RequestFacts[], url: URL): { reason: string; certain: boolean } | null {
  const ct = requests.find((r) => isGrpcContentType(r.contentType))?.contentType;
  if (ct) return { reason: `the plain requests were answered with content-type ${ct}`, certain: true };
  if (requests.some((r) => r.status === 415)) return { reason: 'the plain requests were answered 415 Unsupported Media Type, and a gRPC health Check was answered in gRPC', certain: false };
  if (/^\/[\w.]+\.[\w]+\/\w+$/.test(url.pathname)) return { reason: `the path ${url.pathname} names a gRPC method, and a gRPC health Check was answered in gRPC`, certain: false };
  return null;
}

/** Calls by grpc-status name. Calls that never reached the server (no connection) are not counted here: they are in requests.failed. */
export function statusCounts(requests: readonly RequestFacts[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of requests) if (r.grpc) counts[r.grpc.status] = (counts[r.grpc.status] ?? 0) + 1;
  return counts;
}

/** gRPC facts for a server the probe could not speak gRPC to at all (no HTTP/2). */
export function notGrpcFacts(options: GrpcProbeOptions, why: string): GrpcFacts {
  return { mode: 'flag', detectedBy: null, notGrpc: why, method: options.call?.path ?? HEALTH_CHECK_METHOD, health: null, reflection: null, statusCounts: {}, keepalive: null, watch: null };
}

export interface GrpcStepsContext {
  ctx: ConnectionContext;
  facts: ProbeFacts;
  /** Every connection the probe opened; the steps add theirs. */
  opened: ProbeConnection[];
  /** --grpc options, or null when gRPC was detected. */
  options: GrpcProbeOptions | null;
  plan: RequestPlan;
  /** Times a step into facts.timings. */
  timed<T>(step: string, fn: () => Promise<T>): Promise<T>;
  /** Like timed, but a failure becomes a stepError and null. */
  optional<T>(step: string, fn: () => Promise<T>): Promise<T | null>;
}

export async function runGrpcSteps(s: GrpcStepsContext, signal?: AbortSignal): Promise<void> {
  const { ctx, facts, opened } = s;
  const options = s.options ?? {};
  const hint = s.options ? null : grpcHint(facts.requests, ctx.url);
  if (!s.options && !hint) return;
  const maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  const spec = grpcProbeCallSpec(ctx.url, options, ctx.timeoutMs);
  const grpc: GrpcFacts = { mode: s.options ? 'flag' : 'detected', detectedBy: hint?.reason ?? null, notGrpc: null, method: spec.path, health: null, reflection: null, statusCounts: {}, keepalive: null, watch: null };
  facts.grpc = grpc;
  // Connections open asynchronously (keep-alive in parallel): number them as they are asked for.
  let lastIndex = opened.length;
  const nextIndex = () => ++lastIndex;

  // Keep-alive runs on its own connection while the other steps use theirs (once gRPC is certain).
  const pings = options.keepalivePings ?? 5;
  // Stopped early when the server turns out not to speak gRPC.
  const stopKeepalive = new AbortController();
  const keepaliveSignal = signal ? AbortSignal.any([signal, stopKeepalive.signal]) : stopKeepalive.signal;
  const startKeepalive = () => pings > 0
    ? s.optional('grpc keepalive', () => checkKeepalive(ctx, { pings, intervalMs: options.keepaliveIntervalMs ?? 1000, index: nextIndex(), onOpen: (c) => opened.push(c) }, keepaliveSignal))
    : Promise.resolve(null);
  let keepalive = hint?.certain === false ? null : startKeepalive();
  const discovery = await s.optional('grpc health', async () => {
    const conn = await openConnection(ctx, { index: nextIndex(), purpose: 'grpc', enablePush: false }, signal);
    opened.push(conn);
    try {
      const dctx = { url: ctx.url, clock: ctx.clock, timeoutMs: ctx.timeoutMs, maxMessageBytes };
      const h = await checkHealth(conn, dctx, options.service ?? '', signal);
      grpc.health = h.health;
      grpc.notGrpc = h.notGrpc;
      if (!h.notGrpc) grpc.reflection = await listServices(conn, dctx, signal);
    } finally {
      await conn.close();
    }
    return true;
  });
  if (grpc.notGrpc || !discovery) {
    stopKeepalive.abort();
    await keepalive; // let it close cleanly; its result means nothing for a non-gRPC server
    // Only a hint, and the server did not answer in gRPC: it is not a gRPC server, stay in plain mode.
    if (hint && !hint.certain) delete facts.grpc;
    return;
  }
  keepalive ??= startKeepalive();

  if (hint) {
    // The plain requests proved nothing about gRPC: send the calls again, as gRPC calls. Their
    // connections are history now, and must not count as churn of the calls.
    for (const c of opened) if (c.purpose === 'requests') c.purpose = 'grpc-detect';
    let current: ProbeConnection | null = null;
    const mine: ProbeConnection[] = [];
    const limit = s.plan.total + 2;
    let count = 0;
    const source = {
      current: async (sig?: AbortSignal): Promise<ProbeConnection> => {
        if (current && !current.closing) return current;
        if (++count > limit) throw new ConnectionClosedError(`the server ended ${limit} connections during ${s.plan.total} calls; giving up`);
        const c = await openConnection(ctx, { index: nextIndex(), purpose: 'requests', enablePush: false }, sig);
        opened.push(c);
        mine.push(c);
        current = c;
        return c;
      },
    };
    try {
      facts.requests = await s.timed('grpc calls', () => runRequests(source, spec, s.plan, ctx.clock, signal));
    } finally {
      await Promise.all(mine.map((c) => c.close()));
    }
  }
  grpc.statusCounts = statusCounts(facts.requests);
  grpc.keepalive = await keepalive;

  if ((options.watchMs ?? 0) > 0) {
    grpc.watch = await s.optional('grpc watch', () => watchConnectionAge(ctx, spec, {
      watchMs: options.watchMs!, inFlight: 2, gapMs: 5, timeoutMs: ctx.timeoutMs, nextIndex, onOpen: (c) => opened.push(c),
    }, ctx.clock, signal));
  }
}
