import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatFrameLog } from './frame-log.js';
import { parseNghttpLog } from './nghttp-log.js';
import type { TapEvent } from './tap-decoder.js';

// Captured from `nghttp -nv` (nghttp2 1.52) against `nghttpd --no-tls -p/=/style.css`, trimmed.
const captured = `[  0.001] Connected
[  0.001] recv SETTINGS frame <length=6, flags=0x00, stream_id=0>
          (niv=1)
          [SETTINGS_MAX_CONCURRENT_STREAMS(0x03):100]
[  0.001] send HEADERS frame <length=39, flags=0x25, stream_id=13>
          ; END_STREAM | END_HEADERS | PRIORITY
          (padlen=0, dep_stream_id=11, weight=16, exclusive=0)
          ; Open new stream
          :method: GET
          :path: /
          accept-encoding: gzip, deflate
[  0.001] recv (stream_id=13) :method: GET
[  0.001] recv (stream_id=13) :path: /style.css
[  0.001] recv PUSH_PROMISE frame <length=28, flags=0x04, stream_id=13>
          ; END_HEADERS
          (padlen=0, promised_stream_id=2)
[  0.001] recv (stream_id=13) :status: 200
[  0.001] recv (stream_id=13) date: Tue, 24 Nov 2026 19:43:12 GMT
[  0.001] recv HEADERS frame <length=91, flags=0x04, stream_id=13>
          ; END_HEADERS
          (padlen=0)
          ; First response header
[  0.012] recv DATA frame <length=6, flags=0x01, stream_id=13>
          ; END_STREAM
[  1.013] send GOAWAY frame <length=8, flags=0x00, stream_id=0>
          (last_stream_id=2, error_code=NO_ERROR(0x00), opaque_data(0)=[])
`;

test('parses frames, settings, sent and received fields, push and goaway from nghttp -v', () => {
  const frames = parseNghttpLog(captured);
  assert.deepEqual(frames.map((f) => `${f.dir} ${f.type} ${f.streamId}`), [
    'recv SETTINGS 0', 'send HEADERS 13', 'recv PUSH_PROMISE 13', 'recv HEADERS 13', 'recv DATA 13', 'send GOAWAY 0',
  ]);
  assert.deepEqual(frames[0]!.settings, [{ id: 3, value: 100 }]);
  assert.deepEqual(frames[1]!.headers, [
    { name: ':method', value: 'GET' }, { name: ':path', value: '/' }, { name: 'accept-encoding', value: 'gzip, deflate' },
  ]);
  assert.equal(frames[1]!.flags, 0x25);
  assert.equal(frames[2]!.promisedStreamId, 2);
  assert.deepEqual(frames[2]!.headers, [{ name: ':method', value: 'GET' }, { name: ':path', value: '/style.css' }]);
  assert.deepEqual(frames[3]!.headers, [{ name: ':status', value: '200' }, { name: 'date', value: 'Tue, 24 Nov 2026 19:43:12 GMT' }]);
  assert.equal(frames[4]!.length, 6);
  assert.equal(frames[4]!.t, 12);
  assert.deepEqual([frames[5]!.lastStreamId, frames[5]!.errorCode, frames[5]!.debugData, frames[5]!.t], [2, 0, '', 1013]);
});

test('reads back what our frame log prints', () => {
  const events: TapEvent[] = [
    { t: 5, dir: 'recv', frame: { type: 'SETTINGS', streamId: 0, flags: 0, length: 12, ack: false, settings: [{ id: 3, value: 7 }, { id: 0x99, value: 1 }] } },
    { t: 6, dir: 'recv', frame: { type: 'RST_STREAM', streamId: 2, flags: 0, length: 4, errorCode: 7 } },
    { t: 7, dir: 'recv', frame: { type: 'WINDOW_UPDATE', streamId: 0, flags: 0, length: 4, windowSizeIncrement: 1000 } },
    { t: 8, dir: 'recv', frame: { type: 'GOAWAY', streamId: 0, flags: 0, length: 12, lastStreamId: 5, errorCode: 11, debugData: new TextEncoder().encode('calm') } },
    { t: 9, dir: 'send', frame: { type: 'PING', streamId: 0, flags: 0, length: 8, ack: false, opaqueData: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8) } },
  ];
  const frames = parseNghttpLog(formatFrameLog(events));
  assert.deepEqual(frames[0]!.settings, [{ id: 3, value: 7 }, { id: 0x99, value: 1 }]);
  assert.equal(frames[1]!.errorCode, 7);
  assert.equal(frames[2]!.windowSizeIncrement, 1000);
  assert.deepEqual([frames[3]!.lastStreamId, frames[3]!.errorCode, frames[3]!.debugData], [5, 11, 'calm']);
  assert.equal(frames[4]!.opaqueData, '0102030405060708');
});
