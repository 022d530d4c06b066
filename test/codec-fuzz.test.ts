/**
 * Seeded fuzzing of the frame decoder (issue 2 §2): valid frame sequences, then the same with
 * bit flips, truncation, changed length/type/flags/stream fields and inserted bytes, fed in
 * random chunkings. The decoder must only ever return frames or throw a CodecError (never a
 * TypeError or RangeError), keep bufferedBytes within its bounds, decode a chunked stream
 * exactly as the whole buffer, and decode every unmutated sequence completely.
 *
 * Rerun a different corpus with H2DOCTOR_FUZZ_SEED=<n>.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CodecError, CompressionError, FlowControlError, FrameSizeError, H2DoctorError, HeaderListTooLargeError, ProtocolError } from '../src/errors.js';
import { createRandom, deriveSeed, randomInt, type Random } from '../src/random.js';
import { FrameDecoder, type FrameDecoderOptions } from '../src/codec/frame-decoder.js';
import { CONNECTION_PREFACE_BYTES, encodeFrame, type FrameToEncode } from '../src/codec/frame-encoder.js';
import { HpackDecoder } from '../src/codec/hpack/decoder.js';
import { HpackEncoder } from '../src/codec/hpack/encoder.js';
import type { Frame, HeaderField } from '../src/codec/types.js';

const SEED = Number(process.env.H2DOCTOR_FUZZ_SEED ?? 0x2f1e_2026);

interface Sequence {
  bytes: Uint8Array;
  /** Offsets where frames (or header-block frame runs) start: targets for field mutations. */
  starts: number[];
  /** Frames the decoder should return for the unmutated bytes. */
  frameCount: number;
  options: FrameDecoderOptions;
  /** Builds the header decoder for one decoding run (a fresh dynamic table each time). */
  headerDecoder: (() => HpackDecoder) | undefined;
}

function randomBytes(random: Random, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (random() * 256) | 0;
  return out;
}

const NAMES = [':status', 'content-type', 'cache-control', 'x-request-id', 'server', 'date', 'set-cookie', 'vary'];
const VALUES = ['200', '404', 'application/json', 'no-cache', 'nghttpd', 'Tue, 24 Nov 2026 19:00:00 GMT', 'a=b; Path=/'];

function randomFields(random: Random): HeaderField[] {
  const fields: HeaderField[] = [];
  const n = randomInt(random, 1, 8);
  for (let i = 0; i < n; i++) {
    const name = NAMES[randomInt(random, 0, NAMES.length - 1)]!;
    const value = random() < 0.2 ? String(randomInt(random, 0, 1e9)) : VALUES[randomInt(random, 0, VALUES.length - 1)]!;
    fields.push({ name, value, ...(random() < 0.05 ? { sensitive: true } : {}) });
  }
  return fields;
}

