/**
 * Frame decoder throughput on a realistic response stream, fed as a socket would feed it.
 *
 *   node --import tsx bench/codec-decode.ts [--responses N] [--runs N] [--repeat N] [--chunk BYTES] [--no-anchor]
 *
 * The stream: the server's SETTINGS, SETTINGS ACK and a connection WINDOW_UPDATE, then N
 * responses on 8 interleaved streams, each a HEADERS frame with a real HPACK block (our
 * HpackEncoder, dynamic table and Huffman as a server would use them) and a body — log-uniform
 * 1–64 KiB in one mix, 64 B–2 KiB (API responses) in the other — in DATA frames of at most 16,384 bytes, with a WINDOW_UPDATE after every 64 KiB,
 * a PING every 500 responses and a SETTINGS every 1,000. It is cut into 16 KiB chunks (views,
 * like socket reads) and decoded with and without header decoding, and with and without
 * `reuseBuffers` (frames straddling two chunks assembled in two decoder-owned buffers instead
 * of a fresh one each); CPU time is from process.cpuUsage, the best of --runs.
 *
 * The anchor: h2load's CPU per request (user + sys) for the same response-size mix, fetched
 * from nghttpd over h2c on loopback in the same run. The bench engine decodes every response
 * through this decoder and must stay near h2load's CPU per request; the ratio shows what share
 * of that budget decoding takes.
 */
import { FrameDecoder } from '../src/codec/frame-decoder.js';
import { encodeData, encodeHeaders, encodePing, encodeSettings, encodeWindowUpdate } from '../src/codec/frame-encoder.js';
import { HpackDecoder } from '../src/codec/hpack/decoder.js';
import { HpackEncoder } from '../src/codec/hpack/encoder.js';
import { createRandom, randomInt, type Random } from '../src/random.js';
import type { Frame, HeaderField } from '../src/codec/types.js';
import { startNghttpd, type Nghttpd } from '../test/support/nghttpd.js';
import { h2loadCpuSeconds } from '../test/support/h2load.js';

const args = process.argv.slice(2);
function flag(name: string, fallback: number): number {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const n = Number(args[i + 1]);
  if (!Number.isInteger(n) || n <= 0) {
    process.stderr.write(`${name} needs a positive whole number\n`);
    process.exit(2);
  }
  return n;
}
const RESPONSES = flag('--responses', 3000);
const RUNS = flag('--runs', 5);
const CHUNK = flag('--chunk', 16_384);
/** Passes per run; by default enough for about 400 MB per run, so short streams still time well. */
const REPEAT_FLAG = args.includes('--repeat') ? flag('--repeat', 1) : 0;
let REPEAT = 1;
const ANCHOR = !args.includes('--no-anchor');

/** A response-size mix: body sizes log-uniform between `min` and `min * 2^doublings` bytes. */
interface SizeMix {
  name: string;
  min: number;
  doublings: number;
}
const MIXES: SizeMix[] = [
  { name: 'bodies 1-64 KiB', min: 1024, doublings: 6 },
  { name: 'API bodies 64 B-2 KiB', min: 64, doublings: 5 },
];

function bodySize(random: Random, mix: SizeMix): number {
  return Math.round(mix.min * 2 ** (random() * mix.doublings));
}

function responseHeaders(random: Random, size: number): HeaderField[] {
  return [
    { name: ':status', value: '200' },
    { name: 'server', value: 'nghttpd nghttp2/1.59.0' },
    { name: 'date', value: 'Tue, 24 Nov 2026 19:00:0' + randomInt(random, 0, 9) + ' GMT' },
    { name: 'content-type', value: 'application/json; charset=utf-8' },
    { name: 'content-length', value: String(size) },
    { name: 'cache-control', value: 'private, max-age=0' },
    { name: 'vary', value: 'accept-encoding' },
    { name: 'x-request-id', value: randomInt(random, 0, 2 ** 31).toString(16).padStart(8, '0') + '-4e2a-9c1f-' + randomInt(random, 0, 2 ** 31).toString(16) },
    { name: 'etag', value: `"${randomInt(random, 0, 2 ** 31).toString(36)}"` },
  ];
}

