// Seeded fuzzing of the HPACK decoder (RFC 7541): whatever the bytes, `decode` returns header
// fields or throws a CodecError subclass — never a TypeError, RangeError or a hang — and the
// encoder round-trips random header lists. Same seed, same run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { CodecError, CompressionError, HeaderListTooLargeError } from '../src/errors.js';
import { HpackDecoder } from '../src/codec/hpack/decoder.js';
import { HpackEncoder } from '../src/codec/hpack/encoder.js';
import type { HeaderField } from '../src/codec/types.js';
import { type Random, createRandom, randomInt } from '../src/random.js';

const SEED = 0x7541;

/** Real header-block sequences (nghttp2 and Go encoders) to mutate: Huffman and dynamic indices. */
function corpus(): Uint8Array[][] {
  const root = new URL('../../shared/vectors/hpack/', import.meta.url);
  const sequences: Uint8Array[][] = [];
  for (const folder of ['nghttp2', 'go-hpack']) {
    const dir = new URL(`${folder}/`, root);
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
      const story = JSON.parse(readFileSync(new URL(file, dir), 'utf8')) as { cases: Array<{ wire: string }> };
      sequences.push(story.cases.slice(0, 8).map((c) => Uint8Array.from(Buffer.from(c.wire, 'hex'))));
    }
  }
  return sequences;
}

type Outcome = 'fields' | 'compression' | 'too-large';

/** Decodes and checks the only two allowed outcomes. */
function decodeChecked(decoder: HpackDecoder, block: Uint8Array, limits: { list: number; fields: number; string: number }): Outcome {
  let fields: HeaderField[];
  try {
    fields = decoder.decode(block);
  } catch (err) {
    if (!(err instanceof CodecError)) throw new Error(`decode threw a non-codec error for ${Buffer.from(block).toString('hex')}`, { cause: err });
    if (err instanceof HeaderListTooLargeError) return 'too-large';
    assert.ok(err instanceof CompressionError);
    return 'compression';
  }
  assert.ok(Array.isArray(fields));
  assert.ok(fields.length <= limits.fields);
  let size = 0;
  for (const f of fields) {
    assert.equal(typeof f.name, 'string');
    assert.equal(typeof f.value, 'string');
    assert.ok(f.name.length <= limits.string && f.value.length <= limits.string);
    size += f.name.length + f.value.length + 32;
  }
  assert.ok(size <= limits.list);
  return 'fields';
}

function mutate(random: Random, block: Uint8Array): Uint8Array {
  const kind = randomInt(random, 0, 4);
  if (kind === 0 || block.length === 0) {
    // Bit flips.
    const out = Uint8Array.from(block.length === 0 ? [randomInt(random, 0, 255)] : block);
    const flips = randomInt(random, 1, 4);
    for (let i = 0; i < flips; i++) out[randomInt(random, 0, out.length - 1)]! ^= 1 << randomInt(random, 0, 7);
    return out;
  }
  if (kind === 1) return block.slice(0, randomInt(random, 0, block.length - 1)); // truncation
  if (kind === 2) {
    // Overwrite a run with random bytes.
    const out = Uint8Array.from(block);
    const at = randomInt(random, 0, out.length - 1);
    const n = randomInt(random, 1, 8);
    for (let i = at; i < Math.min(out.length, at + n); i++) out[i] = randomInt(random, 0, 255);
    return out;
  }
  if (kind === 3) {
    // Insert random bytes.
    const at = randomInt(random, 0, block.length);
    const extra = Uint8Array.from({ length: randomInt(random, 1, 6) }, () => randomInt(random, 0, 255));
    return Uint8Array.from([...block.subarray(0, at), ...extra, ...block.subarray(at)]);
  }
  // Repeat a slice: duplicated representations, indices, size updates.
  const from = randomInt(random, 0, block.length - 1);
  const to = randomInt(random, from + 1, block.length);
  const copies = randomInt(random, 2, 20);
  const parts: number[] = [...block];
  for (let i = 0; i < copies; i++) parts.push(...block.subarray(from, to));
  return Uint8Array.from(parts);
}

/** Representations with random fields: big indices, lengths past the end, size updates, Huffman flags. */
function structured(random: Random): Uint8Array {
  const bytes: number[] = [];
  const count = randomInt(random, 1, 12);
  for (let i = 0; i < count; i++) {
    const pattern = [0x80, 0x40, 0x20, 0x10, 0x00][randomInt(random, 0, 4)]!;
    const prefixMax = pattern === 0x80 ? 0x7f : pattern === 0x40 ? 0x3f : pattern === 0x20 ? 0x1f : 0x0f;
    const big = random() < 0.2;
    bytes.push(pattern | (big ? prefixMax : randomInt(random, 0, prefixMax)));
    if (big) {
      const n = randomInt(random, 1, 6);
      for (let j = 0; j < n; j++) bytes.push(randomInt(random, 0, 255) | (j < n - 1 ? 0x80 : 0));
    }
    if (pattern !== 0x80 && pattern !== 0x20) {
      const strings = random() < 0.5 ? 1 : 2;
      for (let s = 0; s < strings; s++) {
        const length = randomInt(random, 0, 20);
        bytes.push((random() < 0.5 ? 0x80 : 0) | length);
        const actual = random() < 0.8 ? length : randomInt(random, 0, 20);
        for (let j = 0; j < actual; j++) bytes.push(random() < 0.3 ? 0xff : randomInt(random, 0, 255));
      }
    }
  }
  return Uint8Array.from(bytes);
}

