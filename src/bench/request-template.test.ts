import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HpackDecoder } from '../codec/hpack/decoder.js';
import { HpackEncoder } from '../codec/hpack/encoder.js';
import { buildTargetTemplates, requestHeaderList } from './request-template.js';
import { resolveBenchOptions } from './options.js';

test('-i templates: after the first block, any target in any order decodes to its own path', () => {
  const o = resolveBenchOptions({ url: 'http://example.test/a', headers: [{ name: 'x-run', value: '7' }] });
  const paths = ['/a', '/b?q=1', '/a/very/long/path/' + 'x'.repeat(300)];
  const encoder = new HpackEncoder({ huffman: 'auto', maxTableSize: 4096 });
  const templates = buildTargetTemplates(requestHeaderList(o), paths, 1, (f) => encoder.encode(f), true, 16_384);
  const decoder = new HpackDecoder();
  // HEADERS frame: 9-byte header, then the block (no padding or priority here).
  const block = (frame: Uint8Array) => frame.subarray(9);
  const pathOf = (frame: Uint8Array) => decoder.decode(block(frame)).find((f) => f.name === ':path')!.value;
  assert.equal(pathOf(templates[1]!.first), '/b?q=1');
  for (const k of [2, 0, 0, 1, 2, 1, 0]) assert.equal(pathOf(templates[k]!.repeat), paths[k]);
  const fields = decoder.decode(block(templates[0]!.repeat));
  assert.deepEqual(fields.find((f) => f.name === 'x-run')?.value, '7');
});
