import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanFacts } from '../clean-facts.js';
import { requestsFailedRule } from './requests-failed.js';

test('failed requests are counted by reason; resets are left to stream-resets', () => {
  const f = cleanFacts();
  assert.equal(requestsFailedRule.check(f), null);
  f.requests[0]!.error = 'timed out after 1000 ms';
  f.requests[1]!.error = 'timed out after 1000 ms';
  f.requests[2]!.error = 'stream reset REFUSED_STREAM(0x7)';
  f.requests[2]!.resetCode = 7;
  const finding = requestsFailedRule.check(f)!;
  assert.equal(finding.severity, 'error');
  assert.deepEqual(finding.evidence, ['2× timed out after 1000 ms']);
});