interface ResponseStream {
  bytes: Uint8Array;
  frames: number;
  bodySizes: number[];
}

function buildStream(responses: number, mix: SizeMix): ResponseStream {
  const random = createRandom(4242);
  const hpack = new HpackEncoder();
  const parts: Uint8Array[] = [
    encodeSettings([{ id: 3, value: 100 }, { id: 4, value: 1 << 20 }]),
    encodeSettings([], true),
    encodeWindowUpdate(0, (1 << 30) - 65_535),
  ];
  const bodySizes: number[] = [];
  const body = new Uint8Array(16_384).fill(0x61);
  let frames = parts.length;
  let sinceUpdate = 0;
  // Eight streams in flight, their DATA frames interleaved the way a server multiplexes.
  const active: Array<{ id: number; left: number }> = [];
  let started = 0;
  let nextStream = 1;
  while (started < responses || active.length > 0) {
    while (active.length < 8 && started < responses) {
      const size = bodySize(random, mix);
      bodySizes.push(size);
      parts.push(encodeHeaders(nextStream, hpack.encode(responseHeaders(random, size))));
      frames++;
      active.push({ id: nextStream, left: size });
      nextStream += 2;
      started++;
      if (started % 500 === 0) {
        parts.push(encodePing(new Uint8Array(8)));
        frames++;
      }
      if (started % 1000 === 0) {
        parts.push(encodeSettings([{ id: 3, value: 100 }]));
        frames++;
      }
    }
    const k = randomInt(random, 0, active.length - 1);
    const stream = active[k]!;
    const n = Math.min(stream.left, 16_384);
    stream.left -= n;
    parts.push(encodeData(stream.id, body.subarray(0, n), { endStream: stream.left === 0 }));
    frames++;
    if (stream.left === 0) active.splice(k, 1);
    sinceUpdate += n;
    if (sinceUpdate >= 65_536) {
      parts.push(encodeWindowUpdate(0, sinceUpdate));
      frames++;
      sinceUpdate = 0;
    }
  }
  return { bytes: Buffer.concat(parts), frames, bodySizes };
}

/** Decodes the stream REPEAT times (a fresh decoder each time, as for a new connection); figures are per pass. */
function decodeOnce(chunks: Uint8Array[], withHeaders: boolean, reuseBuffers: boolean): { cpuMs: number; wallMs: number; frames: number; dataBytes: number; fields: number } {
  let frames = 0;
  let dataBytes = 0;
  let fields = 0;
  const wall = performance.now();
  const cpu = process.cpuUsage();
  for (let r = 0; r < REPEAT; r++) {
    const decoder = new FrameDecoder({ reuseBuffers, ...(withHeaders ? { headerDecoder: new HpackDecoder() } : {}) });
    for (const chunk of chunks) {
      const out: Frame[] = decoder.push(chunk);
      frames += out.length;
      for (const f of out) {
        if (f.type === 'DATA') dataBytes += f.data.length;
        else if (f.type === 'HEADERS' && f.headers !== undefined) fields += f.headers.length;
      }
    }
  }
  const used = process.cpuUsage(cpu);
  return { cpuMs: (used.user + used.system) / 1000 / REPEAT, wallMs: (performance.now() - wall) / REPEAT, frames: frames / REPEAT, dataBytes: dataBytes / REPEAT, fields: fields / REPEAT };
}

function measure(chunks: Uint8Array[], withHeaders: boolean, reuseBuffers: boolean): ReturnType<typeof decodeOnce> {
  decodeOnce(chunks, withHeaders, reuseBuffers); // warm-up: let the JIT settle
  let best: ReturnType<typeof decodeOnce> | undefined;
  for (let i = 0; i < RUNS; i++) {
    const run = decodeOnce(chunks, withHeaders, reuseBuffers);
    if (best === undefined || run.cpuMs < best.cpuMs) best = run;
  }
  return best!;
}

