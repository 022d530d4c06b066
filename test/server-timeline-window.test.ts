// Frame timeline of slow requests (instrument(…, { timeline: true })), against a raw HTTP/2
// client built on h2doctor's codec that withholds WINDOW_UPDATE for a known time: first on
// the stream (SETTINGS_INITIAL_WINDOW_SIZE smaller than the body, RFC 9113 §6.9.2), then on
// the connection (its window stays at the initial 65,535 octets, §6.9.2). The timeline must
// put the wait on the right window and measure it within 10 % of the time the client held it.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import net from 'node:net';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { AddressInfo } from 'node:net';
import { FrameDecoder } from '../src/codec/frame-decoder.js';
import { CONNECTION_PREFACE_BYTES, encodeHeaders, encodeRstStream, encodeSettings, encodeWindowUpdate } from '../src/codec/frame-encoder.js';
import { HpackEncoder } from '../src/codec/hpack/encoder.js';
import { SettingId } from '../src/codec/types.js';
import { instrument, type ServerDoctor, type SlowRequest } from '../src/server/index.js';

const holdMs = 600;
const doctors: ServerDoctor[] = [];
after(async () => {
  for (const d of doctors) await d.close({ graceMs: 200 });
});

async function start(bodyBytes: number): Promise<{ port: number; slow: SlowRequest[] }> {
  const server = http2.createServer();
  server.on('stream', (stream) => {
    stream.respond({ ':status': 200 });
    stream.end(Buffer.alloc(bodyBytes, 0x61));
  });
  const doctor = instrument(server, { slowRequests: { threshold: 100, runtime: false }, timeline: true });
  doctors.push(doctor);
  const slow: SlowRequest[] = [];
  doctor.onSlowRequest((r) => slow.push(r));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as AddressInfo).port, slow };
}

/**
 * One GET on stream 1. Once `stallAt` body octets have arrived (the window the client gave),
 * waits `holdMs` and then sends `release` (WINDOW_UPDATE, or RST_STREAM). Resolves with the
 * time actually held, once the stream has ended or been reset.
 */
async function rawGet(port: number, settings: Array<{ id: number; value: number }>, stallAt: number, release: Uint8Array, connectionUpdate = 0): Promise<number> {
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  const decoder = new FrameDecoder();
  const hpack = new HpackEncoder();
  socket.write(CONNECTION_PREFACE_BYTES);
  socket.write(encodeSettings(settings));
  if (connectionUpdate > 0) socket.write(encodeWindowUpdate(0, connectionUpdate));
  socket.write(encodeHeaders(1, hpack.encode([
    { name: ':method', value: 'GET' }, { name: ':scheme', value: 'http' },
    { name: ':authority', value: `127.0.0.1:${port}` }, { name: ':path', value: '/body' },
  ]), { endStream: true }));
  let received = 0;
  let heldFor = -1;
  return new Promise((resolve, reject) => {
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      for (const frame of decoder.push(chunk)) {
        if (frame.type === 'SETTINGS' && !frame.ack) socket.write(encodeSettings([], true));
        if (frame.type === 'DATA' && frame.streamId === 1) {
          const before = received;
          received += frame.data.length;
          if (before < stallAt && received >= stallAt) {
            const heldAt = performance.now();
            setTimeout(() => {
              heldFor = performance.now() - heldAt;
              socket.write(release);
            }, holdMs);
          }
          if (frame.endStream) finish();
        }
      }
    });
    function finish() {
      socket.end();
      resolve(heldFor);
    }
    const rstWait = setInterval(() => {
      if (heldFor >= 0 && release[3] === 0x3) {
        clearInterval(rstWait);
        setTimeout(finish, 50);
      }
    }, 10);
    socket.on('close', () => clearInterval(rstWait));
  });
}

async function slowOne(slow: SlowRequest[]): Promise<SlowRequest> {
  for (let i = 0; i < 40 && slow.length === 0; i++) await new Promise((r) => setTimeout(r, 25));
  assert.equal(slow.length, 1);
  return slow[0]!;
}

function assertWithin10pc(measured: number, held: number, what: string): void {
  assert.ok(Math.abs(measured - held) <= held * 0.1, `${what}: timeline says ${measured} ms, client held ${held.toFixed(1)} ms`);
}

test('a stream window held shut by the client shows as a stream-window wait of the time it was held', async () => {
  const { port, slow } = await start(64 * 1024);
  // The stream may carry 16,384 octets; the connection window is opened wide at once.
  const held = await rawGet(port, [{ id: SettingId.INITIAL_WINDOW_SIZE, value: 16_384 }], 16_384, encodeWindowUpdate(1, 1 << 20), 1 << 24);
  const r = await slowOne(slow);
  const t = r.timeline!;
  assert.equal(t.streamId, 1);
  assertWithin10pc(t.flowControl.streamWindowMs, held, 'stream window');
  assert.ok(t.flowControl.connectionWindowMs < held * 0.1, `connection window ${t.flowControl.connectionWindowMs}`);
  assert.ok(t.respondedMs !== undefined && t.respondedMs < 50);
  assert.equal(t.writes, 1);
  assert.equal(t.bytes, 64 * 1024);
  assert.equal(t.dataWrites[0]!.bytes, 64 * 1024);
  // The body's DATA left only after the window opened.
  assert.ok(t.dataWrites[0]!.doneMs! >= held * 0.9, `doneMs ${t.dataWrites[0]!.doneMs}`);
  assert.ok(t.endMs >= t.dataWrites[0]!.doneMs!);
  assert.equal(t.rst, undefined);
  assert.equal(t.goaway, undefined);
});

test('the connection window held shut shows as a connection-window wait of the time it was held', async () => {
  const { port, slow } = await start(128 * 1024);
  // The stream may carry 1 MiB, but the connection only its initial 65,535 octets.
  const held = await rawGet(port, [{ id: SettingId.INITIAL_WINDOW_SIZE, value: 1 << 20 }], 65_535, encodeWindowUpdate(0, 1 << 20));
  const t = (await slowOne(slow)).timeline!;
  assertWithin10pc(t.flowControl.connectionWindowMs, held, 'connection window');
  assert.ok(t.flowControl.streamWindowMs < held * 0.1, `stream window ${t.flowControl.streamWindowMs}`);
});

test('a client that resets the stream instead of opening the window: the wait ends with the RST_STREAM', async () => {
  const { port, slow } = await start(64 * 1024);
  const held = await rawGet(port, [{ id: SettingId.INITIAL_WINDOW_SIZE, value: 16_384 }], 16_384, encodeRstStream(1, 0x8), 1 << 24);
  const r = await slowOne(slow);
  const t = r.timeline!;
  assert.deepEqual(t.rst, { code: 0x8, by: 'client' });
  assert.equal(r.rstCode, 0x8);
  assertWithin10pc(t.flowControl.streamWindowMs, held, 'stream window before the reset');
  assert.equal(t.dataWrites[0]!.doneMs, undefined);
});
