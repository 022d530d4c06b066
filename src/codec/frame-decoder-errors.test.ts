import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CodecError,
  CompressionError,
  ConfigError,
  FlowControlError,
  FrameSizeError,
  H2ErrorCode,
  HeaderListTooLargeError,
  ProtocolError,
} from '../errors.js';
import { FrameDecoder, type FrameDecoderOptions } from './frame-decoder.js';
import { CONNECTION_PREFACE_BYTES } from './frame-encoder.js';
import type { Frame } from './types.js';

// Each violation is written by hand in the RFC 9113 §4.1 layout:
// length(3) type(1) flags(1) stream(4) payload.
function hex(s: string): Uint8Array {
  return Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
}

type CodecErrorClass = new (...args: never[]) => CodecError;

/** The same error must come out whole and one byte at a time; returns it. */
function expectError(input: Uint8Array, cls: CodecErrorClass, options: FrameDecoderOptions = {}, streamId = 0): CodecError {
  const errors: unknown[] = [];
  for (const bytewise of [false, true]) {
    const d = new FrameDecoder(options);
    try {
      if (bytewise) for (let i = 0; i < input.length; i++) d.push(input.subarray(i, i + 1));
      else d.push(input);
      assert.fail(`no error (${bytewise ? 'bytewise' : 'whole'})`);
    } catch (err) {
      assert.ok(err instanceof cls, `${bytewise ? 'bytewise' : 'whole'}: got ${String(err)}`);
      assert.equal((err as CodecError).streamId, streamId, String(err));
      errors.push(err);
    }
  }
  assert.equal((errors[0] as Error).message, (errors[1] as Error).message);
  return errors[0] as CodecError;
}

function decodes(input: Uint8Array, options: FrameDecoderOptions = {}): Frame[] {
  return new FrameDecoder(options).push(input);
}

test('§4.2: a frame above SETTINGS_MAX_FRAME_SIZE is a FRAME_SIZE_ERROR as soon as its header arrives', () => {
  const d = new FrameDecoder();
  assert.throws(() => d.push(hex('004001 00 00 00000001')), FrameSizeError);
  assert.equal(d.bufferedBytes, 0);
  expectError(hex('004001 fa 00 00000000'), FrameSizeError); // unknown types too
  const err = expectError(hex('010000 00 00 00000001'), FrameSizeError, { maxFrameSize: 65_535 });
  assert.equal(err.h2Code, H2ErrorCode.FRAME_SIZE_ERROR);
  assert.equal(decodes(new Uint8Array(9 + 16_384).fill(0).fill(0x40, 1, 2).fill(1, 8, 9)).length, 1);
});

test('§4.2, §6: fixed-length frames of the wrong length are FRAME_SIZE_ERRORs', () => {
  // §6.3: PRIORITY is a stream error, so it names the stream.
  expectError(hex('000004 02 00 00000003 00000001'), FrameSizeError, {}, 3);
  expectError(hex('000006 02 00 00000003 00000001 0000'), FrameSizeError, {}, 3);
  expectError(hex('000003 03 00 00000001 000000'), FrameSizeError);
  expectError(hex('000007 06 00 00000000 01020304050607'), FrameSizeError);
  expectError(hex('000009 06 00 00000000 010203040506070809'), FrameSizeError);
  expectError(hex('000005 08 00 00000000 0000000100'), FrameSizeError);
  expectError(hex('000007 04 00 00000000 00030000006400'), FrameSizeError);
  expectError(hex('000006 04 01 00000000 000300000064'), FrameSizeError); // ACK with payload
  expectError(hex('000007 07 00 00000000 00000000000000'), FrameSizeError);
});

test('§4.2: frames too short for their mandatory fields', () => {
  expectError(hex('000000 00 08 00000001'), FrameSizeError); // PADDED DATA without a Pad Length octet
  expectError(hex('000004 01 24 00000001 00000001'), FrameSizeError); // HEADERS PRIORITY needs 5
  expectError(hex('000003 05 04 00000001 000002'), FrameSizeError); // PUSH_PROMISE needs 4
  expectError(hex('000004 05 0c 00000001 00 000002'), FrameSizeError); // padded PUSH_PROMISE needs 5
});

