import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanFacts } from '../clean-facts.js';
import { flowControlStallRule } from './flow-control-stall.js';

test('a window that reached zero is a stall, with where and how long', () => {
  const f = cleanFacts();
  assert.equal(flowControlStallRule.check(f), null);
  f.flowControlStalls = [
    { connection: 1, streamId: 0, direction: 'send', atMs: 5, waitedMs: 12.5 },
    { connection: 1, streamId: 3, direction: 'send', atMs: 5, waitedMs: null },
  ];
  const finding = flowControlStallRule.check(f)!;
  assert.equal(finding.severity, 'warn');
  assert.match(finding.evidence[0]!, /2 window\(s\).*longest wait 12\.5 ms/);
  assert.match(finding.evidence[1]!, /connection \(probe waited on the server, 12\.5 ms\), stream 3 .*never reopened/);
});
