/**
 * Seeded fuzzing of the gRPC layer (src/grpc), like test/codec-fuzz.test.ts for HTTP/2: valid
 * streams of length-prefixed messages holding health and reflection protobuf, then the same
 * with bit flips, truncation, overwritten prefix bytes and inserted bytes, fed in random
 * chunkings. The only outcomes allowed are messages or our typed errors (GrpcFramingError,
 * GrpcMessageTooLargeError, ProtobufDecodeError), never a TypeError or RangeError; the decoder
 * never holds more than one message's bytes; a chunked stream decodes exactly as the whole;
 * and every unmutated stream decodes completely. Response-status parsing and grpc-message
 * decoding get random header values and must never throw.
 *
 * Rerun a different corpus with H2DOCTOR_FUZZ_SEED=<n>.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GrpcFramingError, GrpcMessageTooLargeError, ProtobufDecodeError } from '../src/errors.js';
import { createRandom, deriveSeed, randomInt, type Random } from '../src/random.js';
import { GrpcMessageDecoder, MESSAGE_PREFIX_BYTES, frameMessage, type GrpcMessage } from '../src/grpc/message-frame.js';
import { decodeHealthCheckResponse, encodeHealthCheckRequest, encodeHealthCheckResponse } from '../src/grpc/health.js';
import { decodeListServicesResponse, encodeListServicesResponse } from '../src/grpc/reflection.js';
import { readFields } from '../src/grpc/protobuf-wire.js';
import { grpcCallStatus } from '../src/grpc/response-status.js';
import { percentDecodeGrpcMessage } from '../src/grpc/percent.js';

const SEED = Number(process.env.H2DOCTOR_FUZZ_SEED ?? 0x6e9c_2026);
const CASES = 100_000;
const MAX_MESSAGE = 512;

function randomBytes(random: Random, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (random() * 256) | 0;
  return out;
}

const NAMES = ['grpc.health.v1.Health', 'shop.Inventory', 'grpc.reflection.v1.ServerReflection', '', 'ü.Svc'];

function randomMessage(random: Random): Uint8Array {
  const k = random();
  if (k < 0.3) return encodeHealthCheckResponse(randomInt(random, 0, 3));
  if (k < 0.5) return encodeHealthCheckRequest(NAMES[randomInt(random, 0, NAMES.length - 1)]!);
  if (k < 0.8) return encodeListServicesResponse(Array.from({ length: randomInt(random, 0, 5) }, () => NAMES[randomInt(random, 0, NAMES.length - 1)]!));
  return randomBytes(random, randomInt(random, 0, 40));
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function mutate(random: Random, bytes: Uint8Array, starts: number[]): Uint8Array {
  const b = Uint8Array.from(bytes);
  const k = random();
  if (k < 0.3 && b.length > 0) {
    for (let i = randomInt(random, 1, 4); i > 0; i--) b[randomInt(random, 0, b.length - 1)]! ^= 1 << randomInt(random, 0, 7);
    return b;
  }
  if (k < 0.5) return b.subarray(0, randomInt(random, 0, b.length));
  if (k < 0.8 && starts.length > 0) {
    // Overwrite a prefix byte: the flag, or a length byte (often huge).
    const at = starts[randomInt(random, 0, starts.length - 1)]! + randomInt(random, 0, MESSAGE_PREFIX_BYTES - 1);
    if (at < b.length) b[at] = (random() * 256) | 0;
    return b;
  }
  const at = randomInt(random, 0, b.length);
  return concat([b.subarray(0, at), randomBytes(random, randomInt(random, 1, 8)), b.subarray(at)]);
}

type Outcome = { messages: GrpcMessage[]; error: string | null };

function decodeChunked(bytes: Uint8Array, random: Random | null): Outcome {
  const d = new GrpcMessageDecoder({ maxMessageBytes: MAX_MESSAGE });
  const messages: GrpcMessage[] = [];
  try {
    let i = 0;
    while (i < bytes.length) {
      const n = random === null ? bytes.length : randomInt(random, 1, 64);
      messages.push(...d.push(bytes.subarray(i, i + n)));
      i += n;
      assert.ok(d.bufferedBytes <= MESSAGE_PREFIX_BYTES + MAX_MESSAGE, 'decoder holds at most one message');
    }
    d.end();
    return { messages, error: null };
  } catch (err) {
    if (!(err instanceof GrpcFramingError || err instanceof GrpcMessageTooLargeError)) throw err;
    return { messages, error: err.code };
  }
}

/** Decodes a message's protobuf as all three shapes; only ProtobufDecodeError may come out. */
function decodeProtobuf(data: Uint8Array): void {
  for (const decode of [decodeHealthCheckResponse, decodeListServicesResponse, readFields] as const) {
    try {
      decode(data);
    } catch (err) {
      if (!(err instanceof ProtobufDecodeError)) throw err;
    }
  }
}

