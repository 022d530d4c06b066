/**
 * h2doctor: the root export (the error hierarchy and the version). The libraries live at
 * subpaths: `h2doctor/codec` (RFC 9113 frames + RFC 7541 HPACK), `h2doctor/grpc` (gRPC messages,
 * status and health/reflection protobuf), `h2doctor/tap` (wire tap),
 * `h2doctor/server` (instrument a node:http2 server), `h2doctor/client` (pooled resilient
 * client), `h2doctor/chaos` (fault-injecting proxy), `h2doctor/bench` (load generator),
 * `h2doctor/probe` (probe a live service), `h2doctor/diagnose` (facts → findings) and
 * `h2doctor/consistency` (order/inventory consistency: WAL, relay, idempotent inventory, reconciler).
 */
export * from './errors.js';
export { h2ErrorName } from './codec/names.js';
export { version } from './version.js';
