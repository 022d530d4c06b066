/**
 * HPACK throughput (RFC 7541): decode and encode over the interoperability vector stories.
 *
 *   node --import tsx bench/hpack.ts [--rounds N] [--no-anchor]
 *
 * - decode: every story of nghttp2/, go-hpack/, python-hpack/ (Huffman, dynamic table), one
 *   fresh decoder per story as for a new connection; blocks/s and MB/s of wire bytes.
 * - encode: every raw-data/ story, one fresh encoder per story, huffman auto/always/never;
 *   blocks/s and MB/s of header octets (Σ name + value) in.
 * - a steady-state response block (the bench engine's case: the server's table is warm, so a
 *   block is mostly one-byte indices), as ns per block.
 * - Huffman decode side by side with a bit-at-a-time tree walk, the straightforward way, to
 *   show what the byte-at-a-time table buys.
 * - the anchor: h2load's whole CPU per request (user + sys: syscalls, framing, HPACK, all)
 *   fetching a small file from nghttpd over h2c on loopback, in the same run. The bench
 *   engine decodes one response block per request, so decode ns per block ÷ h2load ns per
 *   request is the share of h2load's budget HPACK decoding takes.
 * CPU time is process.cpuUsage, best of the rounds.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { HpackDecoder } from '../src/codec/hpack/decoder.js';
import { HpackEncoder } from '../src/codec/hpack/encoder.js';
import { HUFFMAN_CODES, HUFFMAN_CODE_LENGTHS } from '../src/codec/hpack/huffman-table.js';
import { huffmanDecodeInto, huffmanEncode } from '../src/codec/hpack/huffman.js';
import type { HeaderField } from '../src/codec/types.js';
import { startNghttpd, type Nghttpd } from '../test/support/nghttpd.js';
import { h2loadCpuSeconds } from '../test/support/h2load.js';

const args = process.argv.slice(2);
const roundsAt = args.indexOf('--rounds');
const ROUNDS = roundsAt >= 0 ? Number(args[roundsAt + 1]) : 5;
if (!Number.isInteger(ROUNDS) || ROUNDS <= 0) {
  process.stderr.write('--rounds needs a positive whole number\n');
  process.exit(2);
}
const ANCHOR = !args.includes('--no-anchor');

const vectors = new URL('../../shared/vectors/hpack/', import.meta.url);

interface Story {
  blocks: Uint8Array[];
  lists: HeaderField[][];
}

function loadStories(folder: string): Story[] {
  const dir = new URL(`${folder}/`, vectors);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => {
      const { cases } = JSON.parse(readFileSync(new URL(file, dir), 'utf8')) as {
        cases: Array<{ wire?: string; headers: Array<Record<string, string>> }>;
      };
      return {
        blocks: cases.filter((c) => c.wire !== undefined).map((c) => Uint8Array.from(Buffer.from(c.wire!, 'hex'))),
        lists: cases.map((c) => c.headers.map((h) => {
          const [name, value] = Object.entries(h)[0]!;
          return { name, value };
        })),
      };
    });
}

/** Best CPU time in ns over ROUNDS runs of `work`, which repeats itself `inner` times. */
function bestCpuNs(work: () => void): number {
  let best = Infinity;
  work(); // warm-up: JIT, table build
  for (let r = 0; r < ROUNDS; r++) {
    const start = process.cpuUsage();
    work();
    const used = process.cpuUsage(start);
    best = Math.min(best, (used.user + used.system) * 1000);
  }
  return best;
}

const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

function report(label: string, ns: number, blocks: number, octets: number): void {
  const s = ns / 1e9;
  console.log(
    `${label.padEnd(34)} ${fmt(blocks / s).padStart(11)} blocks/s ${fmt(octets / s / 1e6, 1).padStart(8)} MB/s ${fmt(ns / blocks).padStart(7)} ns/block`,
  );
}

// ---------------------------------------------------------------- decode

