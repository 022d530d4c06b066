import { test } from 'node:test';
import assert from 'node:assert/strict';
import { H2ErrorCode } from '../errors.js';
import { createRandom, randomInt } from '../random.js';
import {
  CONNECTION_PREFACE_BYTES,
  encodeData,
  encodeGoaway,
  encodeHeaders,
  encodePing,
  encodePushPromise,
  encodeRstStream,
  encodeSettings,
  encodeWindowUpdate,
} from '../codec/frame-encoder.js';
import { HpackEncoder } from '../codec/hpack/encoder.js';
import { SettingId } from '../codec/types.js';
import { TapDecoder, type TapDecodeResult, type TapDirection } from './tap-decoder.js';

const concat = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));

/** A server→client stream: SETTINGS, a long response split into CONTINUATIONs, push, DATA, PING, GOAWAY. */
function serverBytes(): Uint8Array {
  const hpack = new HpackEncoder();
  const big = Array.from({ length: 40 }, (_, i) => ({ name: `x-filler-${i}`, value: 'v'.repeat(400) }));
  return concat(
    encodeSettings([{ id: SettingId.MAX_CONCURRENT_STREAMS, value: 7 }, { id: SettingId.INITIAL_WINDOW_SIZE, value: 1 << 20 }]),
    encodeSettings([], true),
    encodePushPromise(1, 2, hpack.encode([{ name: ':method', value: 'GET' }, { name: ':path', value: '/pushed.css' }])),
    encodeHeaders(1, hpack.encode([{ name: ':status', value: '200' }, ...big]), { maxFrameSize: 4096 }),
    encodeData(1, new TextEncoder().encode('hello'), { padLength: 3 }),
    encodeData(1, new Uint8Array(20_000).fill(7), { endStream: true }),
    encodeRstStream(2, H2ErrorCode.CANCEL),
    encodeWindowUpdate(0, 1000),
    encodePing(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8), true),
    encodeGoaway(2, H2ErrorCode.NO_ERROR, new TextEncoder().encode('bye')),
  );
}

function feed(decoder: TapDecoder, dir: TapDirection, bytes: Uint8Array, splits: number[]): TapDecodeResult {
  const out: TapDecodeResult = { events: [] };
  let at = 0;
  for (const end of [...splits, bytes.length]) {
    // Hand the decoder a Buffer view into a larger, reused buffer, as a socket would.
    const r = decoder.push(dir, Buffer.from(bytes.subarray(at, end)), 0);
    out.events.push(...r.events);
    if (r.error) out.error = r.error;
    at = end;
  }
  return out;
}

test('frames are the same however the bytes are split, down to one byte at a time', () => {
  const bytes = serverBytes();
  const whole = feed(new TapDecoder(), 'recv', bytes, []);
  assert.equal(whole.error, undefined);
  assert.deepEqual(whole.events.map((e) => e.frame.type), [
    'SETTINGS', 'SETTINGS', 'PUSH_PROMISE', 'HEADERS', 'DATA', 'DATA', 'RST_STREAM', 'WINDOW_UPDATE', 'PING', 'GOAWAY',
  ]);
  const headers = whole.events[3]!.frame;
  assert.ok(headers.type === 'HEADERS' && headers.continuations > 0 && headers.headers?.length === 41);

  const oneByte = feed(new TapDecoder(), 'recv', bytes, Array.from({ length: bytes.length - 1 }, (_, i) => i + 1));
  assert.deepEqual(oneByte.events, whole.events);
  const random = createRandom(20_261_124);
  for (let run = 0; run < 50; run++) {
    const splits: number[] = [];
    for (let at = randomInt(random, 1, 3000); at < bytes.length; at += randomInt(random, 1, 3000)) splits.push(at);
    assert.deepEqual(feed(new TapDecoder(), 'recv', bytes, splits).events, whole.events, `split run ${run}`);
  }
});

