import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanFacts } from '../clean-facts.js';
import { ttfbTailRule } from './ttfb-tail.js';

test('p99/p50 TTFB above 10 is info naming the slow streams', () => {
  const f = cleanFacts();
  assert.equal(ttfbTailRule.check(f), null);
  f.requests[7]!.ttfbMs = 250;
  const finding = ttfbTailRule.check(f)!;
  assert.equal(finding.severity, 'info');
  assert.match(finding.evidence[1]!, /#8 conn 1 stream 15 250\.0 ms/);
});

test('too few requests: no verdict', () => {
  const f = cleanFacts();
  f.requests = f.requests.slice(0, 5);
  f.requests[0]!.ttfbMs = 500;
  assert.equal(ttfbTailRule.check(f), null);
});