/** One valid frame; header blocks may be split into CONTINUATION frames. */
function randomFrame(random: Random, hpack: HpackEncoder | undefined): { frame: FrameToEncode; maxFrameSize?: number } {
  const stream = randomInt(random, 1, 0x7fffffff);
  const pad = random() < 0.2 ? randomInt(random, 0, 20) : undefined;
  const block = (): Uint8Array => (hpack !== undefined ? hpack.encode(randomFields(random)) : randomBytes(random, randomInt(random, 0, 60)));
  const split = random() < 0.3 ? { maxFrameSize: randomInt(random, 30, 80) } : {};
  const k = random();
  if (k < 0.28) {
    const size = random() < 0.03 ? randomInt(random, 1000, 16_000) : randomInt(random, 0, 200);
    return { frame: { type: 'DATA', streamId: stream, endStream: random() < 0.3, data: randomBytes(random, size), padLength: pad } };
  }
  if (k < 0.48) {
    const priority = random() < 0.2 ? { exclusive: random() < 0.5, dependsOn: randomInt(random, 0, 99), weight: randomInt(random, 0, 255) } : undefined;
    return { frame: { type: 'HEADERS', streamId: stream, endStream: random() < 0.5, headerBlock: block(), padLength: pad, ...(priority ? { priority } : {}) }, ...split };
  }
  if (k < 0.54) return { frame: { type: 'PUSH_PROMISE', streamId: stream, promisedStreamId: randomInt(random, 1, 1000) * 2, headerBlock: block(), padLength: pad }, ...split };
  if (k < 0.64) return { frame: { type: 'WINDOW_UPDATE', streamId: random() < 0.5 ? 0 : stream, windowSizeIncrement: randomInt(random, 1, 0x7fffffff) } };
  if (k < 0.72) {
    const settings = Array.from({ length: randomInt(random, 0, 6) }, () => {
      const id = randomInt(random, 1, 10);
      const value = id === 2 ? randomInt(random, 0, 1) : id === 4 ? randomInt(random, 0, 0x7fffffff) : id === 5 ? randomInt(random, 16_384, 16_777_215) : randomInt(random, 0, 0xffffffff);
      return { id, value };
    });
    const ack = random() < 0.3;
    return { frame: { type: 'SETTINGS', streamId: 0, ack, settings: ack ? [] : settings } };
  }
  if (k < 0.78) return { frame: { type: 'PING', streamId: 0, ack: random() < 0.5, opaqueData: randomBytes(random, 8) } };
  if (k < 0.83) return { frame: { type: 'RST_STREAM', streamId: stream, errorCode: randomInt(random, 0, 13) } };
  if (k < 0.88) return { frame: { type: 'PRIORITY', streamId: stream, priority: { exclusive: random() < 0.5, dependsOn: randomInt(random, 0, 99), weight: randomInt(random, 0, 255) } } };
  if (k < 0.92) return { frame: { type: 'GOAWAY', streamId: 0, lastStreamId: randomInt(random, 0, 0x7fffffff), errorCode: randomInt(random, 0, 13), debugData: randomBytes(random, randomInt(random, 0, 20)) } };
  return { frame: { type: 'UNKNOWN', streamId: randomInt(random, 0, 9), flags: randomInt(random, 0, 255), frameType: randomInt(random, 10, 255), payload: randomBytes(random, randomInt(random, 0, 40)) } };
}

function randomSequence(random: Random, withHpack: boolean): Sequence {
  const expectPreface = random() < 0.15;
  const hpack = withHpack ? new HpackEncoder({ huffman: random() < 0.5 ? 'auto' : 'never' }) : undefined;
  const parts: Uint8Array[] = [];
  const starts: number[] = [];
  let size = 0;
  const add = (bytes: Uint8Array): void => {
    starts.push(size);
    parts.push(bytes);
    size += bytes.length;
  };
  if (expectPreface) {
    parts.push(CONNECTION_PREFACE_BYTES);
    size += CONNECTION_PREFACE_BYTES.length;
    add(encodeFrame({ type: 'SETTINGS', streamId: 0, ack: false, settings: [{ id: 3, value: 100 }] }));
  }
  const n = randomInt(random, 1, 8);
  for (let i = 0; i < n; i++) {
    const { frame, maxFrameSize } = randomFrame(random, hpack);
    add(encodeFrame(frame, maxFrameSize === undefined ? {} : { maxFrameSize }));
  }
  const bytes = new Uint8Array(size);
  let p = 0;
  for (const part of parts) {
    bytes.set(part, p);
    p += part.length;
  }
  const options: FrameDecoderOptions = { expectPreface };
  if (random() < 0.1) options.maxFrameSize = 16_384 * 2;
  if (random() < 0.1) options.maxHeaderBlockSize = randomInt(random, 0, 120);
  if (random() < 0.1) options.maxContinuations = randomInt(random, 0, 2);
  if (random() < 0.3) options.reuseBuffers = true;
  const frameCount = expectPreface ? n + 1 : n;
  return { bytes, starts, frameCount, options, headerDecoder: withHpack ? () => new HpackDecoder() : undefined };
}

/** A well-formed frame whose values a receiver must refuse (the encoder writes what it is given). */
function refusedFrame(random: Random): Uint8Array {
  switch (randomInt(random, 0, 5)) {
    case 0:
      return encodeFrame({ type: 'SETTINGS', streamId: 0, ack: false, settings: [{ id: 4, value: randomInt(random, 0x80000000, 0xffffffff) }] });
    case 1:
      return encodeFrame({ type: 'SETTINGS', streamId: 0, ack: false, settings: [{ id: 2, value: randomInt(random, 2, 0xffffffff) }] });
    case 2:
      return encodeFrame({ type: 'SETTINGS', streamId: 0, ack: false, settings: [{ id: 5, value: random() < 0.5 ? randomInt(random, 0, 16_383) : randomInt(random, 16_777_216, 0xffffffff) }] });
    case 3:
      return encodeFrame({ type: 'WINDOW_UPDATE', streamId: randomInt(random, 0, 9), windowSizeIncrement: 0 });
    case 4:
      return encodeFrame({ type: 'PUSH_PROMISE', streamId: 1, promisedStreamId: 0, headerBlock: new Uint8Array(0) });
    default:
      return encodeFrame({ type: 'DATA', streamId: 0, endStream: false, data: randomBytes(random, 3) });
  }
}

