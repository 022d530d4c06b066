import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameDecoder } from './frame-decoder.js';
import { CONNECTION_PREFACE_BYTES, encodeFrame, type FrameToEncode } from './frame-encoder.js';
import type { Frame, HeaderField } from './types.js';

// Hand-written frames follow the layouts of RFC 9113 §4.1 and §6.
function hex(s: string): Uint8Array {
  return Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
}
const bytes = (...b: number[]) => Uint8Array.from(b);

function decodeAll(input: Uint8Array, decoder = new FrameDecoder()): Frame[] {
  return decoder.push(input);
}

/** Decodes one byte at a time. */
function decodeBytewise(input: Uint8Array, decoder = new FrameDecoder()): Frame[] {
  const frames: Frame[] = [];
  for (let i = 0; i < input.length; i++) frames.push(...decoder.push(input.subarray(i, i + 1)));
  return frames;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  return Uint8Array.from(Buffer.concat(parts));
}

test('DATA: plain and PADDED; data is the payload without padding (§6.1)', () => {
  assert.deepEqual(decodeAll(hex('000002 00 01 00000001 6162')), [
    { type: 'DATA', streamId: 1, flags: 1, length: 2, endStream: true, data: bytes(0x61, 0x62), padLength: 0 },
  ]);
  assert.deepEqual(decodeAll(hex('000005 00 08 00000003 02 6162 0000')), [
    { type: 'DATA', streamId: 3, flags: 8, length: 5, endStream: false, data: bytes(0x61, 0x62), padLength: 2 },
  ]);
});

test('HEADERS with priority and padding (§6.2); reserved bits of stream ids ignored (§4.1)', () => {
  assert.deepEqual(decodeAll(hex('000009 01 2d 80000003 02 80000001 0f 82 0000')), [
    {
      type: 'HEADERS',
      streamId: 3,
      flags: 0x2d,
      length: 9,
      endStream: true,
      priority: { exclusive: true, dependsOn: 1, weight: 15 },
      headerBlock: bytes(0x82),
      continuations: 0,
      padLength: 2,
    },
  ]);
});

test('HEADERS + CONTINUATION frames are assembled into one frame (§6.10)', () => {
  const input = hex('000002 01 01 00000005 0102' + '000001 09 00 00000005 03' + '000000 09 00 00000005' + '000002 09 04 00000005 0405');
  const expected = [{ type: 'HEADERS', streamId: 5, flags: 1, length: 5, endStream: true, headerBlock: bytes(1, 2, 3, 4, 5), continuations: 3, padLength: 0 }];
  assert.deepEqual(decodeAll(input), expected);
  assert.deepEqual(decodeBytewise(input), expected);
});

test('PRIORITY, RST_STREAM, WINDOW_UPDATE (§6.3, §6.4, §6.9)', () => {
  const input = hex('000005 02 00 00000005 00000003 ff' + '000004 03 00 00000007 00000008' + '000004 08 00 00000000 ffffffff');
  assert.deepEqual(decodeAll(input), [
    { type: 'PRIORITY', streamId: 5, flags: 0, length: 5, priority: { exclusive: false, dependsOn: 3, weight: 255 } },
    { type: 'RST_STREAM', streamId: 7, flags: 0, length: 4, errorCode: 8 },
    // The increment's reserved bit is ignored (§6.9).
    { type: 'WINDOW_UPDATE', streamId: 0, flags: 0, length: 4, windowSizeIncrement: 0x7fffffff },
  ]);
});

test('SETTINGS keeps wire order and unknown ids; ACK (§6.5)', () => {
  assert.deepEqual(decodeAll(hex('000012 04 00 00000000 0003 00000064 abcd ffffffff 0002 00000000' + '000000 04 01 00000000')), [
    {
      type: 'SETTINGS',
      streamId: 0,
      flags: 0,
      length: 18,
      ack: false,
      settings: [
        { id: 3, value: 100 },
        { id: 0xabcd, value: 0xffffffff },
        { id: 2, value: 0 },
      ],
    },
    { type: 'SETTINGS', streamId: 0, flags: 1, length: 0, ack: true, settings: [] },
  ]);
});

