import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanFacts } from '../clean-facts.js';
import { connectionChurnRule } from './connection-churn.js';

test('more than one request connection is churn, with requests per connection and how each ended', () => {
  const f = cleanFacts();
  assert.equal(connectionChurnRule.check(f), null);
  f.connections = [
    { index: 1, purpose: 'requests', requests: 5, streams: 6, end: { by: 'goaway', atMs: 10, goaway: { errorCode: 0, lastStreamId: 9, debugData: '' } } },
    { index: 2, purpose: 'requests', requests: 5, streams: 5, end: { by: 'fin', atMs: 20, goaway: null } },
    { index: 3, purpose: 'resumption', requests: 1, streams: 1, end: { by: 'client', atMs: 30, goaway: null } },
  ];
  const finding = connectionChurnRule.check(f)!;
  assert.equal(finding.severity, 'error');
  assert.equal(finding.evidence[0], 'requests per connection: 5, 5');
  assert.match(finding.evidence[1]!, /GOAWAY NO_ERROR\(0x0\) last-stream-id=9/);
  assert.match(finding.evidence[2]!, /without GOAWAY \(FIN\)/);
});
