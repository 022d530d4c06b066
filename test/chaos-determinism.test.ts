// Seeded repeatability: the same seed and the same traffic give the same fault log; another
// seed gives another. (toxiproxy's -seed does nothing; here every decision is seeded per
// connection and direction.)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { PassThrough } from 'node:stream';
import { startChaos } from '../src/chaos/start-chaos.js';
import { startOkUpstream } from './support/chaos.js';

let h2: http2.Http2Server;
let upstream = '';

before(async () => {
  ({ server: h2, upstream } = await startOkUpstream());
});
after(() => h2.close());

/** Runs 6 connections × 8 sequential requests and returns the --log lines. */
async function runOnce(seed: number): Promise<string[]> {
  const sink = new PassThrough();
  let text = '';
  sink.on('data', (d) => (text += d));
  const px = await startChaos({
    routes: [{ name: 'api', upstream, faults: ['rst-stream p=0.3,code=CANCEL', 'latency 1ms:down@0.5', 'drop-ping-ack p=0.5:down', 'stall p=0.3,ms=1:up'] }],
    seed,
    log: sink,
  });
  for (let c = 0; c < 6; c++) {
    const session = http2.connect(px.url);
    session.on('error', () => {});
    for (let i = 0; i < 8; i++) {
      await new Promise<void>((resolve) => {
        const req = session.request({ ':path': '/' });
        req.on('error', () => {});
        req.resume();
        req.on('close', () => resolve());
        req.end();
      });
      await new Promise<void>((resolve) => {
        // An unanswered PING must not hang the run.
        const t = setTimeout(resolve, 50);
        session.ping(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    await new Promise<void>((r) => session.close(r));
  }
  await px.close();
  return text.trim().split('\n').filter(Boolean);
}

/**
 * Frame faults exactly (order, connection, stream); losses as the set of lost segments per
 * connection (decided per 1460-byte segment, so chunking cannot move them); latency as the set of
 * connections it hit (one line per chunk read, and chunking is the kernel's choice).
 */
function comparable(lines: string[]) {
  const events = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  const frames = events.filter((e) => e.fault !== 'latency' && e.fault !== 'stall').map(({ t: _t, ...rest }) => rest);
  const stalls = events.filter((e) => e.fault === 'stall').map(({ t: _t, ...rest }) => JSON.stringify(rest)).sort();
  const latencyConns = [...new Set(events.filter((e) => e.fault === 'latency').map((e) => e.conn))].sort();
  return { frames, stalls, latencyConns };
}

test('same seed → same fault log; another seed → another', async () => {
  const a = comparable(await runOnce(42));
  const b = comparable(await runOnce(42));
  const c = comparable(await runOnce(43));
  assert.ok(a.frames.some((e) => e.fault === 'rst-stream'), 'some streams were reset');
  assert.ok(a.frames.some((e) => e.fault === 'drop-ping-ack'), 'some PING ACKs were dropped');
  assert.ok(a.stalls.length > 0, 'some segments were lost');
  assert.ok(a.latencyConns.length > 0 && a.latencyConns.length < 6, `latency on ${a.latencyConns.length} of 6 connections`);
  assert.deepEqual(b, a);
  assert.notDeepEqual(c, a);
  // Every line carries time, connection, direction, fault, and a stream id for frame faults.
  for (const e of a.frames) assert.deepEqual(Object.keys(e).slice(0, 4), ['route', 'conn', 'dir', 'fault']);
  assert.ok(a.frames.every((e) => typeof e.stream === 'number'));
});