/** Applies 1–3 random mutations; returns new bytes. */
function mutate(random: Random, seq: Sequence): Uint8Array {
  let bytes = Uint8Array.from(seq.bytes);
  const rounds = randomInt(random, 1, 3);
  for (let r = 0; r < rounds && bytes.length > 0; r++) {
    let at = randomInt(random, 0, bytes.length - 1);
    const start = seq.starts[randomInt(random, 0, seq.starts.length - 1)]!;
    const k = random();
    if (k < 0.25) {
      bytes[at] ^= 1 << randomInt(random, 0, 7);
    } else if (k < 0.35) {
      // A byte, or a 32-bit field set to all ones (window sizes, SETTINGS values, error codes).
      if (random() < 0.5) bytes[at] = randomInt(random, 0, 255);
      else bytes.fill(0xff, at, at + 4);
    } else if (k < 0.45) {
      bytes = bytes.slice(0, at);
    } else if (k < 0.65 && start + 3 <= bytes.length) {
      // Length field: a small change, or anything in 24 bits.
      const old = (bytes[start]! << 16) | (bytes[start + 1]! << 8) | bytes[start + 2]!;
      const length = random() < 0.6 ? Math.max(0, old + randomInt(random, -10, 10)) : randomInt(random, 0, 0xffffff);
      bytes[start] = length >>> 16;
      bytes[start + 1] = (length >>> 8) & 0xff;
      bytes[start + 2] = length & 0xff;
    } else if (k < 0.72 && start + 4 <= bytes.length) {
      bytes[start + 3] = randomInt(random, 0, 12);
    } else if (k < 0.8 && start + 5 <= bytes.length) {
      bytes[start + 4] = randomInt(random, 0, 255);
    } else if (k < 0.88 && start + 9 <= bytes.length) {
      bytes.set(random() < 0.5 ? [0, 0, 0, 0] : randomBytes(random, 4), start + 5);
    } else {
      // Random bytes anywhere, or a refused frame at a frame boundary.
      const refused = random() < 0.4;
      if (refused) at = Math.min(start, bytes.length);
      const inserted = refused ? refusedFrame(random) : randomBytes(random, randomInt(random, 1, 12));
      const grown = new Uint8Array(bytes.length + inserted.length);
      grown.set(bytes.subarray(0, at));
      grown.set(inserted, at);
      grown.set(bytes.subarray(at), at + inserted.length);
      bytes = grown;
    }
  }
  return bytes;
}

/** Random chunk boundaries: whole, one byte at a time, small or socket-sized pieces. */
function chunkSizes(random: Random, length: number): number[] {
  const mode = random();
  if (mode < 0.25 || length === 0) return [length];
  const max = mode < 0.3 ? 1 : mode < 0.7 ? 16 : 4096;
  const sizes: number[] = [];
  for (let left = length; left > 0; ) {
    const n = Math.min(left, randomInt(random, 1, max));
    sizes.push(n);
    left -= n;
  }
  return sizes;
}

interface Outcome {
  frames: Frame[];
  error: CodecError | undefined;
  maxBuffered: number;
  /** bufferedBytes after the last push. */
  finalBuffered: number;
}

/** A copy whose byte fields no longer share the decoder's buffers. */
function snapshot(frame: Frame): Frame {
  const copy: Record<string, unknown> = { ...frame };
  for (const [key, value] of Object.entries(copy)) if (value instanceof Uint8Array) copy[key] = Uint8Array.prototype.slice.call(value);
  return copy as unknown as Frame;
}