test('PUSH_PROMISE, PING, GOAWAY, and an unknown type passed through (§6.6–6.8, §5.5)', () => {
  const input = hex(
    '000007 05 0c 00000001 01 80000002 82 00' +
      '000008 06 01 00000000 0102030405060708' +
      '00000a 07 00 00000000 80000009 0000000b 6162' +
      '000003 fa 0f 00000009 010203',
  );
  assert.deepEqual(decodeAll(input), [
    { type: 'PUSH_PROMISE', streamId: 1, flags: 0x0c, length: 7, promisedStreamId: 2, headerBlock: bytes(0x82), continuations: 0, padLength: 1 },
    { type: 'PING', streamId: 0, flags: 1, length: 8, ack: true, opaqueData: bytes(1, 2, 3, 4, 5, 6, 7, 8) },
    { type: 'GOAWAY', streamId: 0, flags: 0, length: 10, lastStreamId: 9, errorCode: 11, debugData: bytes(0x61, 0x62) },
    { type: 'UNKNOWN', streamId: 9, flags: 0x0f, length: 3, frameType: 0xfa, payload: bytes(1, 2, 3) },
  ]);
});

test('every frame type round-trips through encodeFrame, whole and one byte at a time', () => {
  const frames: FrameToEncode[] = [
    { type: 'SETTINGS', streamId: 0, ack: false, settings: [{ id: 4, value: 1 << 20 }, { id: 5, value: 16_384 }, { id: 0x99, value: 7 }] },
    { type: 'SETTINGS', streamId: 0, ack: true, settings: [] },
    { type: 'HEADERS', streamId: 1, endStream: false, headerBlock: bytes(0x82, 0x86, 0x84), padLength: 0 },
    { type: 'HEADERS', streamId: 3, endStream: true, priority: { exclusive: false, dependsOn: 1, weight: 200 }, headerBlock: new Uint8Array(40_000).fill(7), padLength: 9 },
    { type: 'PUSH_PROMISE', streamId: 3, promisedStreamId: 2, headerBlock: new Uint8Array(20_000).fill(9), padLength: 0 },
    { type: 'DATA', streamId: 1, endStream: false, data: new Uint8Array(16_000).fill(1), padLength: 0 },
    { type: 'DATA', streamId: 1, endStream: true, data: bytes(5), padLength: 255 },
    { type: 'PRIORITY', streamId: 5, priority: { exclusive: true, dependsOn: 3, weight: 0 } },
    { type: 'RST_STREAM', streamId: 5, errorCode: 0xffffffff },
    { type: 'PING', streamId: 0, ack: false, opaqueData: bytes(8, 7, 6, 5, 4, 3, 2, 1) },
    { type: 'GOAWAY', streamId: 0, lastStreamId: 5, errorCode: 2, debugData: new TextEncoder().encode('bye') },
    { type: 'WINDOW_UPDATE', streamId: 0, windowSizeIncrement: 1 },
    { type: 'UNKNOWN', streamId: 0, flags: 0xff, frameType: 0x10, payload: bytes(1, 2, 3) },
  ];
  const wire = concat(...frames.map((f) => encodeFrame(f)));
  const whole = decodeAll(wire);
  assert.deepEqual(decodeBytewise(wire), whole);
  assert.equal(whole.length, frames.length);
  for (let i = 0; i < frames.length; i++) {
    const got = whole[i]!;
    // Re-encoding the decoded frame gives the same bytes.
    assert.deepEqual(encodeFrame(got), encodeFrame(frames[i]!), `frame ${i} (${got.type})`);
    for (const [key, value] of Object.entries(frames[i]!)) {
      assert.deepEqual((got as unknown as Record<string, unknown>)[key], value, `frame ${i} field ${key}`);
    }
  }
  const big = whole[3]!;
  assert.equal(big.type === 'HEADERS' && big.continuations, 2);
});

test('frames split anywhere decode the same as whole (random splits)', () => {
  const wire = concat(
    encodeFrame({ type: 'HEADERS', streamId: 1, endStream: false, headerBlock: new Uint8Array(30_000).fill(3) }),
    encodeFrame({ type: 'DATA', streamId: 1, endStream: true, data: new Uint8Array(16_384).fill(4) }),
    encodeFrame({ type: 'PING', streamId: 0, ack: false, opaqueData: new Uint8Array(8) }),
  );
  const whole = decodeAll(wire);
  for (let cut = 1; cut < wire.length; cut += 997) {
    const d = new FrameDecoder();
    const got = [...d.push(wire.subarray(0, cut)), ...d.push(wire.subarray(cut))];
    assert.deepEqual(got, whole, `split at ${cut}`);
    assert.equal(d.bufferedBytes, 0);
  }
});

