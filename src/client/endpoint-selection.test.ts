import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../clock.js';
import { EndpointSelector, type EndpointCandidate } from './endpoint-selection.js';

class Fake implements EndpointCandidate {
  up = true;
  inFlight = 0;
  failingSince: number | undefined;
  constructor(readonly name: string, readonly priority: number, readonly zone: string) {}
  isAvailable(): boolean {
    return this.up;
  }
}

test('the best available priority gets all traffic, spread by load within it', () => {
  const clock = new ManualClock();
  const a1 = new Fake('a1', 0, 'a');
  const a2 = new Fake('a2', 0, 'a');
  const b1 = new Fake('b1', 1, 'b');
  const s = new EndpointSelector([b1, a1, a2], clock);
  const picked = new Set<string>();
  for (let i = 0; i < 4; i++) picked.add(s.select()!.name);
  assert.deepEqual([...picked].sort(), ['a1', 'a2']);
  a1.inFlight = 5;
  assert.equal(s.select()!.name, 'a2');
});

test('failover to the next priority is recorded with its duration from the first failure', () => {
  const clock = new ManualClock(1000);
  const a = new Fake('a', 0, 'a');
  const b = new Fake('b', 1, 'b');
  const s = new EndpointSelector([a, b], clock);
  assert.equal(s.select()!.name, 'a');
  a.failingSince = 1200;
  clock.set(2500);
  a.up = false;
  assert.equal(s.select()!.name, 'b');
  assert.equal(s.failoverCount, 1);
  assert.deepEqual(s.failovers[0], { fromPriority: 0, toPriority: 1, durationMs: 1300, at: 2500 });
  a.up = true;
  a.failingSince = undefined;
  assert.equal(s.select()!.name, 'a', 'traffic returns when the better level recovers');
  assert.equal(s.failoverCount, 2);
});

test('excluded endpoints are avoided when possible, used when nothing else is left', () => {
  const clock = new ManualClock();
  const a = new Fake('a', 0, 'a');
  const b = new Fake('b', 1, 'b');
  const s = new EndpointSelector([a, b], clock);
  assert.equal(s.select(new Set([a]))!.name, 'b');
  b.up = false;
  assert.equal(s.select(new Set([a]))!.name, 'a');
  a.up = false;
  assert.equal(s.select(), undefined);
});
