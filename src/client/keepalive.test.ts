import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../errors.js';
import { isTooManyPings, KeepaliveState } from './keepalive.js';

test('too_many_pings doubles the interval and is counted; other GOAWAYs change nothing', () => {
  const k = new KeepaliveState({ timeMs: 1000 });
  assert.equal(k.onGoaway(0xb, Buffer.from('too_many_pings')), true);
  assert.equal(k.onGoaway(0xb, Buffer.from('too_many_pings')), true);
  assert.equal(k.onGoaway(0, Buffer.from('too_many_pings')), false);
  assert.equal(k.onGoaway(0xb, Buffer.from('load shedding')), false);
  assert.deepEqual(k.stats(), { timeMs: 4000, tooManyPingsGoaways: 2 });
  assert.equal(isTooManyPings(0xb, undefined), false);
  assert.throws(() => new KeepaliveState({ timeMs: 0 }), ConfigError);
  assert.equal(new KeepaliveState({}).permitWithoutCalls, false);
});
