import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanFacts } from '../clean-facts.js';
import { tlsNoResumptionRule } from './tls-no-resumption.js';

test('a second connection that did not resume is a warning; says whether a ticket came', () => {
  const f = cleanFacts();
  assert.equal(tlsNoResumptionRule.check(f), null);
  f.resumption = { ticketReceived: false, resumed: false, fullHandshakeMs: 4, secondHandshakeMs: 4.5 };
  const finding = tlsNoResumptionRule.check(f)!;
  assert.equal(finding.severity, 'warn');
  assert.match(finding.evidence[0]!, /no session ticket/);
  f.resumption.ticketReceived = true;
  assert.match(tlsNoResumptionRule.check(f)!.evidence[0]!, /full handshake again/);
  f.resumption = null; // h2c: nothing to judge
  assert.equal(tlsNoResumptionRule.check(f), null);
});