function decode(bytes: Uint8Array, sizes: number[], seq: Sequence): Outcome {
  const options = { ...seq.options, ...(seq.headerDecoder ? { headerDecoder: seq.headerDecoder() } : {}) };
  const decoder = new FrameDecoder(options);
  const frames: Frame[] = [];
  let maxBuffered = 0;
  let p = 0;
  let finalBuffered = 0;
  const reuse = seq.options.reuseBuffers === true;
  let kept = 0;
  try {
    for (const n of sizes) {
      try {
        decoder.pushInto(bytes.subarray(p, p + n), frames);
      } finally {
        // With reuseBuffers, views hold only until the next push: copy them now.
        if (reuse) for (; kept < frames.length; kept++) frames[kept] = snapshot(frames[kept]!);
      }
      p += n;
      finalBuffered = decoder.bufferedBytes;
      // Never more than it was given, never more than one frame plus one header block.
      assert.ok(finalBuffered <= p, `bufferedBytes ${finalBuffered} after ${p} bytes`);
      maxBuffered = Math.max(maxBuffered, finalBuffered);
    }
  } catch (err) {
    if (!(err instanceof CodecError)) throw err;
    // Errors are sticky.
    assert.throws(() => decoder.push(new Uint8Array(1)), (again) => again === err);
    // A header-decoder failure is wrapped only if it was not one of ours: never a TypeError inside.
    if (err.cause !== undefined) assert.ok(err.cause instanceof H2DoctorError, `CodecError caused by ${String(err.cause)}`);
    return { frames, error: err, maxBuffered, finalBuffered };
  }
  return { frames, error: undefined, maxBuffered, finalBuffered };
}

function run(label: string, sequences: number, withHpack: boolean): Map<string, number> {
  const random = createRandom(deriveSeed(SEED, label));
  const seen = new Map<string, number>();
  const count = (key: string) => seen.set(key, (seen.get(key) ?? 0) + 1);
  for (let i = 0; i < sequences; i++) {
    const seq = randomSequence(random, withHpack);
    const valid = random() < 0.2;
    const bytes = valid ? seq.bytes : mutate(random, seq);
    const sizes = chunkSizes(random, bytes.length);
    const where = `${label} seed ${SEED} sequence ${i}: ${Buffer.from(bytes.subarray(0, 200)).toString('hex')}`;
    let outcome: Outcome;
    try {
      outcome = decode(bytes, sizes, seq);
    } catch (err) {
      assert.fail(`${where}\nthrew a non-codec error: ${(err as Error)?.stack ?? String(err)}`);
    }
    const bound = (seq.options.maxFrameSize ?? 16_384) + 9 + (seq.options.maxHeaderBlockSize ?? 262_144);
    assert.ok(outcome.maxBuffered <= bound, `${where}\nbufferedBytes ${outcome.maxBuffered} > ${bound}`);
    count(outcome.error === undefined ? 'ok' : outcome.error.constructor.name);
    if (valid && seq.options.maxHeaderBlockSize === undefined && seq.options.maxContinuations === undefined) {
      assert.equal(outcome.error, undefined, `${where}\nvalid sequence failed: ${String(outcome.error)}`);
      assert.equal(outcome.frames.length, seq.frameCount, where);
      assert.equal(outcome.finalBuffered, 0, `${where}\nbytes left buffered after a complete sequence`);
    }
    // Every eighth sequence: the chunked run must equal the whole-buffer run exactly.
    if (i % 8 === 0 && sizes.length > 1) {
      const whole = decode(bytes, [bytes.length], seq);
      assert.deepEqual(outcome.frames, whole.frames, `${where}\nchunked frames differ`);
      assert.equal(outcome.error?.message, whole.error?.message, `${where}\nchunked error differs`);
    }
  }
  return seen;
}

test('fuzz: 100,000 random and mutated frame sequences yield frames or CodecErrors only', () => {
  const seen = run('frames', 100_000, false);
  // The corpus must reach both outcomes and every kind of violation, or it tests little.
  assert.ok((seen.get('ok') ?? 0) > 20_000, JSON.stringify([...seen]));
  for (const cls of [FrameSizeError, ProtocolError, FlowControlError, HeaderListTooLargeError]) {
    assert.ok((seen.get(cls.name) ?? 0) > 100, `${cls.name}: ${JSON.stringify([...seen])}`);
  }
});

test('fuzz: 25,000 sequences with real HPACK blocks and an HpackDecoder attached', () => {
  const seen = run('hpack', 25_000, true);
  assert.ok((seen.get('ok') ?? 0) > 5_000, JSON.stringify([...seen]));
  assert.ok((seen.get(CompressionError.name) ?? 0) > 50, JSON.stringify([...seen]));
});
