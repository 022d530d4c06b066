import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Frame } from '../codec/types.js';
import type { TapEvent } from '../tap/index.js';
import { connectionWindowUpdates, firstSettings, flowControlStalls, pushesOf, resetsOf, settingsAckMs } from './frame-facts.js';

const ev = (t: number, dir: 'send' | 'recv', frame: Record<string, unknown>): TapEvent =>
  ({ t, dir, frame: { flags: 0, length: 0, streamId: 0, ...frame } as unknown as Frame });
const data = (t: number, dir: 'send' | 'recv', streamId: number, length: number, endStream = false) =>
  ev(t, dir, { type: 'DATA', streamId, length, data: new Uint8Array(length), padLength: 0, endStream });

test('settings as sent, ACK time and connection WINDOW_UPDATEs', () => {
  const events = [
    ev(0, 'send', { type: 'SETTINGS', ack: false, settings: [{ id: 2, value: 0 }] }),
    ev(1, 'recv', { type: 'SETTINGS', ack: false, settings: [{ id: 3, value: 8 }] }),
    ev(3, 'recv', { type: 'SETTINGS', ack: true, settings: [] }),
    ev(4, 'recv', { type: 'WINDOW_UPDATE', streamId: 0, windowSizeIncrement: 1000 }),
    ev(5, 'recv', { type: 'WINDOW_UPDATE', streamId: 1, windowSizeIncrement: 50 }),
  ];
  assert.deepEqual(firstSettings(events, 'recv'), [{ id: 3, value: 8 }]);
  assert.deepEqual(firstSettings(events, 'send'), [{ id: 2, value: 0 }]);
  assert.equal(settingsAckMs(events), 3);
  assert.deepEqual(connectionWindowUpdates(events), { count: 1, bytes: 1000 });
});

test('pushes: promised path and bytes on the even stream', () => {
  const events = [
    ev(1, 'recv', { type: 'PUSH_PROMISE', streamId: 1, promisedStreamId: 2, headers: [{ name: ':path', value: '/a.css' }] }),
    data(2, 'recv', 2, 100),
    data(3, 'recv', 2, 50, true),
    data(3, 'recv', 1, 999, true),
    ev(4, 'recv', { type: 'RST_STREAM', streamId: 3, errorCode: 7 }),
  ];
  assert.deepEqual(pushesOf(events, 1), [{ connection: 1, associatedStreamId: 1, promisedStreamId: 2, path: '/a.css', bytes: 150, used: false }]);
  assert.deepEqual(resetsOf(events, 1, 10), [{ connection: 1, streamId: 3, errorCode: 7, atMs: 14 }]);
});

test('a request body that exhausts the server stream window stalls until WINDOW_UPDATE', () => {
  const events = [
    ev(0, 'recv', { type: 'SETTINGS', ack: false, settings: [{ id: 4, value: 16_384 }] }),
    data(1, 'send', 1, 16_384),
    ev(6, 'recv', { type: 'WINDOW_UPDATE', streamId: 1, windowSizeIncrement: 16_384 }),
    data(7, 'send', 1, 100, true),
  ];
  assert.deepEqual(flowControlStalls(events, 1), [{ connection: 1, streamId: 1, direction: 'send', atMs: 1, waitedMs: 5 }]);
});

test('the last DATA filling the window exactly with END_STREAM is not a stall; big windows never stall', () => {
  const events = [
    ev(0, 'recv', { type: 'SETTINGS', ack: false, settings: [{ id: 4, value: 100 }] }),
    data(1, 'send', 1, 100, true),
    ev(2, 'send', { type: 'SETTINGS', ack: false, settings: [{ id: 4, value: 4_194_304 }] }),
    ev(2, 'send', { type: 'WINDOW_UPDATE', streamId: 0, windowSizeIncrement: 16_000_000 }),
    data(3, 'recv', 1, 200_000),
    data(4, 'recv', 1, 10, true),
  ];
  assert.deepEqual(flowControlStalls(events, 1), []);
});

test('the connection window reaching zero is a connection stall (stream 0)', () => {
  const events = [data(1, 'recv', 1, 65_535), data(2, 'recv', 3, 0)];
  const stalls = flowControlStalls(events, 2, 100);
  assert.deepEqual(stalls.map((s) => [s.streamId, s.direction, s.atMs, s.waitedMs]), [[1, 'recv', 101, null], [0, 'recv', 101, null]]);
});
