import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanFacts } from '../clean-facts.js';
import { lowMaxConcurrentStreamsRule } from './low-max-concurrent-streams.js';

test('MAX_CONCURRENT_STREAMS below 100 warns; absent (unlimited) or 100 is fine', () => {
  const f = cleanFacts();
  assert.equal(lowMaxConcurrentStreamsRule.check(f), null);
  f.session!.serverSettings = [];
  assert.equal(lowMaxConcurrentStreamsRule.check(f), null);
  f.session!.serverSettings = [{ id: 3, value: 4 }];
  const finding = lowMaxConcurrentStreamsRule.check(f)!;
  assert.equal(finding.severity, 'warn');
  assert.match(finding.title, /only 4 concurrent streams/);
});
