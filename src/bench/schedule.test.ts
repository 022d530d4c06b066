import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LoadSchedule, PendingRequests } from './schedule.js';

test('closed loop: exactly `requests` measured, warmup requests not counted', () => {
  const s = new LoadSchedule({ requests: 3, durationMs: 0, rate: 0, warmupMs: 100 }, 1000);
  assert.equal(s.tryCreate(1000), true); // warmup: unlimited
  assert.equal(s.tryCreate(1050), true);
  assert.equal(s.measuredCreated, 0);
  assert.equal(s.tryCreate(1100), true);
  assert.equal(s.tryCreate(1101), true);
  assert.equal(s.tryCreate(1102), true);
  assert.equal(s.tryCreate(1103), false);
  assert.equal(s.measuredCreated, 3);
  assert.equal(s.exhausted(1103), true);
});

test('duration: nothing created after measureStart + duration', () => {
  const s = new LoadSchedule({ requests: 0, durationMs: 500, rate: 0, warmupMs: 0 }, 0);
  assert.equal(s.tryCreate(499.9), true);
  assert.equal(s.tryCreate(500), false);
  assert.equal(s.exhausted(500), true);
});

test('open loop: intended times are start + k/rate, released when due, however late', () => {
  const s = new LoadSchedule({ requests: 5, durationMs: 0, rate: 100, warmupMs: 0 }, 0);
  const got: number[] = [];
  assert.equal(s.releaseDue(0, (at) => got.push(at)), 1);
  assert.equal(s.nextDueAt(), 10);
  // A late tick releases everything due, keeping the intended times (coordinated omission).
  assert.equal(s.releaseDue(35, (at) => got.push(at)), 3);
  assert.deepEqual(got, [0, 10, 20, 30]);
  s.releaseDue(1000, (at) => got.push(at));
  assert.deepEqual(got, [0, 10, 20, 30, 40]);
  assert.equal(s.nextDueAt(), Infinity);
  assert.equal(s.exhausted(1000), true);
});

test('PendingRequests: FIFO across growth; unshift puts a retry in front', () => {
  const q = new PendingRequests();
  for (let i = 0; i < 3000; i++) q.push(i);
  assert.equal(q.shift(), 0);
  q.unshift(-1);
  assert.equal(q.length, 3000);
  assert.equal(q.shift(), -1);
  for (let i = 1; i < 3000; i++) assert.equal(q.shift(), i);
  assert.equal(q.length, 0);
  for (let i = 0; i < 1024; i++) q.push(i);
  q.unshift(-5); // full ring: grows first
  assert.equal(q.shift(), -5);
  assert.equal(q.shift(), 0);
});