/** h2load's user+sys CPU per request for the same body-size mix, or a reason it could not run. */
async function h2loadCpuPerRequest(bodySizes: number[]): Promise<{ usPerRequest: number; requests: number } | string> {
  // Sixteen files whose sizes are spread over the same distribution as the decoded stream.
  const sorted = [...bodySizes].sort((a, b) => a - b);
  const files: Record<string, Uint8Array> = {};
  for (let i = 0; i < 16; i++) files[`b${i}`] = Buffer.alloc(sorted[Math.floor(((i + 0.5) / 16) * sorted.length)]!, 0x61);
  let server: Nghttpd;
  try {
    server = await startNghttpd({ files });
  } catch (err) {
    return (err as Error).message;
  }
  try {
    const urls = Object.keys(files).map((p) => `${server.url}/${p}`);
    const requests = Math.max(1600, Math.ceil(bodySizes.length / 16) * 16);
    const cpu = h2loadCpuSeconds(['-n', String(requests), '-c', '1', '-m', '8', ...urls]);
    if (typeof cpu === 'string') return cpu;
    return { usPerRequest: (cpu * 1e6) / requests, requests };
  } finally {
    await server.stop();
  }
}

async function main(): Promise<void> {
  for (const mix of MIXES) await measureMix(mix);
}

async function measureMix(mix: SizeMix): Promise<void> {
  const stream = buildStream(RESPONSES, mix);
  REPEAT = REPEAT_FLAG > 0 ? REPEAT_FLAG : Math.max(1, Math.round(400e6 / stream.bytes.length));
  const chunks: Uint8Array[] = [];
  for (let p = 0; p < stream.bytes.length; p += CHUNK) chunks.push(stream.bytes.subarray(p, p + CHUNK));
  const mb = stream.bytes.length / 1e6;
  console.log(`\n${mix.name}: ${RESPONSES} responses, ${stream.frames} frames, ${mb.toFixed(1)} MB in ${chunks.length} chunks of ${CHUNK} bytes; best of ${RUNS} runs of ${REPEAT} passes (CPU time per pass)`);

  const rows: Array<[string, ReturnType<typeof decodeOnce>]> = [
    ['frames', measure(chunks, false, false)],
    ['frames + HPACK', measure(chunks, true, false)],
    ['frames, reuse', measure(chunks, false, true)],
    ['frames + HPACK, reuse', measure(chunks, true, true)],
  ];
  for (const [label, r] of rows) {
    if (r.frames !== stream.frames) throw new Error(`${label}: decoded ${r.frames} frames, expected ${stream.frames}`);
    const s = r.cpuMs / 1000;
    console.log(
      `${label.padEnd(22)} ${(mb / s).toFixed(0).padStart(6)} MB/s  ${(r.frames / s / 1e6).toFixed(2).padStart(5)} M frames/s  ` +
        `${((r.cpuMs * 1000) / RESPONSES).toFixed(2).padStart(6)} µs CPU per response  (wall ${r.wallMs.toFixed(1)} ms, cpu ${r.cpuMs.toFixed(1)} ms)`,
    );
  }
  if (!ANCHOR) return;
  const anchor = await h2loadCpuPerRequest(stream.bodySizes);
  if (typeof anchor === 'string') {
    console.log(`anchor: skipped (${anchor})`);
    return;
  }
  console.log(`anchor: h2load ${anchor.usPerRequest.toFixed(2)} µs CPU per request (all its work: syscalls, framing, HPACK; ${anchor.requests} requests, same size mix, -c 1 -m 8, h2c loopback)`);
  for (const [label, r] of rows) {
    const us = (r.cpuMs * 1000) / RESPONSES;
    console.log(`ratio ${label.padEnd(22)}: decode = ${((100 * us) / anchor.usPerRequest).toFixed(0)}% of h2load's CPU per request`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
