import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanFacts } from '../clean-facts.js';
import { tlsCertExpiringRule } from './tls-cert-expiring.js';

test('under 14 days warns, expired or not yet valid is an error', () => {
  const f = cleanFacts();
  assert.equal(tlsCertExpiringRule.check(f), null);
  f.tls!.chain[0]!.validTo = '2026-01-10T00:00:00.000Z';
  const soon = tlsCertExpiringRule.check(f)!;
  assert.equal(soon.severity, 'warn');
  assert.match(soon.evidence[0]!, /localhost: expires .*\(9\.0 days\)/);
  f.tls!.chain[0]!.validTo = '2025-12-31T00:00:00.000Z';
  assert.equal(tlsCertExpiringRule.check(f)!.severity, 'error');
  f.tls!.chain[0]!.validTo = '2027-01-01T00:00:00.000Z';
  f.tls!.chain[0]!.validFrom = '2026-02-01T00:00:00.000Z';
  assert.match(tlsCertExpiringRule.check(f)!.evidence[0]!, /not valid before/);
});