test('bufferedBytes counts a partial frame and an open header block', () => {
  const d = new FrameDecoder();
  assert.equal(d.push(hex('000004 08 00 000000')).length, 0);
  assert.equal(d.bufferedBytes, 8);
  assert.equal(d.push(hex('01 00000001' + '000003 01 00 00000001 0102')).length, 1);
  assert.equal(d.bufferedBytes, 9 + 2);
  assert.equal(d.push(hex('03 000001 09')).length, 0);
  assert.equal(d.bufferedBytes, 3 + 4);
  assert.deepEqual(d.push(hex('04 00000001 04')).map((f) => f.type), ['HEADERS']);
  assert.equal(d.bufferedBytes, 0);
});

test('expectPreface: the client preface, then SETTINGS, decoded in any chunking (§3.4)', () => {
  const wire = concat(CONNECTION_PREFACE_BYTES, hex('000006 04 00 00000000 0002 00000000'));
  const expected = [{ type: 'SETTINGS', streamId: 0, flags: 0, length: 6, ack: false, settings: [{ id: 2, value: 0 }] }];
  assert.deepEqual(decodeAll(wire, new FrameDecoder({ expectPreface: true })), expected);
  assert.deepEqual(decodeBytewise(wire, new FrameDecoder({ expectPreface: true })), expected);
});

test('setMaxFrameSize lets larger frames through after our SETTINGS is acked', () => {
  const d = new FrameDecoder();
  d.setMaxFrameSize(65_536);
  const [frame] = d.push(encodeFrame({ type: 'DATA', streamId: 1, endStream: false, data: new Uint8Array(65_536) }));
  assert.equal(frame?.type === 'DATA' && frame.data.length, 65_536);
});

test('a header decoder gets every block in connection order and fills .headers', () => {
  const seen: number[][] = [];
  const headerDecoder = {
    decode(block: Uint8Array): HeaderField[] {
      seen.push([...block]);
      return [{ name: 'n', value: String(seen.length) }];
    },
  };
  const d = new FrameDecoder({ headerDecoder });
  const frames = decodeBytewise(
    concat(
      encodeFrame({ type: 'HEADERS', streamId: 1, endStream: false, headerBlock: bytes(1) }),
      encodeFrame({ type: 'PUSH_PROMISE', streamId: 1, promisedStreamId: 2, headerBlock: bytes(2, 2) }),
      encodeFrame({ type: 'HEADERS', streamId: 3, endStream: true, headerBlock: new Uint8Array(20_000).fill(3) }),
    ),
    d,
  );
  assert.deepEqual(seen.map((b) => b.length), [1, 2, 20_000]);
  assert.deepEqual(
    frames.map((f) => (f.type === 'HEADERS' || f.type === 'PUSH_PROMISE' ? f.headers : undefined)),
    [[{ name: 'n', value: '1' }], [{ name: 'n', value: '2' }], [{ name: 'n', value: '3' }]],
  );
});

test('reuseBuffers: straddling frames share two decoder buffers; frames are right when read before the next push', () => {
  const wire = concat(...[1, 3, 5, 7].map((id) => encodeFrame({ type: 'DATA', streamId: id, endStream: false, data: new Uint8Array(16_384).fill(id) })));
  const plain = new FrameDecoder();
  const reusing = new FrameDecoder({ reuseBuffers: true });
  const buffers: ArrayBufferLike[] = [];
  for (let p = 0; p < wire.length; p += 16_384) {
    const chunk = wire.subarray(p, p + 16_384);
    const expected = plain.push(chunk);
    const got = reusing.push(chunk);
    assert.deepEqual(got, expected);
    for (const f of got) if (f.type === 'DATA' && f.data.buffer !== wire.buffer) buffers.push(f.data.buffer);
  }
  // Each 16,393-byte frame straddles a chunk boundary; with reuse they alternate between two buffers.
  assert.equal(buffers.length, 4);
  assert.equal(buffers[0], buffers[2]);
  assert.equal(buffers[1], buffers[3]);
  assert.notEqual(buffers[0], buffers[1]);
});