test(`gRPC framing and protobuf: ${CASES} seeded inputs give messages or typed errors`, () => {
  const random = createRandom(SEED);
  const counts = { clean: 0, errors: 0, messages: 0 };
  for (let c = 0; c < CASES; c++) {
    const parts: Uint8Array[] = [];
    const starts: number[] = [];
    let at = 0;
    for (let n = randomInt(random, 1, 4); n > 0; n--) {
      const framed = frameMessage(randomMessage(random), { compressed: random() < 0.1 });
      starts.push(at);
      at += framed.length;
      parts.push(framed);
    }
    const valid = concat(parts);
    const mutated = random() < 0.2 ? null : mutate(random, valid, starts);
    const bytes = mutated ?? valid;
    const whole = decodeChunked(bytes, null);
    const chunked = decodeChunked(bytes, createRandom(deriveSeed(SEED, c)));
    assert.equal(chunked.error, whole.error, `case ${c}: chunking changed the outcome`);
    // After an error the call is over; messages completed inside the failing chunk are not returned.
    if (whole.error === null) assert.deepEqual(chunked.messages.map((m) => m.data), whole.messages.map((m) => m.data), `case ${c}`);
    if (mutated === null) {
      assert.equal(whole.error, null, `case ${c}: a valid stream failed`);
      assert.equal(whole.messages.length, parts.length);
      counts.clean++;
    }
    if (whole.error) counts.errors++;
    for (const m of whole.messages) {
      counts.messages++;
      decodeProtobuf(m.data);
    }
  }
  // The corpus really exercises both sides.
  assert.ok(counts.clean > CASES * 0.15 && counts.errors > CASES * 0.2 && counts.messages > CASES, JSON.stringify(counts));
});

test('response status and grpc-message never throw on random header values', () => {
  const random = createRandom(deriveSeed(SEED, 'status'));
  const alphabet = '0123456789%AFaf zü\n:;+/-';
  const text = (): string => Array.from({ length: randomInt(random, 0, 12) }, () => alphabet[randomInt(random, 0, alphabet.length - 1)]).join('');
  for (let c = 0; c < 20_000; c++) {
    const headers = random() < 0.1 ? null : { ':status': random() < 0.7 ? '200' : text(), 'content-type': random() < 0.7 ? 'application/grpc' : text(), ...(random() < 0.2 ? { 'grpc-status': text() } : {}) };
    const trailers = random() < 0.3 ? null : [{ name: 'grpc-status', value: random() < 0.5 ? String(randomInt(random, 0, 20)) : text() }, { name: 'grpc-message', value: text() }];
    const s = grpcCallStatus(headers, trailers, random() < 0.2 ? randomInt(random, 0, 20) : null);
    assert.ok(s.code >= 0 && s.code <= 16, `case ${c}`);
    assert.equal(typeof percentDecodeGrpcMessage(text()), 'string');
  }
});
