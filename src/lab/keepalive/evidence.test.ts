import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keepaliveSentence, type KeepaliveEvidence } from './evidence.js';
import { keepaliveTargets } from './targets.js';
import type { ScenarioReport } from '../verdict.js';

const storm: KeepaliveEvidence = {
  replicas: 4, keepaliveTimeMs: 1000, finalTimeMs: 2000, serverMinTimeMs: 300_000, pingsReceived: 16, strikes: 12,
  tooManyPingsGoaways: 4, clientGoaways: 4, connections: 8, reconnects: 4, transparentRetries: 3, grpcRetries: 2, failedCalls: 0, calls: 2002, loadMs: 5000,
};
const aligned: KeepaliveEvidence = { ...storm, keepaliveTimeMs: 300_000, finalTimeMs: 300_000, pingsReceived: 0, strikes: 0, tooManyPingsGoaways: 0, clientGoaways: 0, connections: 4, reconnects: 0, transparentRetries: 0, grpcRetries: 0, calls: 2000 };

test('the storm sentence is every measured link, PINGs to P99', () => {
  const s = keepaliveSentence(storm, 42);
  for (const part of ['4 gRPC channels', '12 strikes in 16 PINGs', '4 GOAWAY ENHANCE_YOUR_CALM too_many_pings (8.0 per 10 s)', '3 calls not yet processed re-sent', '2 caught', '0 failed', '4 reconnects', '8 connections for 2002 calls', 'doubled their interval to 2.00 s', 'P99 42.0 ms']) {
    assert.ok(s.includes(part), `${part} in: ${s}`);
  }
});

test('aligned: no strikes, no GOAWAY, said with its numbers', () => {
  const s = keepaliveSentence(aligned, 7);
  assert.match(s, /0 PINGs, 0 strikes, 0 too_many_pings GOAWAYs, 4 connections carried 2000 calls, P99 7\.00 ms/);
});

const report = (name: 'keepalive-storm' | 'keepalive-aligned', k: KeepaliveEvidence, p99: number, findings: string[] = []) =>
  ({ name, keepalive: k, latency: { p50: 1, p99, p999: p99 }, findings: findings.map((id) => ({ id, severity: 'warn', title: id })) }) as unknown as ScenarioReport;

test('targets: GOAWAYs per 10 s, none when aligned, the probe finding, P99 ratio; each can fail', () => {
  const met = keepaliveTargets(report('keepalive-storm', storm, 30, ['grpc-keepalive-rejected']), report('keepalive-aligned', aligned, 10));
  assert.deepEqual(met.map((t) => t.met), [true, true, true, true]);
  const missed = keepaliveTargets(report('keepalive-storm', { ...storm, tooManyPingsGoaways: 1, loadMs: 12_000 }, 20), report('keepalive-aligned', { ...aligned, tooManyPingsGoaways: 1 }, 10));
  assert.deepEqual(missed.map((t) => t.met), [false, false, false, false]);
  assert.match(missed[3]!.measured, /2\.00×/);
});
