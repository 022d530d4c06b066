import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProtocolError } from '../errors.js';
import type { Frame } from '../codec/types.js';
import { FrameLog, formatDecodeError, formatFrameLog, formatTimestamp } from './frame-log.js';
import type { TapEvent } from './tap-decoder.js';

const ascii = (s: string) => new TextEncoder().encode(s);
const ev = (t: number, dir: 'send' | 'recv', frame: Frame): TapEvent => ({ t, dir, frame });

// Expected text below is nghttp 1.52's `-v` output against nghttpd (captured by hand), with the
// timestamps ours.

test('timestamps are seconds.milliseconds, truncated, right-aligned like nghttp', () => {
  assert.equal(formatTimestamp(60.9), '[  0.060]');
  assert.equal(formatTimestamp(1234.5), '[  1.234]');
  assert.equal(formatTimestamp(123_456), '[123.456]');
});

test('SETTINGS, SETTINGS ACK and GOAWAY read as nghttp prints them', () => {
  const out = formatFrameLog([
    ev(1, 'recv', { type: 'SETTINGS', streamId: 0, flags: 0, length: 6, ack: false, settings: [{ id: 3, value: 100 }] }),
    ev(1, 'send', { type: 'SETTINGS', streamId: 0, flags: 0, length: 12, ack: false, settings: [{ id: 3, value: 100 }, { id: 4, value: 65535 }] }),
    ev(1, 'send', { type: 'SETTINGS', streamId: 0, flags: 1, length: 0, ack: true, settings: [] }),
    ev(1, 'send', { type: 'GOAWAY', streamId: 0, flags: 0, length: 8, lastStreamId: 2, errorCode: 0, debugData: new Uint8Array(0) }),
  ]);
  assert.equal(out, [
    '[  0.001] recv SETTINGS frame <length=6, flags=0x00, stream_id=0>',
    '          (niv=1)',
    '          [SETTINGS_MAX_CONCURRENT_STREAMS(0x03):100]',
    '[  0.001] send SETTINGS frame <length=12, flags=0x00, stream_id=0>',
    '          (niv=2)',
    '          [SETTINGS_MAX_CONCURRENT_STREAMS(0x03):100]',
    '          [SETTINGS_INITIAL_WINDOW_SIZE(0x04):65535]',
    '[  0.001] send SETTINGS frame <length=0, flags=0x01, stream_id=0>',
    '          ; ACK',
    '          (niv=0)',
    '[  0.001] send GOAWAY frame <length=8, flags=0x00, stream_id=0>',
    '          (last_stream_id=2, error_code=NO_ERROR(0x00), opaque_data(0)=[])',
    '',
  ].join('\n'));
});

test('sent HEADERS list fields under the frame; received fields come first, one line each', () => {
  const log = new FrameLog({ role: 'client' });
  const sent = log.format(ev(1, 'send', {
    type: 'HEADERS', streamId: 13, flags: 0x25, length: 39, endStream: true, continuations: 0, padLength: 0,
    priority: { exclusive: false, dependsOn: 11, weight: 15 }, headerBlock: new Uint8Array(0),
    headers: [{ name: ':method', value: 'GET' }, { name: ':path', value: '/' }],
  }));
  assert.equal(sent, [
    '[  0.001] send HEADERS frame <length=39, flags=0x25, stream_id=13>',
    '          ; END_STREAM | END_HEADERS | PRIORITY',
    '          (padlen=0, dep_stream_id=11, weight=16, exclusive=0)',
    '          ; Open new stream',
    '          :method: GET',
    '          :path: /',
    '',
  ].join('\n'));

  const promise = log.format(ev(1, 'recv', {
    type: 'PUSH_PROMISE', streamId: 13, flags: 0x04, length: 28, promisedStreamId: 2, continuations: 0, padLength: 0,
    headerBlock: new Uint8Array(0), headers: [{ name: ':path', value: '/style.css' }],
  }));
  assert.equal(promise, [
    '[  0.001] recv (stream_id=13) :path: /style.css',
    '[  0.001] recv PUSH_PROMISE frame <length=28, flags=0x04, stream_id=13>',
    '          ; END_HEADERS',
    '          (padlen=0, promised_stream_id=2)',
    '',
  ].join('\n'));

  const response = (streamId: number) => log.format(ev(1, 'recv', {
    type: 'HEADERS', streamId, flags: 0x04, length: 91, endStream: false, continuations: 0, padLength: 0,
    headerBlock: new Uint8Array(0), headers: [{ name: ':status', value: '200' }, { name: 'set-cookie', value: 'a=b', sensitive: true }],
  }));
  assert.equal(response(13), [
    '[  0.001] recv (stream_id=13) :status: 200',
    '[  0.001] recv (stream_id=13, sensitive) set-cookie: a=b',
    '[  0.001] recv HEADERS frame <length=91, flags=0x04, stream_id=13>',
    '          ; END_HEADERS',
    '          (padlen=0)',
    '          ; First response header',
    '',
  ].join('\n'));
  assert.match(response(2), /; First push response header\n$/);
  // A second block on the same stream (trailers) gets no category note.
  assert.match(response(13), /\(padlen=0\)\n$/);
});

