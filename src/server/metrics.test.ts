import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServerMetrics } from './metrics.js';
import { createServerStats } from './stats.js';

test('request observations land in the series of their own route and status, in any order', async () => {
  const metrics = createServerMetrics(createServerStats());
  // Same series back to back, then a change of status, of route, and back: the series of the
  // last observation is remembered, and a change of either label must not reuse it.
  metrics.observeRequest('/a', 200, 0.002, 0.001);
  metrics.observeRequest('/a', 200, 0.002, 0.001);
  metrics.observeRequest('/a', 500, 0.2, undefined);
  metrics.observeRequest('/b', 200, 0.02, 0.01);
  metrics.observeRequest('/a', 200, 0.002, 0.001);
  metrics.observeRequest('/b', 0, 0.5, undefined);
  const text = await metrics.registry.metrics();
  assert.match(text, /h2_request_duration_seconds_count\{route="\/a",status="200"\} 3\n/);
  assert.match(text, /h2_request_duration_seconds_count\{route="\/a",status="500"\} 1\n/);
  assert.match(text, /h2_request_duration_seconds_count\{route="\/b",status="200"\} 1\n/);
  assert.match(text, /h2_request_duration_seconds_count\{route="\/b",status="none"\} 1\n/);
  assert.match(text, /h2_request_ttfb_seconds_count\{route="\/a",status="200"\} 3\n/);
  assert.match(text, /h2_request_ttfb_seconds_count\{route="\/a",status="500"\} 0\n/);
  metrics.registry.resetMetrics();
  metrics.observeRequest('/a', 200, 0.002, 0.001);
  assert.match(await metrics.registry.metrics(), /h2_request_duration_seconds_count\{route="\/a",status="200"\} 1\n/);
});