test('§6.1, §6.2, §6.6: padding as long as the payload is a PROTOCOL_ERROR', () => {
  expectError(hex('000003 00 08 00000001 03 6162'), ProtocolError);
  expectError(hex('000001 00 08 00000001 01'), ProtocolError);
  expectError(hex('000003 01 0c 00000001 03 8200'), ProtocolError);
  assert.equal(decodes(hex('000003 01 0c 00000001 02 0000')).length, 1); // empty block, all padding
  expectError(hex('000007 01 2c 00000001 02 0000000010 00'), ProtocolError); // priority fields leave no room
  expectError(hex('000006 05 0c 00000001 02 00000002 82'), ProtocolError);
  // Padding exactly up to the fields is fine.
  assert.equal(decodes(hex('000002 00 09 00000001 01 00')).length, 1);
});

test('§6: stream 0 where a stream is required, and a stream where 0 is required', () => {
  for (const frame of [
    '000001 00 00 00000000 61', // DATA
    '000001 01 04 00000000 82', // HEADERS
    '000005 02 00 00000000 0000000110', // PRIORITY
    '000004 03 00 00000000 00000008', // RST_STREAM
    '000005 05 04 00000000 00000002 82', // PUSH_PROMISE
    '000000 09 04 00000000', // CONTINUATION
    '000000 04 00 00000001', // SETTINGS
    '000008 06 00 00000003 0000000000000000', // PING
    '000008 07 00 00000005 0000000000000000', // GOAWAY
  ]) {
    const err = expectError(hex(frame), ProtocolError);
    assert.equal(err.h2Code, H2ErrorCode.PROTOCOL_ERROR);
  }
  // The reserved bit alone does not make a stream id non-zero (§4.1).
  expectError(hex('000001 00 00 80000000 61'), ProtocolError);
  // §6.6: stream 0 can never be promised.
  expectError(hex('000005 05 04 00000001 80000000 82'), ProtocolError);
});

test('§6.10: CONTINUATION only right after an open HEADERS/PUSH_PROMISE on the same stream', () => {
  const open = '000001 01 00 00000001 82';
  expectError(hex('000001 09 04 00000001 82'), ProtocolError); // nothing open
  expectError(hex('000001 01 04 00000001 82' + '000001 09 04 00000001 82'), ProtocolError); // already ended
  expectError(hex(open + '000001 09 04 00000003 82'), ProtocolError); // other stream
  expectError(hex(open + '000001 00 00 00000001 61'), ProtocolError); // DATA in between
  expectError(hex(open + '000008 06 00 00000000 0000000000000000'), ProtocolError); // PING in between
  expectError(hex(open + '000000 fa 00 00000000'), ProtocolError); // even an unknown type (§6.10)
  expectError(hex('000005 05 00 00000001 00000002 82' + '000001 01 04 00000001 82'), ProtocolError);
});

test('CONTINUATION flood: more than maxContinuations frames is a PROTOCOL_ERROR (CVE-2023-45288)', () => {
  const open = '000001 01 00 00000001 82';
  const empty = '000000 09 00 00000001';
  const last = '000000 09 04 00000001';
  assert.equal(decodes(hex(open + empty.repeat(31) + last)).length, 1);
  expectError(hex(open + empty.repeat(32) + last), ProtocolError);
  expectError(hex(open + empty.repeat(2)), ProtocolError, { maxContinuations: 1 });
});

test('header blocks above maxHeaderBlockSize are refused before they are buffered', () => {
  const open = '000004 01 00 00000001 01020304';
  expectError(hex(open), HeaderListTooLargeError, { maxHeaderBlockSize: 3 });
  const err = expectError(hex(open + '000004 09 00 00000001'), HeaderListTooLargeError, { maxHeaderBlockSize: 7 });
  assert.equal(err.h2Code, H2ErrorCode.ENHANCE_YOUR_CALM);
  assert.equal(decodes(hex(open + '000003 09 04 00000001 050607'), { maxHeaderBlockSize: 7 }).length, 1);
  // Padding does not count against the block.
  assert.equal(decodes(hex('000006 01 0c 00000001 01 01020304 00'), { maxHeaderBlockSize: 4 }).length, 1);
});

