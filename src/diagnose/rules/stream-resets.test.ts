import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanFacts } from '../clean-facts.js';
import { streamResetsRule } from './stream-resets.js';

test('resets are grouped by code; NO_ERROR resets are not failures', () => {
  const f = cleanFacts();
  f.resets = [{ connection: 1, streamId: 1, errorCode: 0, atMs: 1 }];
  assert.equal(streamResetsRule.check(f), null);
  f.resets.push({ connection: 1, streamId: 3, errorCode: 7, atMs: 2 }, { connection: 1, streamId: 5, errorCode: 7, atMs: 2 }, { connection: 1, streamId: 7, errorCode: 11, atMs: 3 });
  const finding = streamResetsRule.check(f)!;
  assert.equal(finding.severity, 'warn');
  assert.deepEqual(finding.evidence, ['REFUSED_STREAM(0x7) on stream(s) 3, 5', 'ENHANCE_YOUR_CALM(0xb) on stream(s) 7']);
});
