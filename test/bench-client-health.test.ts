// The bench's client behaviours modelled on OkHttp (docs/lab.md): a PING health check that
// abandons a connection whose PING is still unanswered when the next is due (OkHttp's
// pingInterval) and sends its requests again elsewhere, and pushed DATA that is never credited
// back to the connection window (RFC 9113 §6.9.1 leaves crediting to the receiver; OkHttp's
// pushDataLater never does). Real node:http2 servers, the chaos proxy dropping PING ACKs.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { resolveBenchOptions } from '../src/bench/options.js';
import { runBench } from '../src/bench/run.js';
import { startChaos, type ChaosProxy } from '../src/chaos/start-chaos.js';

const PUSH_BYTES = 40_000;
/** Answers after 120 ms, so requests are in flight when a health check gives up. */
const slow = http2.createServer();
slow.on('stream', (stream) => {
  stream.on('error', () => {});
  setTimeout(() => {
    if (stream.closed) return;
    stream.respond({ ':status': 200 });
    stream.end('{"ok":true}');
  }, 120);
});
/** Pushes 40,000 bytes before each small answer: more than half a default connection window. */
const pusher = http2.createServer();
pusher.on('stream', (stream) => {
  stream.on('error', () => {});
  stream.pushStream({ ':path': '/asset.js' }, (err, pushed) => {
    if (err) return;
    pushed.on('error', () => {});
    pushed.respond({ ':status': 200 });
    pushed.end(Buffer.alloc(PUSH_BYTES, 97));
  });
  setTimeout(() => {
    if (stream.closed) return;
    stream.respond({ ':status': 200 });
    stream.end('{"ok":true}');
  }, 5);
});
let noPingAcks: ChaosProxy;
const port = (s: http2.Http2Server) => (s.address() as AddressInfo).port;

before(async () => {
  await Promise.all([slow, pusher].map((s) => new Promise<void>((r) => s.listen(0, '127.0.0.1', r))));
  noPingAcks = await startChaos({ upstream: `127.0.0.1:${port(slow)}`, listen: '127.0.0.1:0', faults: ['drop-ping-ack p=1'], seed: 1 });
});
after(async () => {
  await noPingAcks.close();
  slow.close();
  pusher.close();
});

async function bench(url: string, extra: Parameters<typeof resolveBenchOptions>[0] extends infer T ? Partial<T> : never) {
  const o = resolveBenchOptions({ url, connections: 2, streams: 2, requests: 30, ...extra });
  const run = await runBench(o);
  return { c: run.recorder.counters, conns: [...run.recorder.connections.values()], error: run.error };
}

test('PING ACKs dropped: each connection is abandoned at the next ping, its requests sent again, none fails', async () => {
  const { c, conns, error } = await bench(`http://127.0.0.1:${new URL(noPingAcks.url).port}/api`, { pingIntervalMs: 100 });
  assert.equal(error, undefined);
  assert.equal(c.ok, 30, 'every request succeeded in the end');
  assert.ok(c.abandonedPing >= 2, `abandoned ${c.abandonedPing}`);
  assert.equal(c.pingAcks, 0);
  assert.ok(c.retried >= 1, `retried ${c.retried}`);
  const abandoned = conns.filter((k) => k.closeReason === 'abandoned: no PING ACK within 100 ms');
  assert.equal(abandoned.length, c.abandonedPing);
  assert.ok(abandoned.every((k) => k.closedAtMs > k.openedAtMs));
});

test('PINGs answered: no connection abandoned, round trips measured', async () => {
  const { c } = await bench(`http://127.0.0.1:${port(slow)}/api`, { pingIntervalMs: 100 });
  assert.equal(c.ok, 30);
  assert.equal(c.abandonedPing, 0);
  assert.equal(c.opened, 2);
  assert.ok(c.pingsSent >= 2 && c.pingAcks >= c.pingsSent - 2, `${c.pingAcks} of ${c.pingsSent}`);
  assert.ok(c.pingRttMaxMs > 0 && c.pingRttTotalMs / c.pingAcks < 100);
});

test('pushed bytes not credited, default 65,535-byte window: the window reaches zero and answers stall until their deadline', async () => {
  const { c } = await bench(`http://127.0.0.1:${port(pusher)}/api`, { push: 'accept', creditPushedData: false, windowSize: 65_535, timeoutMs: 300, requests: 8 });
  assert.ok(c.pushBytesUncredited >= 65_535 - 16_384, `uncredited ${c.pushBytesUncredited}`);
  assert.equal(c.windowUpdatesSent, 0);
  assert.ok(c.zeroWindowMs > 0, 'time at a zero window measured');
  assert.ok(c.timeout > 0, `timeouts ${c.timeout}`);
});

test('pushed bytes credited (the default): the same server never stalls', async () => {
  const { c } = await bench(`http://127.0.0.1:${port(pusher)}/api`, { push: 'accept', windowSize: 65_535, timeoutMs: 2000, requests: 8 });
  assert.equal(c.ok, 8);
  assert.equal(c.pushBytesUncredited, 0);
  assert.equal(c.zeroWindowMs, 0);
  assert.ok(c.windowUpdatesSent > 0);
});
