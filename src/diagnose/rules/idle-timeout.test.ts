import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanFacts } from '../clean-facts.js';
import { idleTimeoutRule } from './idle-timeout.js';

test('a measured idle close is info, with a pool idle time below it', () => {
  const f = cleanFacts();
  assert.equal(idleTimeoutRule.check(f), null);
  f.idle = { waitedMs: 10_000, closedAfterMs: 5_000, end: { by: 'goaway', atMs: 5_100, goaway: { errorCode: 0, lastStreamId: 1, debugData: 'idle' } } };
  const finding = idleTimeoutRule.check(f)!;
  assert.equal(finding.severity, 'info');
  assert.match(finding.title, /after about 5\.0 s/);
  assert.match(finding.fix, /about 4\.0 s here/);
  f.idle.closedAfterMs = null; // stayed open for the whole wait: nothing measured
  assert.equal(idleTimeoutRule.check(f), null);
});