test('a decode error stops one direction only, once, keeping the frames before it', () => {
  const bytes = concat(encodeSettings([]), Uint8Array.of(0, 0, 5, 4, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5), encodePing(new Uint8Array(8)));
  for (const splits of [[], [9, 10, 11, 12]]) {
    const decoder = new TapDecoder();
    const r = feed(decoder, 'recv', bytes, splits);
    assert.deepEqual(r.events.map((e) => e.frame.type), ['SETTINGS']);
    assert.equal(r.error?.dir, 'recv');
    assert.equal(r.error?.error.h2Code, H2ErrorCode.FRAME_SIZE_ERROR);
    assert.equal(decoder.decoding('recv'), false);
    assert.deepEqual(decoder.push('recv', encodePing(new Uint8Array(8)), 1), { events: [] });
    // The other direction goes on.
    const sent = decoder.push('send', concat(CONNECTION_PREFACE_BYTES, encodeSettings([])), 2);
    assert.deepEqual(sent.events.map((e) => [e.t, e.dir, e.frame.type]), [[2, 'send', 'SETTINGS']]);
  }
});

test('the client preface opens send for a client tap and recv for a server tap', () => {
  const clientBytes = concat(CONNECTION_PREFACE_BYTES, encodeSettings([{ id: SettingId.ENABLE_PUSH, value: 0 }]));
  assert.deepEqual(new TapDecoder({ role: 'client' }).push('send', clientBytes, 0).events.map((e) => e.frame.type), ['SETTINGS']);
  assert.deepEqual(new TapDecoder({ role: 'server' }).push('recv', clientBytes, 0).events.map((e) => e.frame.type), ['SETTINGS']);
  const wrongSide = new TapDecoder({ role: 'server' }).push('send', concat(CONNECTION_PREFACE_BYTES, new Uint8Array(64)), 0);
  assert.equal(wrongSide.error?.error.h2Code, H2ErrorCode.PROTOCOL_ERROR, 'a server does not send the preface');
  // A peer answering in HTTP/1.1 is named at once, not taken for a 4.7 MB frame to wait for.
  const decoder = new TapDecoder();
  assert.deepEqual(decoder.push('recv', new TextEncoder().encode('HT'), 0), { events: [] });
  const http1 = decoder.push('recv', new TextEncoder().encode('TP/1.1 400 Bad Request\r\n'), 1);
  assert.match(http1.error?.error.message ?? '', /not HTTP\/2/);
});

test('a table size update is accepted up to the SETTINGS_HEADER_TABLE_SIZE the other side advertised', () => {
  // Dynamic table size update to 8192 (RFC 7541 §6.3: 001 + 5-bit prefix integer), then :status 200.
  const block = Uint8Array.of(0x3f, 0xe1, 0x3f, 0x88);
  const response = encodeHeaders(1, block, { endStream: true });

  const strict = new TapDecoder();
  strict.push('recv', encodeSettings([]), 0);
  const rejected = strict.push('recv', response, 1);
  assert.equal(rejected.error?.error.h2Code, H2ErrorCode.COMPRESSION_ERROR, 'above the 4096 default');

  const decoder = new TapDecoder();
  decoder.push('send', concat(CONNECTION_PREFACE_BYTES, encodeSettings([{ id: SettingId.HEADER_TABLE_SIZE, value: 8192 }])), 0);
  decoder.push('recv', encodeSettings([]), 0);
  const r = decoder.push('recv', response, 1);
  assert.equal(r.error, undefined);
  const f = r.events[0]!.frame;
  assert.ok(f.type === 'HEADERS');
  assert.deepEqual(f.headers, [{ name: ':status', value: '200' }]);
});

test('events own their bytes; keepData false drops DATA payloads but keeps lengths', () => {
  const chunk = Buffer.from(concat(encodeSettings([]), encodeData(1, new TextEncoder().encode('abc')), encodeGoaway(0, 0, Uint8Array.of(9))));
  const decoder = new TapDecoder();
  const { events } = decoder.push('recv', chunk, 0);
  chunk.fill(0);
  const [, data, goaway] = events.map((e) => e.frame);
  assert.ok(data?.type === 'DATA' && goaway?.type === 'GOAWAY');
  assert.deepEqual([...data.data], [0x61, 0x62, 0x63]);
  assert.deepEqual([...goaway.debugData], [9]);
  assert.equal(Buffer.isBuffer(data.data), false, 'a plain Uint8Array copy, not a Buffer view');

  const lean = new TapDecoder({ keepData: false }).push('recv', concat(encodeSettings([]), encodeData(1, new Uint8Array(100))), 0).events[1]!.frame;
  assert.ok(lean.type === 'DATA');
  assert.equal(lean.data.length, 0);
  assert.equal(lean.length, 100);
});
