import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../clock.js';
import { DeadlineWheel, type DeadlineEntry, type DeadlineList } from './deadline-wheel.js';

class Entry implements DeadlineEntry {
  deadline = Infinity;
  deadlineList: DeadlineList | undefined;
  deadlinePrev: DeadlineEntry | undefined;
  deadlineNext: DeadlineEntry | undefined;
  constructor(
    readonly name: string,
    readonly expired: string[],
  ) {}
  expire(): void {
    this.expired.push(this.name);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('entries expire by the clock, in deadline order; removed ones never do', async () => {
  const clock = new ManualClock(1000);
  const wheel = new DeadlineWheel(clock);
  const expired: string[] = [];
  const a = new Entry('a', expired);
  const b = new Entry('b', expired);
  const c = new Entry('c', expired);
  wheel.add(a, 20, clock.now());
  clock.advance(5);
  wheel.add(b, 20, clock.now());
  wheel.add(c, 20, clock.now());
  assert.equal(a.deadline, 1020);
  assert.equal(b.deadline, 1025);
  wheel.remove(c);
  assert.equal(c.deadlineList, undefined);
  // The timer wakes, but the injected clock says nothing is due yet.
  await sleep(40);
  assert.deepEqual(expired, []);
  clock.advance(15); // 1020: only a is due
  await sleep(40);
  assert.deepEqual(expired, ['a']);
  clock.advance(10);
  await sleep(40);
  assert.deepEqual(expired, ['a', 'b'], 'c was removed and never expires');
  assert.equal(b.deadlineList, undefined);
});

test('each timeout has its own list; unlinking from the middle keeps the rest in order', async () => {
  const clock = new ManualClock(0);
  const wheel = new DeadlineWheel(clock);
  const expired: string[] = [];
  const entries = ['x', 'y', 'z'].map((n) => new Entry(n, expired));
  const short = new Entry('short', expired);
  for (const e of entries) wheel.add(e, 30, clock.now());
  wheel.add(short, 10, clock.now());
  wheel.remove(entries[1]);
  clock.advance(10);
  await sleep(25);
  assert.deepEqual(expired, ['short']);
  clock.advance(20);
  await sleep(40);
  assert.deepEqual(expired, ['short', 'x', 'z']);
});

test('the timer holds the process open only while entries wait', () => {
  const clock = new ManualClock(0);
  const wheel = new DeadlineWheel(clock);
  const e = new Entry('e', []);
  wheel.add(e, 60_000, clock.now());
  const list = e.deadlineList!;
  assert.equal(list.timer!.hasRef(), true);
  wheel.remove(e);
  assert.equal(list.timer!.hasRef(), false);
  wheel.add(e, 60_000, clock.now());
  assert.equal(list.timer!.hasRef(), true);
  wheel.remove(e);
});

test('a timeout that is not a positive finite number registers nothing', () => {
  const clock = new ManualClock(0);
  const wheel = new DeadlineWheel(clock);
  const e = new Entry('e', []);
  wheel.add(e, Infinity, clock.now());
  assert.equal(e.deadline, Infinity);
  assert.equal(e.deadlineList, undefined);
});
