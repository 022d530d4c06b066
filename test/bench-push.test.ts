import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, constants, type Http2Server } from 'node:http2';
import { benchJson, portOf } from './bench-fixtures.js';

// A server that pushes two 1000-byte assets before every response (the incident this project
// starts from). RFC 9113 §8.4: a client may cancel a push with RST_STREAM(CANCEL) or refuse all
// pushes with SETTINGS_ENABLE_PUSH=0.
const PUSH_BYTES = 1000;
const server: Http2Server = createServer();
const pushRstCodes: number[] = [];
let pushesRefusedByClient = 0;

server.on('stream', (stream) => {
  const respond = () => {
    if (stream.closed) return;
    stream.respond({ ':status': 200 });
    stream.end('{"api":true}');
  };
  if (!stream.pushAllowed) {
    pushesRefusedByClient++;
    return respond();
  }
  // The response ends only after both pushes have ended (or failed), so a client that accepts
  // pushes has read them all by the time its request completes.
  let pending = 2;
  const pushSettled = () => --pending === 0 && respond();
  for (const path of ['/a.css', '/b.js']) {
    stream.pushStream({ ':path': path }, (err, pushed) => {
      if (err) return pushSettled();
      pushed.on('close', () => {
        if (pushed.rstCode) pushRstCodes.push(pushed.rstCode);
        pushSettled();
      });
      pushed.on('error', () => {});
      pushed.respond({ ':status': 200 });
      // The body comes a little later, so a client's CANCEL can arrive before it ends.
      setTimeout(() => !pushed.closed && pushed.end(Buffer.alloc(PUSH_BYTES, 120)), 10);
    });
  }
});

before(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
});
after(() => {
  server.close();
});

test('--push accept (default): every promise counted, pushed bytes read', async () => {
  const { result: r } = await benchJson([`http://127.0.0.1:${portOf(server)}/api`, '-c', '2', '-m', '4', '-n', '100']);
  assert.equal(r.requests.succeeded, 100);
  assert.equal(r.push.promises, 200);
  assert.equal(r.push.completed, 200);
  assert.equal(r.push.bytes, 200 * PUSH_BYTES);
  assert.equal(r.push.perResponse, 2);
  assert.equal(r.push.responsesWithPush, 100);
  assert.ok(r.warnings.some((w) => /pushed 200 streams/.test(w)));
});

test('--push cancel: each promise reset with CANCEL; the server sees code 8', async () => {
  pushRstCodes.length = 0;
  const { result: r } = await benchJson([`http://127.0.0.1:${portOf(server)}/api`, '-c', '1', '-m', '2', '-n', '50', '--push', 'cancel']);
  assert.equal(r.requests.succeeded, 50);
  assert.equal(r.push.promises, 100);
  assert.equal(r.push.cancelled, 100);
  assert.equal(r.resets.sent, 100);
  assert.equal(r.push.completed, 0);
  // Let the server-side close events land.
  await new Promise((res) => setTimeout(res, 100));
  assert.ok(pushRstCodes.length > 0 && pushRstCodes.every((c) => c === constants.NGHTTP2_CANCEL), `server saw ${pushRstCodes.slice(0, 5)}`);
});

test('--push refuse: SETTINGS_ENABLE_PUSH=0, the server cannot push', async () => {
  pushesRefusedByClient = 0;
  const { result: r } = await benchJson([`http://127.0.0.1:${portOf(server)}/api`, '-c', '1', '-m', '2', '-n', '30', '--push', 'refuse']);
  assert.equal(r.requests.succeeded, 30);
  assert.equal(r.push.promises, 0);
  assert.equal(pushesRefusedByClient, 30);
});