test('§6.5.2: SETTINGS values out of range', () => {
  expectError(hex('000006 04 00 00000000 0002 00000002'), ProtocolError);
  expectError(hex('000006 04 00 00000000 0004 80000000'), FlowControlError);
  expectError(hex('000006 04 00 00000000 0005 00003fff'), ProtocolError);
  expectError(hex('000006 04 00 00000000 0005 01000000'), ProtocolError);
  const [frame] = decodes(hex('00001e 04 00 00000000 0002 00000001 0004 7fffffff 0005 00004000 0005 00ffffff 0007 ffffffff'));
  assert.equal(frame?.type === 'SETTINGS' && frame.settings.length, 5);
});

test('§6.9: a zero WINDOW_UPDATE increment is a PROTOCOL_ERROR carrying the stream id', () => {
  expectError(hex('000004 08 00 00000000 00000000'), ProtocolError, {}, 0);
  expectError(hex('000004 08 00 00000007 80000000'), ProtocolError, {}, 7);
});

test('§3.4: a wrong client preface, or no SETTINGS after it, is a PROTOCOL_ERROR', () => {
  const err = expectError(new TextEncoder().encode('GET / HTTP/1.1\r\n\r\n'), ProtocolError, { expectPreface: true });
  assert.match(err.message, /preface/);
  const preface = Buffer.from(CONNECTION_PREFACE_BYTES).toString('hex');
  expectError(hex(preface + '000008 06 00 00000000 0000000000000000'), ProtocolError, { expectPreface: true });
  expectError(hex(preface + '000000 04 01 00000000'), ProtocolError, { expectPreface: true });
  expectError(hex(preface.slice(0, 20) + '00'), ProtocolError, { expectPreface: true });
  // Without expectPreface the preface is not special: it is read as a frame header.
  assert.throws(() => new FrameDecoder().push(CONNECTION_PREFACE_BYTES), CodecError);
});

test('an error is sticky: every later push throws the same error', () => {
  const d = new FrameDecoder();
  let first: unknown;
  try {
    d.push(hex('000004 08 00 00000000 00000000'));
  } catch (err) {
    first = err;
  }
  assert.ok(first instanceof ProtocolError);
  assert.throws(() => d.push(hex('000000 04 01 00000000')), (err) => err === first);
  assert.throws(() => d.push(new Uint8Array(0)), (err) => err === first);
});

test('pushInto keeps the frames decoded before a violation in the same chunk', () => {
  const frames: Frame[] = [];
  assert.throws(() => new FrameDecoder().pushInto(hex('000000 04 01 00000000' + '000004 08 00 00000000 00000000'), frames), ProtocolError);
  assert.deepEqual(frames.map((f) => f.type), ['SETTINGS']);
});

test('header decoder errors propagate; non-codec failures become COMPRESSION_ERROR', () => {
  const codecFailure = new CompressionError('bad index');
  const block = hex('000001 01 04 00000001 82');
  assert.throws(
    () => new FrameDecoder({ headerDecoder: { decode: () => { throw codecFailure; } } }).push(block),
    (err) => err === codecFailure,
  );
  assert.throws(
    () => new FrameDecoder({ headerDecoder: { decode: () => { throw new TypeError('oops'); } } }).push(block),
    (err) => err instanceof CompressionError && err.cause instanceof TypeError,
  );
});

test('invalid options are ConfigErrors', () => {
  assert.throws(() => new FrameDecoder({ maxFrameSize: 16_383 }), ConfigError);
  assert.throws(() => new FrameDecoder({ maxFrameSize: 16_777_216 }), ConfigError);
  assert.throws(() => new FrameDecoder({ maxContinuations: -1 }), ConfigError);
  assert.throws(() => new FrameDecoder().setMaxFrameSize(1.5), ConfigError);
});
