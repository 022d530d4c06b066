/**
 * `h2doctor/server`: instrument a node:http2 server: push guard, connection health metrics,
 * slow-request capture, graceful close. See docs/server.md and docs/metrics.md.
 */
export { instrument } from './instrument.js';
export type { InstrumentOptions, ServerDoctor } from './instrument.js';
export { getTraceId, traceIdFromHeaders } from './trace.js';
export { recommendedSettings, recommendedIdleTimeoutMs } from './recommended-settings.js';
export { normaliseRoute, OTHER_ROUTE } from './route-label.js';
export type { RouteFunction, RouteRequest } from './route-label.js';
export type { PushOption, PushLimit, PushDenyReason } from './push-policy.js';
export type { SlowRequest, SlowRequestOptions } from './slow-requests.js';
export type { ProfileOptions, RequestProfile } from './profiler.js';
export type { ProfileFrame, TopFrame } from './profile-fold.js';
export type { DataWrite, RequestTimeline } from './stream-timeline.js';
export type { SpanIds } from './otel-span.js';
export type { ServerSnapshot } from './snapshot.js';
export type { LoopDelaySummary } from './runtime-pauses.js';
export type { GracefulCloseOptions, GracefulCloseResult } from './graceful-close.js';
export type { CompatHandler, CompatResponse } from './handlers.js';
export type { SessionCloseReason } from './stats.js';
export type { KeepalivePolicy, KeepaliveCounters } from './keepalive-policy.js';
export type { GrpcMethodType, GrpcServerMetricsOptions, GrpcServiceShape } from './grpc-metrics.js';
export { PushDeniedError } from '../errors.js';
