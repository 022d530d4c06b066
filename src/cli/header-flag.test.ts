import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '../errors.js';
import { parseHeaderFlag } from './header-flag.js';

test('--header: lowercase name, trimmed value', () => {
  assert.deepEqual(parseHeaderFlag('X-Request-Id:  abc 1 '), { name: 'x-request-id', value: 'abc 1' });
  assert.deepEqual(parseHeaderFlag('te: trailers'), { name: 'te', value: 'trailers' });
  assert.deepEqual(parseHeaderFlag('accept:'), { name: 'accept', value: '' });
});

test('--header refuses what RFC 9113 forbids in a request, one line naming the rule', () => {
  const bad: Array<[string, RegExp]> = [
    ['novalue', /^--header: 'novalue' is not 'name: value'$/],
    ['Connection: close', /'connection' is connection-specific .*§8\.2\.2/],
    ['proxy-connection: x', /connection-specific/],
    ['Keep-Alive: 5', /connection-specific/],
    ['transfer-encoding: chunked', /connection-specific/],
    ['upgrade: h2c', /connection-specific/],
    ['te: gzip', /'te' may only be 'trailers'/],
    [':path: /x', /':path' is a pseudo-header field.*§8\.3/],
    ['host: example.com', /'host' comes from the URL, as :authority/],
    ['bad(name): x', /is not a field name/],
  ];
  for (const [text, re] of bad) {
    assert.throws(() => parseHeaderFlag(text), (err: unknown) => err instanceof UsageError && re.test(err.message) && !err.message.includes('\n'), text);
  }
});
