import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanFacts } from '../clean-facts.js';
import { pushOnApiRule } from './push-on-api.js';

test('pushes on JSON responses: warn with promises, bytes per response and paths', () => {
  const f = cleanFacts();
  f.pushes = [1, 3].flatMap((s) => [
    { connection: 1, associatedStreamId: s, promisedStreamId: s * 2 + 2, path: '/app.css', bytes: 32_768, used: false },
    { connection: 1, associatedStreamId: s, promisedStreamId: s * 2 + 4, path: '/app.js', bytes: 32_768, used: false },
  ]);
  const finding = pushOnApiRule.check(f)!;
  assert.equal(finding.severity, 'warn');
  assert.match(finding.evidence[0]!, /^2 of 20 non-document responses came with pushes: 2\.0 promises and 64\.0 KiB per response/);
  assert.match(finding.evidence[1]!, /\/app\.css, \/app\.js/);
});

test('pushes on an HTML document are not flagged; none at all is clean', () => {
  const f = cleanFacts();
  assert.equal(pushOnApiRule.check(f), null);
  f.requests[0]!.contentType = 'text/html; charset=utf-8';
  f.pushes = [{ connection: 1, associatedStreamId: 1, promisedStreamId: 2, path: '/a.css', bytes: 10, used: false }];
  assert.equal(pushOnApiRule.check(f), null);
});
