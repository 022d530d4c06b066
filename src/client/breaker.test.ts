import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../clock.js';
import { AbortError, BreakerOpenError, ConfigError } from '../errors.js';
import { CircuitBreaker, type BreakerTransition } from './breaker.js';

function call(b: CircuitBreaker, clock: ManualClock, failed: boolean, durationMs = 1): void {
  const p = b.acquire();
  clock.advance(durationMs);
  b.record(p, failed);
}

test('stays closed below minimumCalls, opens at the failure rate once it is reached', () => {
  const clock = new ManualClock();
  const b = new CircuitBreaker({ window: { calls: 10 }, failureRate: 0.5, minimumCalls: 4 }, clock);
  call(b, clock, true);
  call(b, clock, true);
  call(b, clock, true);
  assert.equal(b.state, 'closed', 'three failures are below minimumCalls 4');
  call(b, clock, false);
  assert.equal(b.state, 'open');
  assert.equal(b.opens, 1);
  assert.throws(() => b.acquire(), BreakerOpenError);
});

test('opens on the slow-call rate even when every call succeeds', () => {
  const clock = new ManualClock();
  const b = new CircuitBreaker({ window: { calls: 10 }, slowCallMs: 100, slowCallRate: 0.5, minimumCalls: 4 }, clock);
  call(b, clock, false, 50);
  call(b, clock, false, 150);
  call(b, clock, false, 50);
  assert.equal(b.state, 'closed');
  call(b, clock, false, 101);
  assert.equal(b.state, 'open');
});

test('open → half-open lazily after openMs; extra callers rejected at once; trials close it', () => {
  const clock = new ManualClock();
  const b = new CircuitBreaker({ window: { calls: 4 }, minimumCalls: 2, openMs: 1000, halfOpenCalls: 2 }, clock);
  call(b, clock, true);
  call(b, clock, true);
  assert.equal(b.state, 'open');
  clock.advance(999);
  assert.equal(b.state, 'open');
  clock.advance(1);
  assert.equal(b.state, 'half-open');
  const p1 = b.acquire();
  const p2 = b.acquire();
  assert.throws(() => b.acquire(), (err: unknown) => err instanceof BreakerOpenError && /trial permits/.test(err.message));
  b.record(p1, false);
  assert.equal(b.state, 'half-open', 'decides only when every trial finished');
  b.record(p2, false);
  assert.equal(b.state, 'closed');
});

test('a failed trial majority reopens; a released permit is handed out again', () => {
  const clock = new ManualClock();
  const b = new CircuitBreaker({ window: { calls: 4 }, minimumCalls: 2, openMs: 10, halfOpenCalls: 2, failureRate: 0.5 }, clock);
  call(b, clock, true);
  call(b, clock, true);
  clock.advance(10);
  const p1 = b.acquire();
  const p2 = b.acquire();
  b.release(p2);
  const p3 = b.acquire();
  b.record(p1, true);
  b.record(p3, false);
  assert.equal(b.state, 'open');
  assert.equal(b.opens, 2);
});

test('an aborted signal is honoured before any permit is taken', () => {
  const clock = new ManualClock();
  const b = new CircuitBreaker({ window: { calls: 4 }, minimumCalls: 1, openMs: 10, halfOpenCalls: 1 }, clock);
  call(b, clock, true);
  clock.advance(10);
  const ac = new AbortController();
  ac.abort();
  assert.throws(() => b.acquire(ac.signal), AbortError);
  // The one half-open permit is still there.
  b.acquire();
});

test('time window: failures from before an idle gap do not count', () => {
  const clock = new ManualClock();
  const b = new CircuitBreaker({ window: { seconds: 10 }, minimumCalls: 4, failureRate: 0.5 }, clock);
  call(b, clock, true);
  call(b, clock, true);
  call(b, clock, true);
  clock.advance(60_000);
  call(b, clock, false);
  assert.equal(b.state, 'closed', 'three stale failures plus one success would have opened it');
  assert.equal(b.snapshot().calls, 1);
});

test('state changes are events; unsubscribe stops them', async () => {
  const clock = new ManualClock();
  const b = new CircuitBreaker({ window: { calls: 2 }, minimumCalls: 1, openMs: 5, halfOpenCalls: 1 }, clock);
  const seen: BreakerTransition[] = [];
  const off = b.onStateChange((t) => seen.push(t));
  call(b, clock, true);
  clock.advance(5);
  assert.equal(b.state, 'half-open');
  off();
  call(b, clock, false);
  assert.deepEqual(seen.map((t) => `${t.from}>${t.to}`), ['closed>open', 'open>half-open']);
  assert.equal(seen[0].window?.failures, 1);
  assert.equal(b.state, 'closed');
});

test('execute counts thrown errors as failures and passes the value through', async () => {
  const clock = new ManualClock();
  const b = new CircuitBreaker({ window: { calls: 2 }, minimumCalls: 2 }, clock);
  assert.equal(await b.execute(async () => 7), 7);
  await assert.rejects(b.execute(async () => { throw new Error('x'); }), /x/);
  assert.equal(b.state, 'open');
  await assert.rejects(b.execute(async () => 1), BreakerOpenError);
});

test('bad options are a ConfigError', () => {
  assert.throws(() => new CircuitBreaker({ failureRate: 0 }), ConfigError);
  assert.throws(() => new CircuitBreaker({ window: { calls: -1 } }), ConfigError);
  assert.throws(() => new CircuitBreaker({ openMs: -5 }), ConfigError);
});
