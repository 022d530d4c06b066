import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanFacts } from '../clean-facts.js';
import { noH2Rule } from './no-h2.js';

test('ALPN http/1.1 is no-h2', () => {
  const f = cleanFacts();
  assert.equal(noH2Rule.check(f), null);
  f.alpn = 'http/1.1';
  const finding = noH2Rule.check(f)!;
  assert.equal(finding.severity, 'error');
  assert.match(finding.evidence[0]!, /selected http\/1\.1/);
});

test('an HTTP/1 reply to the h2c preface is no-h2', () => {
  const f = cleanFacts();
  f.transport = 'h2c';
  f.tls = null;
  f.alpn = 'h2c';
  assert.equal(noH2Rule.check(f), null);
  f.http1Only = true;
  assert.match(noH2Rule.check(f)!.evidence[0]!, /HTTP\/1\.x response/);
});