const decodeCorpus = ['nghttp2', 'go-hpack', 'python-hpack'].flatMap(loadStories);
const decodeBlocks = decodeCorpus.reduce((n, s) => n + s.blocks.length, 0);
const decodeOctets = decodeCorpus.reduce((n, s) => n + s.blocks.reduce((m, b) => m + b.length, 0), 0);
const REPEAT = 10;
let sink = 0;
const decodeNs = bestCpuNs(() => {
  for (let k = 0; k < REPEAT; k++) {
    for (const story of decodeCorpus) {
      const decoder = new HpackDecoder();
      for (const block of story.blocks) sink += decoder.decode(block).length;
    }
  }
}) / REPEAT;
console.log(`HPACK bench, best of ${ROUNDS} rounds (CPU time), Node ${process.version}`);
console.log(`corpus: ${decodeCorpus.length} stories, ${fmt(decodeBlocks)} blocks, ${fmt(decodeOctets)} wire octets\n`);
report('decode vector stories', decodeNs, decodeBlocks, decodeOctets);

// ---------------------------------------------------------------- encode

const encodeCorpus = loadStories('raw-data');
const encodeBlocks = encodeCorpus.reduce((n, s) => n + s.lists.length, 0);
const encodeOctets = encodeCorpus.reduce((n, s) => n + s.lists.reduce((m, l) => m + l.reduce((o, f) => o + f.name.length + f.value.length, 0), 0), 0);
for (const huffman of ['auto', 'always', 'never'] as const) {
  let out = 0;
  const ns = bestCpuNs(() => {
    out = 0;
    for (let k = 0; k < REPEAT; k++) {
      for (const story of encodeCorpus) {
        const encoder = new HpackEncoder({ huffman });
        for (const list of story.lists) out += encoder.encode(list).length;
      }
    }
  }) / REPEAT;
  report(`encode raw-data (huffman ${huffman})`, ns, encodeBlocks, encodeOctets);
  console.log(`${''.padEnd(34)} ${fmt((100 * out) / REPEAT / encodeOctets, 1)}% of the header octets on the wire`);
}

// ---------------------------------------------------------------- steady-state response block

const response: HeaderField[] = [
  { name: ':status', value: '200' },
  { name: 'server', value: 'nginx/1.24.0' },
  { name: 'date', value: 'Tue, 24 Nov 2026 20:00:00 GMT' },
  { name: 'content-type', value: 'application/json' },
  { name: 'content-length', value: '1234' },
  { name: 'cache-control', value: 'no-store' },
  { name: 'x-request-id', value: '5f0c8a1e-3b2d-4c6e-9a7f-1d2e3f4a5b6c' },
];
const serverEncoder = new HpackEncoder();
const warm = serverEncoder.encode(response);
const steady = serverEncoder.encode(response.map((f) => (f.name === 'x-request-id' ? { ...f, value: 'a0b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d' } : f)));
const STEADY_BLOCKS = 200_000;
const steadyNs = bestCpuNs(() => {
  const decoder = new HpackDecoder();
  decoder.decode(warm);
  for (let i = 0; i < STEADY_BLOCKS; i++) sink += decoder.decode(steady).length;
});
report(`decode steady response (${steady.length} B)`, steadyNs, STEADY_BLOCKS, STEADY_BLOCKS * steady.length);

// The client side of the same: a bench request after the first, all but one field indexed.
const request: HeaderField[] = [
  { name: ':method', value: 'GET' },
  { name: ':scheme', value: 'https' },
  { name: ':authority', value: 'api.example.com' },
  { name: ':path', value: '/v1/items?page=2' },
  { name: 'user-agent', value: 'h2doctor/0.1' },
  { name: 'accept', value: 'application/json' },
];
let requestOctets = 0;
const requestNs = bestCpuNs(() => {
  const encoder = new HpackEncoder();
  requestOctets = 0;
  for (let i = 0; i < STEADY_BLOCKS; i++) requestOctets += encoder.encode(request).length;
});
report('encode steady request', requestNs, STEADY_BLOCKS, requestOctets);

// ---------------------------------------------------------------- Huffman: table vs bit walk

