import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanFacts } from '../clean-facts.js';
import { tlsVerifyFailedRule } from './tls-verify-failed.js';

test('an untrusted root (complete chain) is tls-verify-failed with the code', () => {
  const f = cleanFacts();
  assert.equal(tlsVerifyFailedRule.check(f), null);
  f.tls!.verified = false;
  f.tls!.verifyError = 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY';
  const finding = tlsVerifyFailedRule.check(f)!;
  assert.equal(finding.severity, 'error');
  assert.match(finding.evidence[0]!, /^verification failed with UNABLE_TO_GET_ISSUER_CERT_LOCALLY; presented: localhost \(issuer test intermediate\), test intermediate/);
  f.tls = null; // h2c
  assert.equal(tlsVerifyFailedRule.check(f), null);
});
