import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as errors from '../src/errors.js';

// Every concrete error class in src/errors.ts has a row in docs/errors.md, and every row names
// a real class with that code: the two cannot drift apart.
test('docs/errors.md lists exactly the codes of src/errors.ts', () => {
  const fromCode = new Map<string, string>();
  for (const [name, value] of Object.entries(errors)) {
    if (typeof value !== 'function' || !(value.prototype instanceof errors.H2DoctorError)) continue;
    const instance = new (value as unknown as new (m: string, o: object) => errors.H2DoctorError)('x', { h2Code: 0 });
    if (typeof instance.code === 'string') fromCode.set(instance.code, name);
  }
  const doc = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');
  const rows = [...doc.matchAll(/^\| `(ERR_[A-Z0-9_]+)` \| `(\w+)` \|/gm)].map((m) => [m[1]!, m[2]!] as const);
  assert.ok(fromCode.size >= 10, 'found the error classes');
  assert.deepEqual(new Map(rows), fromCode);
});

test('codec errors carry the HTTP/2 error code', () => {
  assert.equal(new errors.FrameSizeError('x').h2Code, errors.H2ErrorCode.FRAME_SIZE_ERROR);
  assert.equal(new errors.CompressionError('x').h2Code, errors.H2ErrorCode.COMPRESSION_ERROR);
  assert.equal(new errors.ProtocolError('x', { streamId: 3 }).streamId, 3);
});

test('fromSystemError maps socket errors to one clear class', () => {
  const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
  assert.ok(errors.fromSystemError(refused, 'connect 127.0.0.1:1') instanceof errors.ConnectError);
  const dns = Object.assign(new Error('getaddrinfo ENOTFOUND nope.invalid'), { code: 'ENOTFOUND' });
  assert.ok(errors.fromSystemError(dns, 'resolve nope.invalid') instanceof errors.DnsError);
  const tls = Object.assign(new Error('wrong version number'), { code: 'ERR_SSL_WRONG_VERSION_NUMBER' });
  assert.ok(errors.fromSystemError(tls, 'tls') instanceof errors.TlsError);
});
