import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanFacts } from '../clean-facts.js';
import { pushStarvesWindowRule } from './push-starves-window.js';

const push = (s: number, i: number, bytes: number) => ({ connection: 1, associatedStreamId: s, promisedStreamId: s * 10 + 2 * i, path: `/a${i}.js`, bytes, used: false });

test('3 × 32 KiB per response: warn, out of the default window within the first response', () => {
  const f = cleanFacts();
  f.pushes = [1, 3].flatMap((s) => [0, 1, 2].map((i) => push(s, i, 32_768)));
  const finding = pushStarvesWindowRule.check(f)!;
  assert.equal(finding.severity, 'warn');
  assert.match(finding.evidence[0]!, /^2 responses came with 96\.0 KiB of pushed DATA each, 1\.50 × the 65,535-byte default/);
  assert.match(finding.evidence[1]!, /within the first response/);
  assert.match(finding.evidence[2]!, /runs out after 170 responses/);
});

test('40,000 bytes per response: out of the default window after 1 response', () => {
  const f = cleanFacts();
  f.pushes = [1, 3, 5].map((s) => push(s, 0, 40_000));
  assert.match(pushStarvesWindowRule.check(f)!.evidence[1]!, /after 1 response\(s\)/);
});

test('small pushes (12,000 bytes, nghttpd -p style) or none: no finding', () => {
  const f = cleanFacts();
  assert.equal(pushStarvesWindowRule.check(f), null);
  f.pushes = [1, 3].map((s) => push(s, 0, 12_000));
  assert.equal(pushStarvesWindowRule.check(f), null);
});
