import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanFacts } from '../clean-facts.js';
import type { ProbeFacts } from '../../probe/facts.js';
import type { GrpcFacts } from '../../probe/grpc-facts.js';
import { diagnose } from '../diagnose.js';
import { grpcKeepaliveRejectedRule } from './grpc-keepalive-rejected.js';
import { grpcHealthNotServingRule } from './grpc-health-not-serving.js';
import { grpcHealthUnimplementedRule } from './grpc-health-unimplemented.js';
import { grpcCallErrorsRule } from './grpc-call-errors.js';
import { grpcConnectionAgeRule } from './grpc-connection-age.js';
import { noGrpcRule } from './no-grpc.js';
import { grpcDetectedRule } from './grpc-detected.js';

/** The clean facts as a healthy gRPC server gives them: 20 OK health Checks. */
function grpcFacts(change: (g: GrpcFacts, f: ProbeFacts) => void = () => {}): ProbeFacts {
  const f = cleanFacts();
  for (const r of f.requests) r.grpc = { code: 0, status: 'OK', message: '', source: 'trailers', messages: 1, isGrpc: true };
  f.grpc = {
    mode: 'flag', detectedBy: null, notGrpc: null, method: '/grpc.health.v1.Health/Check',
    health: { service: '', status: 'SERVING', grpcStatus: 'OK', message: '', ms: 1 },
    reflection: { version: 'v1', services: ['grpc.health.v1.Health'], error: null },
    statusCounts: { OK: 20 },
    keepalive: { pingsSent: 5, pingsAcked: 5, intervalMs: 1000, rejected: false, goaway: null, closedWithoutGoaway: false, durationMs: 5000 },
    watch: null,
  };
  change(f.grpc, f);
  return f;
}

test('a healthy gRPC server gets no finding', () => {
  assert.deepEqual(diagnose(grpcFacts()), []);
});

test('grpc-keepalive-rejected: only for ENHANCE_YOUR_CALM, with the debug data', () => {
  const goaway = { errorCode: 0xb, lastStreamId: 0, debugData: 'too_many_pings', afterPings: 4, afterMs: 3000 };
  const f = grpcKeepaliveRejectedRule.check(grpcFacts((g) => { g.keepalive = { ...g.keepalive!, rejected: true, goaway, pingsSent: 4 }; }))!;
  assert.equal(f.severity, 'warn');
  assert.match(f.evidence[0]!, /ENHANCE_YOUR_CALM\(0xb\).*"too_many_pings" after 4 PING\(s\) 1000 ms apart/);
  assert.equal(grpcKeepaliveRejectedRule.check(grpcFacts((g) => { g.keepalive = { ...g.keepalive!, goaway: { ...goaway, errorCode: 0, debugData: 'max_age' } }; })), null);
});

test('health rules', () => {
  assert.equal(grpcHealthNotServingRule.check(grpcFacts((g) => { g.health!.status = 'NOT_SERVING'; }))!.severity, 'error');
  assert.equal(grpcHealthUnimplementedRule.check(grpcFacts((g) => { g.health!.status = 'UNIMPLEMENTED'; }))!.severity, 'info');
  assert.equal(grpcHealthNotServingRule.check(grpcFacts()), null);
});

test('grpc-call-errors: warn for some, error for most, counts by status name', () => {
  const some = grpcFacts((g, f) => {
    for (const r of f.requests.slice(0, 3)) r.grpc = { code: 14, status: 'UNAVAILABLE', message: 'drain', source: 'trailers', messages: 0, isGrpc: true };
    g.statusCounts = { OK: 17, UNAVAILABLE: 3 };
  });
  const w = grpcCallErrorsRule.check(some)!;
  assert.equal(w.severity, 'warn');
  assert.deepEqual(w.evidence, ['UNAVAILABLE 3', '3× UNAVAILABLE: drain']);
  const most = grpcFacts((g, f) => {
    for (const r of f.requests.slice(0, 11)) r.grpc = { code: 4, status: 'DEADLINE_EXCEEDED', message: '', source: 'trailers', messages: 0, isGrpc: true };
    g.statusCounts = { OK: 9, DEADLINE_EXCEEDED: 11 };
  });
  assert.equal(grpcCallErrorsRule.check(most)!.severity, 'error');
  // Not gRPC at all: no-grpc says it, not this rule.
  assert.equal(grpcCallErrorsRule.check(grpcFacts((g, f) => { g.notGrpc = 'x'; f.requests[0]!.grpc!.code = 2; })), null);
});

test('grpc-connection-age: info when graceful, warn when abrupt or a call was lost', () => {
  const watch = { watchedMs: 3000, connections: 3, serverCloses: 2, goaways: [{ connection: 4, atMs: 1000, errorCode: 0, lastStreamId: 2 ** 31 - 1, debugData: 'max_age' }], graceful: true, closesWithoutGoaway: 0, calls: 500, lost: 0, unprocessed: 1, lostReasons: [] };
  assert.equal(grpcConnectionAgeRule.check(grpcFacts((g) => { g.watch = watch; }))!.severity, 'info');
  assert.equal(grpcConnectionAgeRule.check(grpcFacts((g) => { g.watch = { ...watch, graceful: false }; }))!.severity, 'warn');
  const lost = grpcConnectionAgeRule.check(grpcFacts((g) => { g.watch = { ...watch, lost: 2, lostReasons: ['connection 4 stream 9: connection closed before the response'] }; }))!;
  assert.equal(lost.severity, 'warn');
  assert.match(lost.title, /losing 2 call\(s\)/);
  assert.equal(grpcConnectionAgeRule.check(grpcFacts((g) => { g.watch = { ...watch, serverCloses: 0, goaways: [], graceful: null }; })), null);
});

test('no-grpc only with --grpc; grpc-detected only when detected', () => {
  assert.equal(noGrpcRule.check(grpcFacts((g) => { g.notGrpc = 'answered with :status 200, content-type text/html'; }))!.severity, 'error');
  assert.equal(noGrpcRule.check(grpcFacts((g) => { g.notGrpc = 'x'; g.mode = 'detected'; })), null);
  assert.equal(grpcDetectedRule.check(grpcFacts()), null);
  assert.equal(grpcDetectedRule.check(grpcFacts((g) => { g.mode = 'detected'; g.detectedBy = 'content-type application/grpc'; }))!.severity, 'info');
});
