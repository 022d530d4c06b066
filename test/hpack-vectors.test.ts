// Interoperability: decode every header block that nghttp2, Go's hpack and python-hpack
// produced (http2jp/hpack-test-case, in ../shared/vectors/hpack/ beside the repository), and
// round-trip every raw header set through our encoder and decoder (RFC 7541).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { HpackDecoder } from '../src/codec/hpack/decoder.js';
import { HpackEncoder } from '../src/codec/hpack/encoder.js';
import type { HeaderField } from '../src/codec/types.js';

const vectors = new URL('../../shared/vectors/hpack/', import.meta.url);

interface StoryCase {
  seqno: number;
  header_table_size?: number;
  wire?: string;
  headers: Array<Record<string, string>>;
}

function stories(folder: string): Array<{ file: string; cases: StoryCase[] }> {
  const dir = new URL(`${folder}/`, vectors);
  const files = readdirSync(dir).filter((f) => /^story_\d+\.json$/.test(f)).sort();
  return files.map((file) => ({ file, cases: (JSON.parse(readFileSync(new URL(file, dir), 'utf8')) as { cases: StoryCase[] }).cases }));
}

function expectedFields(c: StoryCase): HeaderField[] {
  return c.headers.map((h) => {
    const entries = Object.entries(h);
    assert.equal(entries.length, 1, 'one field per object in the story format');
    const [name, value] = entries[0]!;
    return { name, value };
  });
}

const plain = (fields: HeaderField[]): Array<[string, string]> => fields.map((f) => [f.name, f.value]);

for (const folder of ['nghttp2', 'go-hpack', 'python-hpack', 'nghttp2-change-table-size']) {
  test(`decodes every ${folder} story exactly`, () => {
    const list = stories(folder);
    assert.ok(list.length >= 30, `expected the ${folder} stories, found ${list.length}`);
    let blocks = 0;
    for (const { file, cases } of list) {
      const decoder = new HpackDecoder();
      for (const c of cases) {
        if (c.header_table_size !== undefined) decoder.setMaxTableSize(c.header_table_size);
        const got = decoder.decode(Buffer.from(c.wire!, 'hex'));
        assert.deepEqual(plain(got), plain(expectedFields(c)), `${folder}/${file} seqno ${c.seqno}`);
        blocks++;
      }
    }
    assert.ok(blocks > 1000);
  });
}

for (const huffman of ['auto', 'always', 'never'] as const) {
  test(`round-trips every raw-data story through encoder and decoder (huffman: ${huffman})`, () => {
    const list = stories('raw-data');
    assert.ok(list.length >= 30);
    let encodedOctets = 0;
    let rawOctets = 0;
    for (const { file, cases } of list) {
      const encoder = new HpackEncoder({ huffman });
      const decoder = new HpackDecoder();
      for (const c of cases) {
        const fields = expectedFields(c);
        const block = encoder.encode(fields);
        assert.deepEqual(decoder.decode(block), fields, `raw-data/${file} seqno ${c.seqno}`);
        assert.equal(decoder.tableSize, encoder.tableSize);
        encodedOctets += block.length;
        for (const f of fields) rawOctets += f.name.length + f.value.length;
      }
    }
    // Compression works at all: the dynamic table alone more than halves these stories.
    assert.ok(encodedOctets < rawOctets / 2, `${encodedOctets} encoded vs ${rawOctets} raw`);
  });
}