test('decoder survives 120,000 random and mutated header blocks (seeded)', () => {
  const random = createRandom(SEED);
  const sequences = corpus();
  const outcomes: Record<Outcome, number> = { fields: 0, compression: 0, 'too-large': 0 };
  const started = process.hrtime.bigint();
  const iterations = 120_000;
  for (let i = 0; i < iterations; i++) {
    const small = random() < 0.1;
    const limits = small ? { list: 512, fields: 8, string: 64 } : { list: 65_536, fields: 1000, string: 65_536 };
    const decoder = new HpackDecoder({
      maxTableSize: [0, 256, 4096][randomInt(random, 0, 2)]!,
      maxHeaderListSize: limits.list,
      maxFields: limits.fields,
      maxStringLength: limits.string,
    });
    const mode = i % 4;
    let block: Uint8Array;
    if (mode === 0) {
      block = Uint8Array.from({ length: randomInt(random, 0, 48) }, () => randomInt(random, 0, 255));
    } else if (mode === 1) {
      block = structured(random);
    } else {
      // Prime the table with the story's earlier blocks, then feed a mutated next block.
      const sequence = sequences[randomInt(random, 0, sequences.length - 1)]!;
      const k = randomInt(random, 0, sequence.length - 1);
      const primer = new HpackDecoder(); // the stories assume a 4096-octet table
      for (let j = 0; j < k; j++) primer.decode(sequence[j]!);
      const target = sequence[k]!;
      block = mode === 2 ? mutate(random, target) : mutate(random, mutate(random, target));
      outcomes[decodeChecked(primer, block, { list: 65_536, fields: 1000, string: 65_536 })]++;
      // The same bytes against the freshly configured decoder too (empty table, other limits).
    }
    outcomes[decodeChecked(decoder, block, limits)]++;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (process.env.HPACK_FUZZ_VERBOSE) console.log(outcomes, seconds);
  // Each outcome must actually occur, or the fuzzer is not reaching the decoder's branches.
  assert.ok(outcomes.fields > 5_000, JSON.stringify(outcomes));
  assert.ok(outcomes.compression > 5_000, JSON.stringify(outcomes));
  assert.ok(outcomes['too-large'] > 100, JSON.stringify(outcomes));
  assert.ok(seconds < 120, `took ${seconds.toFixed(1)} s`); // a hang guard, not a speed goal
});

function randomText(random: Random, maxLength: number): string {
  const length = randomInt(random, 0, maxLength);
  let text = '';
  for (let i = 0; i < length; i++) {
    // Mostly header-like characters, sometimes any octet.
    text += String.fromCharCode(random() < 0.8 ? randomInt(random, 0x20, 0x7e) : randomInt(random, 0, 255));
  }
  return text;
}

test('encoder round-trips 5,000 random header lists through table size changes (seeded)', () => {
  const random = createRandom(SEED + 1);
  const names = [':status', 'content-type', 'x-request-id', 'cache-control', 'set-cookie', 'authorization', 'x-a'];
  for (let story = 0; story < 50; story++) {
    const huffman = (['auto', 'always', 'never'] as const)[story % 3]!;
    const encoder = new HpackEncoder({ huffman, indexing: story % 5 !== 0 });
    // Like a connection: both start at 4096; then we advertise 8192, which lets the peer's
    // encoder grow its table by a size update but changes nothing until it does.
    const decoder = new HpackDecoder({ maxHeaderListSize: 1 << 20 });
    decoder.setMaxTableSize(8192);
    for (let block = 0; block < 100; block++) {
      if (random() < 0.05) {
        const size = [0, 64, 256, 4096, 8192][randomInt(random, 0, 4)]!;
        encoder.setMaxTableSize(size);
        decoder.setMaxTableSize(size);
      }
      const fields: HeaderField[] = [];
      const count = randomInt(random, 0, 12);
      for (let i = 0; i < count; i++) {
        const name = random() < 0.7 ? names[randomInt(random, 0, names.length - 1)]! : randomText(random, 12);
        const value = random() < 0.5 ? String(randomInt(random, 0, 20)) : randomText(random, 300);
        fields.push(random() < 0.1 ? { name, value, sensitive: true } : { name, value });
      }
      assert.deepEqual(decoder.decode(encoder.encode(fields)), fields);
      assert.equal(decoder.tableSize, encoder.tableSize);
    }
  }
});
