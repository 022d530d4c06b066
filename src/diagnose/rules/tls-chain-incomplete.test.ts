import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanFacts } from '../clean-facts.js';
import { tlsChainIncompleteRule } from './tls-chain-incomplete.js';
import { tlsVerifyFailedRule } from './tls-verify-failed.js';

test('leaf alone with UNABLE_TO_VERIFY_LEAF_SIGNATURE is an incomplete chain, not a generic failure', () => {
  const f = cleanFacts();
  assert.equal(tlsChainIncompleteRule.check(f), null);
  f.tls!.verified = false;
  f.tls!.verifyError = 'UNABLE_TO_VERIFY_LEAF_SIGNATURE';
  f.tls!.chain = f.tls!.chain.slice(0, 1);
  assert.equal(tlsChainIncompleteRule.check(f)!.severity, 'error');
  assert.equal(tlsVerifyFailedRule.check(f), null);
});

test('a hostname mismatch is tls-verify-failed, not chain-incomplete', () => {
  const f = cleanFacts();
  f.tls!.verified = false;
  f.tls!.verifyError = 'ERR_TLS_CERT_ALTNAME_INVALID';
  assert.equal(tlsChainIncompleteRule.check(f), null);
  assert.match(tlsVerifyFailedRule.check(f)!.evidence[0]!, /ERR_TLS_CERT_ALTNAME_INVALID/);
});
