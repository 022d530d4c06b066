import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { LabelledHistogram } from './histogram-series.js';

test('prints cumulative buckets, sum and count in the Prometheus text format', async () => {
  const registry = new Registry();
  const h = new LabelledHistogram('x_seconds', 'Test histogram.', ['route', 'status'], [0.1, 1]);
  h.register(registry);
  const s = h.series(['/a', '200']);
  s.observe(0.05);
  s.observe(0.1);
  s.observe(0.5);
  s.observe(7);
  const text = await registry.metrics();
  assert.match(text, /# TYPE x_seconds histogram/);
  assert.match(text, /x_seconds_bucket\{route="\/a",status="200",le="0.1"\} 2\n/);
  assert.match(text, /x_seconds_bucket\{route="\/a",status="200",le="1"\} 3\n/);
  assert.match(text, /x_seconds_bucket\{route="\/a",status="200",le="\+Inf"\} 4\n/);
  assert.match(text, /x_seconds_sum\{route="\/a",status="200"\} 7.65\n/);
  assert.match(text, /x_seconds_count\{route="\/a",status="200"\} 4/);
  registry.resetMetrics();
  assert.match(await registry.metrics(), /x_seconds_count\{route="\/a",status="200"\} 0/);
});
