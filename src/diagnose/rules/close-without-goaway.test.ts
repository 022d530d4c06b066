import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanFacts } from '../clean-facts.js';
import { closeWithoutGoawayRule } from './close-without-goaway.js';

test('a FIN or RST with no GOAWAY warns; a GOAWAY close does not', () => {
  const f = cleanFacts();
  assert.equal(closeWithoutGoawayRule.check(f), null);
  f.connections[0]!.end = { by: 'goaway', atMs: 3, goaway: { errorCode: 0, lastStreamId: 1, debugData: '' } };
  assert.equal(closeWithoutGoawayRule.check(f), null);
  f.connections.push({ index: 2, purpose: 'idle', requests: 1, streams: 1, end: { by: 'fin', atMs: 500, goaway: null } });
  const finding = closeWithoutGoawayRule.check(f)!;
  assert.equal(finding.severity, 'warn');
  assert.match(finding.evidence[0]!, /connection 2 \(idle\): FIN after 1 request/);
});
