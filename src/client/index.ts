/**
 * `h2doctor/client`: a pooled HTTP/2 client with a slow-call-aware circuit breaker, a retry
 * budget, priority/zone failover and detection of unconsumed response bodies.
 */
export { createClient, H2Client } from './client.js';
export type { ClientOptions, RequestOptions, RequestWithFallback, RetryOptions, ClientStats, EndpointStats, ClientEvents, EjectionEvent } from './options.js';
export { ClientResponse } from './response.js';
export type { EndpointConfig } from './endpoint.js';
export type { PoolOptions, PoolStats } from './pool.js';
export type { RetireReason, SessionTlsOptions } from './session.js';
export type { HealthCheckOptions } from './health-check.js';
export type { HedgeOptions } from './hedge-policy.js';
export { OutlierDetector } from './outlier-detection.js';
export type { OutlierOptions, SuccessRateOptions, EjectionReason } from './outlier-detection.js';
export type { HostLookup, ResolvedAddress } from './name-resolution.js';
export type { BodyLeakEvent } from './body-leak.js';
export { CircuitBreaker } from './breaker.js';
export type { BreakerOptions, BreakerPermit, BreakerState, BreakerStateName, BreakerTransition } from './breaker.js';
export { CountSlidingWindow, TimeSlidingWindow, createSlidingWindow } from './sliding-window.js';
export type { CallOutcome, SlidingWindow, WindowSnapshot, WindowSpec } from './sliding-window.js';
export { RetryBudget } from './retry-budget.js';
export type { RetryBudgetOptions, RetryBudgetSnapshot } from './retry-budget.js';
export { backoffDelay, isIdempotentMethod, isRetryable, isUnprocessed } from './retry-policy.js';
export type { BackoffOptions } from './retry-policy.js';
export { EndpointSelector } from './endpoint-selection.js';
export type { EndpointCandidate, FailoverRecord } from './endpoint-selection.js';
export { deriveBreakerOptions } from './breaker-tuning.js';
export type { BreakerTuning, BreakerTuningOptions, LatencyProfile } from './breaker-tuning.js';
export { deriveHedgeOptions } from './hedge-tuning.js';
export type { HedgeTuning, HedgeTuningOptions } from './hedge-tuning.js';
export type { UnaryOptions, UnaryResult } from './grpc-unary.js';
export type { KeepaliveOptions, KeepaliveStats } from './keepalive.js';
export { GrpcStatusError } from '../errors.js';
export type { GrpcClientMetricsOptions } from './grpc-metrics.js';
