import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanFacts } from '../clean-facts.js';
import { pushAfterDisabledRule } from './push-after-disabled.js';

test('PUSH_PROMISE after ENABLE_PUSH=0 is an error', () => {
  const f = cleanFacts();
  assert.equal(pushAfterDisabledRule.check(f), null);
  f.pushDisabled = { enablePushSent: 0, promises: 1, paths: ['/style.css'], error: 'GOAWAY PROTOCOL_ERROR(0x1)' };
  const finding = pushAfterDisabledRule.check(f)!;
  assert.equal(finding.severity, 'error');
  assert.match(finding.evidence[0]!, /1 PUSH_PROMISE .*ENABLE_PUSH=0: \/style\.css/);
});