/** The straightforward decoder: walk the code tree one bit at a time, build a string. */
function bitWalkDecoder(): (input: Uint8Array, start: number, end: number) => string {
  const zero: number[] = [-1];
  const one: number[] = [-1];
  const symbol: number[] = [-1];
  for (let s = 0; s < 257; s++) {
    let node = 0;
    for (let bit = HUFFMAN_CODE_LENGTHS[s]! - 1; bit >= 0; bit--) {
      const side = Math.floor(HUFFMAN_CODES[s]! / 2 ** bit) % 2 === 1 ? one : zero;
      if (side[node]! < 0) {
        side[node] = symbol.length;
        zero.push(-1);
        one.push(-1);
        symbol.push(-1);
      }
      node = side[node]!;
    }
    symbol[node] = s;
  }
  return (input, start, end) => {
    let text = '';
    let node = 0;
    for (let i = start; i < end; i++) {
      for (let bit = 7; bit >= 0; bit--) {
        node = ((input[i]! >> bit) & 1) === 1 ? one[node]! : zero[node]!;
        if (symbol[node]! >= 0) {
          text += String.fromCharCode(symbol[node]!);
          node = 0;
        }
      }
    }
    return text;
  };
}
const strings = encodeCorpus.flatMap((s) => s.lists.flat().map((f) => huffmanEncode(Buffer.from(f.value, 'latin1'))));
const stringOctets = strings.reduce((n, s) => n + s.length, 0);
const scratch = Buffer.allocUnsafe(1 << 16);
const tableNs = bestCpuNs(() => {
  for (let k = 0; k < REPEAT; k++) for (const s of strings) sink += scratch.toString('latin1', 0, huffmanDecodeInto(s, 0, s.length, scratch, 0)).length;
}) / REPEAT;
const walk = bitWalkDecoder();
const walkNs = bestCpuNs(() => {
  for (let k = 0; k < REPEAT; k++) for (const s of strings) sink += walk(s, 0, s.length).length;
}) / REPEAT;
console.log('');
report('Huffman decode, byte table', tableNs, strings.length, stringOctets);
report('Huffman decode, bit walk (reference)', walkNs, strings.length, stringOctets);
console.log(`ratio: byte table is ${fmt(walkNs / tableNs, 1)}× the bit walk's speed`);

// ---------------------------------------------------------------- anchor

/** h2load's user + sys CPU per request against nghttpd (h2c, loopback), or why it could not run. */
async function h2loadNsPerRequest(): Promise<{ ns: number; requests: number } | string> {
  let server: Nghttpd;
  try {
    server = await startNghttpd({ files: { 'small.json': '{"ok":true}\n' } });
  } catch (err) {
    return (err as Error).message;
  }
  try {
    const requests = 20_000;
    const cpu = h2loadCpuSeconds(['-n', String(requests), '-c', '1', '-m', '10', `${server.url}/small.json`]);
    if (typeof cpu === 'string') return cpu;
    return { ns: (cpu * 1e9) / requests, requests };
  } finally {
    await server.stop();
  }
}

if (ANCHOR) {
  const anchor = await h2loadNsPerRequest();
  console.log('');
  if (typeof anchor === 'string') console.log(`anchor: unavailable (${anchor})`);
  else {
    console.log(`anchor: h2load ${fmt(anchor.ns)} ns CPU per request (${fmt(anchor.requests)} requests, -c 1 -m 10, h2c loopback, nghttpd)`);
    console.log(`ratio: steady response decode = ${fmt((100 * steadyNs) / STEADY_BLOCKS / anchor.ns, 1)}% of h2load's CPU per request`);
    console.log(`ratio: steady request encode = ${fmt((100 * requestNs) / STEADY_BLOCKS / anchor.ns, 1)}% of h2load's CPU per request`);
    console.log(`ratio: average vector block decode = ${fmt((100 * decodeNs) / decodeBlocks / anchor.ns, 1)}% of h2load's CPU per request`);
  }
}
if (sink === -1) console.log(sink); // keeps the results alive
