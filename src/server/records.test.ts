import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StreamRecord, type SessionRecord } from './records.js';
import type { StreamHookContext } from './stream-hooks.js';
import type { SessionTracker } from './session-tracker.js';

const session: SessionRecord = { tracker: {} as SessionTracker, id: 1, streamsOpen: 1, requests: 0, pushedBytes: 0, closeCause: undefined, destroying: false };
const names = ['traceparent', 'x-request-id'];
const valid = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const invalid = '00-00000000000000000000000000000000-00f067aa0ba902b7-01';
const record = (headers: Record<string, string>, generate?: () => string) =>
  new StreamRecord({} as StreamHookContext, session, '/r', 'GET', headers, names, generate, 0, 1, 0);

test('trace id: the first valid trace header, else a generated id, else the empty string', () => {
  assert.equal(record({ traceparent: valid }).traceId, '4bf92f3577b34da6a3ce929d0e0e4736');
  assert.equal(record({ 'x-request-id': 'req-7' }).traceId, 'req-7');
  // Both present: an invalid traceparent falls through to x-request-id.
  assert.equal(record({ traceparent: invalid, 'x-request-id': 'req-8' }).traceId, 'req-8');
  assert.equal(record({ traceparent: valid, 'x-request-id': 'req-9' }).traceId, '4bf92f3577b34da6a3ce929d0e0e4736');
  // Only an invalid one present: generated, and read once.
  let made = 0;
  const rec = record({ traceparent: invalid }, () => `gen-${++made}`);
  assert.equal(rec.traceId, 'gen-1');
  assert.equal(rec.traceId, 'gen-1');
  assert.equal(record({}).traceId, '');
});

test('the trace id is the header value as it arrived', () => {
  const headers: Record<string, string> = { traceparent: valid, 'user-agent': 'ua/1' };
  const rec = record(headers);
  headers.traceparent = '00-11111111111111111111111111111111-00f067aa0ba902b7-01';
  assert.equal(rec.traceId, '4bf92f3577b34da6a3ce929d0e0e4736');
  assert.equal(rec.userAgent, 'ua/1');
});