test('DATA, RST_STREAM, PING, WINDOW_UPDATE, PRIORITY and unknown frames', () => {
  const out = formatFrameLog([
    ev(2, 'recv', { type: 'DATA', streamId: 13, flags: 0x09, length: 10, endStream: true, padLength: 3, data: ascii('hello!') }),
    ev(2, 'send', { type: 'RST_STREAM', streamId: 2, flags: 0, length: 4, errorCode: 8 }),
    ev(2, 'recv', { type: 'PING', streamId: 0, flags: 1, length: 8, ack: true, opaqueData: Uint8Array.of(0, 1, 2, 3, 4, 5, 6, 0xff) }),
    ev(2, 'send', { type: 'WINDOW_UPDATE', streamId: 0, flags: 0, length: 4, windowSizeIncrement: 33_554_432 }),
    ev(2, 'send', { type: 'PRIORITY', streamId: 3, flags: 0, length: 5, priority: { exclusive: true, dependsOn: 0, weight: 200 } }),
    ev(2, 'recv', { type: 'UNKNOWN', streamId: 0, flags: 0, length: 3, frameType: 0xc, payload: ascii('abc') }),
    ev(2, 'recv', { type: 'GOAWAY', streamId: 0, flags: 0, length: 17, lastStreamId: 1, errorCode: 0xb, debugData: ascii('too_many\u0001pings') }),
  ]);
  assert.equal(out, [
    '[  0.002] recv DATA frame <length=10, flags=0x09, stream_id=13>',
    '          ; END_STREAM | PADDED',
    '          (padlen=4)',
    '[  0.002] send RST_STREAM frame <length=4, flags=0x00, stream_id=2>',
    '          (error_code=CANCEL(0x08))',
    '[  0.002] recv PING frame <length=8, flags=0x01, stream_id=0>',
    '          ; ACK',
    '          (opaque_data=00010203040506ff)',
    '[  0.002] send WINDOW_UPDATE frame <length=4, flags=0x00, stream_id=0>',
    '          (window_size_increment=33554432)',
    '[  0.002] send PRIORITY frame <length=5, flags=0x00, stream_id=3>',
    '          (dep_stream_id=0, weight=201, exclusive=1)',
    '[  0.002] recv UNKNOWN frame <length=3, flags=0x00, stream_id=0>',
    '          (type=0x0c ORIGIN)',
    '[  0.002] recv GOAWAY frame <length=17, flags=0x00, stream_id=0>',
    '          (last_stream_id=1, error_code=ENHANCE_YOUR_CALM(0x0b), opaque_data(14)=[too_many.pings])',
    '',
  ].join('\n'));
});

test('on the server side, received HEADERS open streams and sent ones answer them', () => {
  const log = new FrameLog({ role: 'server' });
  const headers = (dir: 'send' | 'recv'): TapEvent => ev(0, dir, {
    type: 'HEADERS', streamId: 1, flags: 0x05, length: 1, endStream: true, continuations: 0, padLength: 0, headerBlock: new Uint8Array(0), headers: [],
  });
  assert.match(log.format(headers('recv')), /; Open new stream\n$/);
  assert.match(log.format(headers('send')), /; First response header\n$/);
});

test('a decode error says which direction stopped and why', () => {
  const line = formatDecodeError({ t: 12, dir: 'recv', error: new ProtocolError('bad frame') });
  assert.equal(line, '[  0.012] recv [DECODE ERROR; ERR_PROTOCOL] bad frame\n          ; no more frames decoded in this direction\n');
});
