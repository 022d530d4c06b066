// HPACK against a real peer (RFC 7541): node:http2's server decodes and encodes headers with
// nghttp2. We talk raw HTTP/2 to it over h2c with our own encoder and decoder: the server must
// see exactly the request fields we encoded (sensitive ones as never-indexed), and we must
// decode exactly the response fields it sent — across dynamic table reuse, Huffman, and table
// size changes announced by SETTINGS_HEADER_TABLE_SIZE in both directions (RFC 7541 §4.2).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { HpackDecoder } from '../src/codec/hpack/decoder.js';
import { HpackEncoder } from '../src/codec/hpack/encoder.js';
import { SettingId, type HeaderField } from '../src/codec/types.js';
import { CONNECTION_PREFACE_BYTES, encodeHeaders, encodeSettings } from '../src/codec/frame-encoder.js';

const SERVER_TABLE_SIZE = 1024; // server's decoder table: our encoder must shrink to it
const CLIENT_TABLE_SIZE = 256; // our decoder table: nghttp2's encoder must shrink to it

interface Seen {
  headers: Record<string, string | string[] | undefined>;
  sensitive: string[];
}

const seen = new Map<string, Seen>();
const server = http2.createServer({ settings: { headerTableSize: SERVER_TABLE_SIZE } });
server.on('stream', (stream, headers) => {
  const path = String(headers[':path']);
  const sensitive = (headers as unknown as Record<symbol, string[] | undefined>)[http2.sensitiveHeaders] ?? [];
  seen.set(path, { headers: { ...headers }, sensitive: [...sensitive] });
  stream.respond({
    ':status': path.endsWith('/missing') ? 404 : 200,
    'content-type': 'application/json',
    'x-echo-path': path,
    'cache-control': 'private, max-age=0',
    'set-cookie': `session=${path.length}abc; HttpOnly`,
    [http2.sensitiveHeaders]: ['set-cookie'],
  } as unknown as http2.OutgoingHttpHeaders);
  stream.end('{}');
});
const sockets: net.Socket[] = [];
after(() => {
  // Our raw sockets first, or close() would wait for them after a failed assertion.
  for (const socket of sockets) socket.destroy();
  return new Promise<void>((resolve) => server.close(() => resolve()));
});

function request(i: number): HeaderField[] {
  return [
    { name: ':method', value: 'GET' },
    { name: ':scheme', value: 'http' },
    { name: ':authority', value: '127.0.0.1' },
    { name: ':path', value: i % 5 === 4 ? `/items/${i}/missing` : `/items/${i}` },
    { name: 'user-agent', value: 'h2doctor-hpack-test/1.0' },
    { name: 'accept', value: 'application/json' },
    { name: 'x-trace-id', value: `trace-${i.toString(16).padStart(8, '0')}-${'z'.repeat(i % 40)}` },
    { name: 'authorization', value: `Bearer token-${i}`, sensitive: true },
  ];
}

test('node:http2 (nghttp2) decodes our blocks and we decode its blocks, through table size changes', async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const socket = net.connect(port, '127.0.0.1');
  sockets.push(socket);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));

  const encoder = new HpackEncoder({ huffman: 'auto' });
  const decoder = new HpackDecoder({ maxTableSize: 4096 });
  const responses = new Map<number, HeaderField[]>();
  const ended = new Set<number>();
  let goaway: string | undefined;
  let pending = Buffer.alloc(0);
  let wake: (() => void) | undefined;

  socket.on('data', (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 9) {
      const length = pending.readUIntBE(0, 3);
      if (pending.length < 9 + length) break;
      const type = pending[3]!;
      const flags = pending[4]!;
      const streamId = pending.readUInt32BE(5) & 0x7fffffff;
      let payload = pending.subarray(9, 9 + length);
      pending = pending.subarray(9 + length);
      if (type === 0x4 && (flags & 0x1) === 0) {
        // Server SETTINGS: acknowledge; its HEADER_TABLE_SIZE bounds our encoder's table.
        for (let at = 0; at + 6 <= payload.length; at += 6) {
          if (payload.readUInt16BE(at) === 0x1) encoder.setMaxTableSize(payload.readUInt32BE(at + 2));
        }
        socket.write(encodeSettings([], true));
      } else if (type === 0x4) {
        // Our SETTINGS were acknowledged: from now on the peer's encoder obeys our table size.
        decoder.setMaxTableSize(CLIENT_TABLE_SIZE);
      } else if (type === 0x1) {
        if ((flags & 0x8) !== 0) payload = payload.subarray(1, payload.length - payload[0]!);
        if ((flags & 0x20) !== 0) payload = payload.subarray(5);
        assert.ok((flags & 0x4) !== 0, 'response headers fit one frame');
        responses.set(streamId, decoder.decode(payload));
        if ((flags & 0x1) !== 0) ended.add(streamId);
      } else if (type === 0x0 && (flags & 0x1) !== 0) {
        ended.add(streamId);
      } else if (type === 0x7) {
        goaway = `GOAWAY error ${payload.readUInt32BE(4)}: ${payload.subarray(8).toString('latin1')}`;
      }
    }
    wake?.();
  });

  async function until(done: () => boolean): Promise<void> {
    while (!done() && goaway === undefined && !socket.destroyed) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no progress from the server in 10 s')), 10_000);
        socket.once('close', () => {
          clearTimeout(timer);
          resolve();
        });
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    assert.equal(goaway, undefined);
    assert.ok(done(), 'the server closed the connection early');
  }

  // SETTINGS_HEADER_TABLE_SIZE = 256 for the server's encoder.
  socket.write(Buffer.concat([CONNECTION_PREFACE_BYTES, encodeSettings([{ id: SettingId.HEADER_TABLE_SIZE, value: CLIENT_TABLE_SIZE }])]));

  const sent: HeaderField[][] = [];
  async function batch(from: number, to: number): Promise<void> {
    for (let i = from; i < to; i++) {
      const fields = request(i);
      sent[i] = fields;
      socket.write(encodeHeaders(2 * i + 1, encoder.encode(fields), { endStream: true }));
    }
    await until(() => ended.size >= to);
  }
  // The first batch goes out before the server's SETTINGS arrive (4096 table on both sides);
  // the second after, so our encoder opens with a size update down to 1024.
  await batch(0, 10);
  await batch(10, 40);
  socket.destroy();

  for (let i = 0; i < 40; i++) {
    const fields = sent[i]!;
    const path = fields.find((f) => f.name === ':path')!.value;
    const got = seen.get(path);
    assert.ok(got, `server saw ${path}`);
    for (const f of fields) assert.equal(got.headers[f.name], f.value, `request ${i} ${f.name}`);
    assert.deepEqual(got.sensitive, ['authorization'], `request ${i} never-indexed fields`);

    const response = responses.get(2 * i + 1)!;
    const byName = new Map(response.map((f) => [f.name, f]));
    assert.equal(byName.get(':status')?.value, path.endsWith('/missing') ? '404' : '200');
    assert.equal(byName.get('x-echo-path')?.value, path);
    assert.equal(byName.get('cache-control')?.value, 'private, max-age=0');
    assert.equal(byName.get('set-cookie')?.value, `session=${path.length}abc; HttpOnly`);
    assert.equal(byName.get('set-cookie')?.sensitive, true, 'set-cookie came never-indexed');
  }
  assert.ok(decoder.tableSize <= CLIENT_TABLE_SIZE);
  assert.ok(encoder.tableSize <= SERVER_TABLE_SIZE);
});
