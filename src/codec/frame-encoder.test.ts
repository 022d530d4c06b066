import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, FrameSizeError } from '../errors.js';
import {
  CONNECTION_PREFACE_BYTES,
  encodeData,
  encodeFrame,
  encodeGoaway,
  encodeHeaders,
  encodePing,
  encodePriority,
  encodePushPromise,
  encodeRstStream,
  encodeSettings,
  encodeWindowUpdate,
  writeFrameHeader,
} from './frame-encoder.js';

// Expected bytes are written out by hand from the layouts in RFC 9113 §4.1 and §6.
function hex(s: string): Uint8Array {
  return Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
}
const bytes = (...b: number[]) => Uint8Array.from(b);

test('the connection preface is the 24 octets of RFC 9113 §3.4', () => {
  assert.equal(Buffer.from(CONNECTION_PREFACE_BYTES).toString('latin1'), 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
  assert.equal(CONNECTION_PREFACE_BYTES.length, 24);
});

test('writeFrameHeader: 24-bit length, type, flags, 31-bit stream id with the reserved bit clear', () => {
  const buf = new Uint8Array(12).fill(0xee);
  writeFrameHeader(buf, 2, 0x012345, 0x09, 0x04, 0x7fffffff);
  assert.deepEqual(buf, hex('eeee 012345 09 04 7fffffff ee'));
  assert.throws(() => writeFrameHeader(buf, 0, 1 << 24, 0, 0, 1), FrameSizeError);
  assert.throws(() => writeFrameHeader(buf, 0, 1, 0, 0, 0x80000000), ConfigError);
  assert.throws(() => writeFrameHeader(buf, 0, 1, 256, 0, 1), ConfigError);
  assert.throws(() => writeFrameHeader(buf, 0, 1, 0, -1, 1), ConfigError);
});

test('DATA: plain, END_STREAM, and PADDED with zero padding octets (§6.1)', () => {
  assert.deepEqual(encodeData(1, bytes(0x61, 0x62)), hex('000002 00 00 00000001 6162'));
  assert.deepEqual(encodeData(3, bytes(), { endStream: true }), hex('000000 00 01 00000003'));
  assert.deepEqual(encodeData(5, bytes(0x61), { endStream: true, padLength: 3 }), hex('000005 00 09 00000005 03 61 000000'));
  // padLength 0 still sets PADDED: one Pad Length octet of zero.
  assert.deepEqual(encodeData(5, bytes(0x61), { padLength: 0 }), hex('000002 00 08 00000005 00 61'));
  assert.throws(() => encodeData(1, new Uint8Array(20), { maxFrameSize: 16 }), FrameSizeError);
  assert.throws(() => encodeData(1, bytes(), { padLength: 256 }), ConfigError);
});

test('HEADERS: priority fields, padding, END_HEADERS (§6.2)', () => {
  assert.deepEqual(encodeHeaders(1, bytes(0x82, 0x84), { endStream: true }), hex('000002 01 05 00000001 8284'));
  assert.deepEqual(
    encodeHeaders(3, bytes(0x82), { priority: { exclusive: true, dependsOn: 1, weight: 15 }, padLength: 2 }),
    // flags PRIORITY|PADDED|END_HEADERS = 0x2c; payload: pad 2, E|dep 1, weight 15, block, 2 zero octets
    hex('000009 01 2c 00000003 02 80000001 0f 82 0000'),
  );
});

test('HEADERS longer than maxFrameSize continue in CONTINUATION frames, END_HEADERS on the last (§6.10)', () => {
  const block = Uint8Array.from({ length: 10 }, (_, i) => i);
  // Pad Length octet + 1 pad octet leave 2 block octets in HEADERS; 8 more in two CONTINUATIONs.
  assert.deepEqual(
    encodeHeaders(1, block, { maxFrameSize: 4, endStream: true, padLength: 1 }),
    hex('000004 01 09 00000001 01 0001 00' + '000004 09 00 00000001 02030405' + '000004 09 04 00000001 06070809'),
  );
  assert.deepEqual(encodePushPromise(1, 2, bytes(7, 8), { maxFrameSize: 5 }), hex('000005 05 00 00000001 00000002 07' + '000001 09 04 00000001 08'));
  // An empty block still makes one HEADERS frame with END_HEADERS.
  assert.deepEqual(encodeHeaders(1, bytes()), hex('000000 01 04 00000001'));
  assert.throws(() => encodeHeaders(1, block, { maxFrameSize: 5, priority: { exclusive: false, dependsOn: 0, weight: 0 }, padLength: 0 }), FrameSizeError);
});

test('PRIORITY, RST_STREAM, WINDOW_UPDATE (§6.3, §6.4, §6.9)', () => {
  assert.deepEqual(encodePriority(5, { exclusive: false, dependsOn: 3, weight: 255 }), hex('000005 02 00 00000005 00000003 ff'));
  assert.deepEqual(encodeRstStream(7, 8), hex('000004 03 00 00000007 00000008'));
  assert.deepEqual(encodeRstStream(7, 0xffffffff), hex('000004 03 00 00000007 ffffffff'));
  assert.deepEqual(encodeWindowUpdate(0, 0x7fffffff), hex('000004 08 00 00000000 7fffffff'));
  // The encoder does not enforce receiver rules: a zero increment can be sent for fault injection.
  assert.deepEqual(encodeWindowUpdate(1, 0), hex('000004 08 00 00000001 00000000'));
  assert.throws(() => encodeWindowUpdate(1, 0x80000000), ConfigError);
  assert.throws(() => encodeRstStream(0x80000000, 0), ConfigError);
});

test('SETTINGS in the given order, unknown ids included; ACK is empty (§6.5)', () => {
  assert.deepEqual(
    encodeSettings([
      { id: 3, value: 100 },
      { id: 4, value: 0x7fffffff },
      { id: 0xabcd, value: 0xffffffff },
    ]),
    hex('000012 04 00 00000000 0003 00000064 0004 7fffffff abcd ffffffff'),
  );
  assert.deepEqual(encodeSettings([], true), hex('000000 04 01 00000000'));
  assert.throws(() => encodeSettings([{ id: 0x10000, value: 0 }]), ConfigError);
});

test('PUSH_PROMISE with promised stream id and padding (§6.6)', () => {
  assert.deepEqual(encodePushPromise(1, 2, bytes(0x82)), hex('000005 05 04 00000001 00000002 82'));
  assert.deepEqual(encodePushPromise(1, 4, bytes(0x82), { padLength: 1 }), hex('000007 05 0c 00000001 01 00000004 82 00'));
});

test('PING and GOAWAY (§6.7, §6.8)', () => {
  assert.deepEqual(encodePing(bytes(1, 2, 3, 4, 5, 6, 7, 8), true), hex('000008 06 01 00000000 0102030405060708'));
  assert.throws(() => encodePing(bytes(1, 2, 3)), ConfigError);
  assert.deepEqual(encodeGoaway(9, 11, new TextEncoder().encode('ab')), hex('00000a 07 00 00000000 00000009 0000000b 6162'));
  assert.deepEqual(encodeGoaway(0x7fffffff, 0), hex('000008 07 00 00000000 7fffffff 00000000'));
});

test('encodeFrame derives flags from fields and keeps other flag bits', () => {
  assert.deepEqual(
    encodeFrame({ type: 'DATA', streamId: 1, flags: 0x40, endStream: true, data: bytes(0x61), padLength: 0 }),
    hex('000001 00 41 00000001 61'),
  );
  // A decoded frame that was PADDED with a zero Pad Length keeps PADDED.
  assert.deepEqual(encodeFrame({ type: 'DATA', streamId: 1, flags: 0x08, endStream: false, data: bytes(0x61), padLength: 0 }), hex('000002 00 08 00000001 00 61'));
  assert.deepEqual(encodeFrame({ type: 'SETTINGS', streamId: 0, ack: true, settings: [] }), hex('000000 04 01 00000000'));
  assert.deepEqual(
    encodeFrame({ type: 'HEADERS', streamId: 3, flags: 0x01, endStream: false, headerBlock: bytes(0x82), padLength: 0 }),
    hex('000001 01 04 00000003 82'),
  );
  // UNKNOWN writes any type and payload as given: the way to build malformed frames.
  assert.deepEqual(encodeFrame({ type: 'UNKNOWN', frameType: 0x06, streamId: 3, flags: 0xff, payload: bytes(1, 2) }), hex('000002 06 ff 00000003 0102'));
  assert.throws(() => encodeFrame({ type: 'UNKNOWN', frameType: 0xfa, streamId: 0, flags: 0, payload: new Uint8Array(9) }, { maxFrameSize: 8 }), FrameSizeError);
});
