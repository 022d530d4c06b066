import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../errors.js';
import { createRandom } from '../random.js';
import { deriveBreakerOptions } from './breaker-tuning.js';

test('slowCallMs sits above the measured P99 with headroom (the incident: P99 800 ms)', () => {
  const random = createRandom(7);
  // 1000 samples: most near 100 ms, a 2 % tail near 800 ms.
  const latencies = Array.from({ length: 1000 }, (_, i) => (i % 50 === 0 ? 780 + random() * 20 : 80 + random() * 40));
  const t = deriveBreakerOptions({ latenciesMs: latencies, requestsPerSecond: 50 });
  assert.ok(t.measured.p99 >= 780 && t.measured.p99 <= 800, `p99 ${t.measured.p99}`);
  assert.equal(t.options.slowCallMs, 2000, '800 × 1.5 = 1200, rounded up to a readable 2000');
  assert.ok(t.options.slowCallMs > t.measured.p99);
  assert.deepEqual(t.options.window, { seconds: 10 });
  assert.equal(t.options.minimumCalls, 100, '50 req/s × 10 s / 4 = 125, capped at 100');
  assert.equal(t.reasons.length, 4);
});

test('quiet traffic gets a count window and the minimum-calls floor', () => {
  const t = deriveBreakerOptions({ latenciesMs: Array.from({ length: 40 }, () => 30), requestsPerSecond: 0.5 }, { headroom: 2 });
  assert.deepEqual(t.options.window, { calls: 20 });
  assert.equal(t.options.minimumCalls, 10);
  assert.equal(t.options.slowCallMs, 100);
  const mid = deriveBreakerOptions({ latenciesMs: Array.from({ length: 40 }, () => 30), requestsPerSecond: 8 });
  assert.equal(mid.options.minimumCalls, 20);
});

test('too few samples or no traffic is a ConfigError', () => {
  assert.throws(() => deriveBreakerOptions({ latenciesMs: [1, 2, 3], requestsPerSecond: 10 }), ConfigError);
  assert.throws(() => deriveBreakerOptions({ latenciesMs: Array(30).fill(5), requestsPerSecond: 0 }), ConfigError);
});

test('reasons print measured rates as readable numbers, not raw floats', () => {
  const t = deriveBreakerOptions({ latenciesMs: Array.from({ length: 40 }, () => 30), requestsPerSecond: 2418.000836241409 });
  assert.equal(t.reasons[1], 'window 10 s: 2,418 req/s fills it with about 24180 calls');
  const quiet = deriveBreakerOptions({ latenciesMs: Array.from({ length: 40 }, () => 30), requestsPerSecond: 0.3333333333 });
  assert.equal(quiet.reasons[1], 'window 20 calls: 0.33 req/s is too little traffic for a time window');
});
