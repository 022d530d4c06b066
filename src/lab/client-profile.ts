import type { BenchOptions } from '../bench/options.js';
import type { LabSize } from './scenarios.js';

/**
 * Who the lab's load generator pretends to be. Each profile copies behaviour a named client
 * really has (sources in docs/lab.md), nothing invented:
 *
 * - `bench`: h2doctor bench's own defaults (reads pushes, 1 GiB windows, no health check).
 * - `okhttp`: OkHttp 4/5 as an Android or JVM app uses it, with `pingInterval` set:
 *   - it never sends SETTINGS_ENABLE_PUSH=0 (only INITIAL_WINDOW_SIZE), so servers may push;
 *     its default PushObserver.CANCEL answers each PUSH_PROMISE with RST_STREAM(CANCEL);
 *   - pushed DATA is read off the socket but never credited to the connection window
 *     (Http2Connection.pushDataLater has no updateConnectionFlowControl call);
 *   - 16 MiB stream and connection windows (OKHTTP_CLIENT_WINDOW_SIZE);
 *   - with pingInterval set, a PING whose pong has not arrived when the next PING is due
 *     fails the connection (Http2Connection's init block), and calls on it are retried on a
 *     new connection (`retryOnConnectionFailure`, default true).
 *   Many devices, each with its own connection and one or two calls in flight.
 */
export type ClientProfileName = 'bench' | 'okhttp';

/** The ping interval the lab's OkHttp clients are configured with (OkHttpClient.Builder.pingInterval). */
export const okhttpPingIntervalMs = 500;

/**
 * The call timeout the lab's OkHttp app sets (OkHttpClient.Builder.callTimeout; OkHttp's default
 * is 0, none): the whole call, retries on new connections included. Without one, a device whose
 * connections keep being abandoned retries the same call for ever.
 */
export const okhttpCallTimeoutMs = 3000;

/** Unmeasured load before measuring: the devices connect and the JIT warms. */
export const okhttpWarmupMs = 400;

/** OkHttp's OKHTTP_CLIENT_WINDOW_SIZE: 16 MiB. */
export const okhttpWindowBytes = 16 * 1024 * 1024;

export function clientOptions(profile: ClientProfileName, size: LabSize): Partial<BenchOptions> {
  if (profile === 'bench') return { connections: size.connections, streams: size.streams, push: 'accept' };
  return {
    connections: size.devices,
    streams: size.callsPerDevice,
    push: 'cancel',
    creditPushedData: false,
    windowSize: okhttpWindowBytes,
    pingIntervalMs: okhttpPingIntervalMs,
    callTimeoutMs: okhttpCallTimeoutMs,
    // 32 TLS handshakes at once are a start-up burst, not the steady state the scenarios compare.
    warmupMs: okhttpWarmupMs,
  };
}

/**
 * Requests for a scenario run by `okhttp` clients: enough that 32 connections kept for the
 * whole run still read as reuse ≥ 98 %, fewer where push makes every request slow.
 */
export function okhttpRequests(spec: { pushAssets: number; pushGuard: 'allow' | 'deny' }, size: LabSize): number {
  return spec.pushAssets > 0 && spec.pushGuard === 'allow' ? size.pushRequests : size.clientRequests;
}
