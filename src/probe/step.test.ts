import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AbortError, TimeoutError } from '../errors.js';
import { boundedStep, pause } from './step.js';

test('a step that never finishes times out and is cancelled', async () => {
  let cancelled = false;
  await assert.rejects(boundedStep('wait', 20, () => new Promise(() => {}), () => { cancelled = true; }), (e) => e instanceof TimeoutError && e.message === 'wait: no answer within 20 ms');
  assert.ok(cancelled);
});

test('result and failure pass through; abort cancels', async () => {
  assert.equal(await boundedStep('x', 1000, async () => 7, () => {}), 7);
  await assert.rejects(boundedStep('x', 1000, async () => { throw new Error('boom'); }, () => {}), /boom/);
  const c = new AbortController();
  const p = boundedStep('x', 10_000, () => new Promise(() => {}), () => {}, c.signal);
  c.abort();
  await assert.rejects(p, AbortError);
  await pause(10_000, AbortSignal.abort()); // returns at once when already aborted
});
