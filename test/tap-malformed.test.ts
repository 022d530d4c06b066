// A peer whose bytes cannot be framed must give a decode-error event, never a crash, and the
// bytes must still reach node:http2 unchanged (the tap observes; node:http2 decides). The peer
// here is a raw TCP server, because no HTTP/2 server sends these on purpose.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { H2ErrorCode } from '../src/errors.js';
import { encodeSettings } from '../src/codec/frame-encoder.js';
import { SettingId } from '../src/codec/types.js';
import type { WireTap } from '../src/tap/wire-tap.js';
import type { TapDecodeError } from '../src/tap/tap-decoder.js';
import { connectTapped } from './support/tap.js';

/** Serves `reply` to every connection, then waits for the client to hang up. */
async function rawServer(reply: Uint8Array): Promise<{ port: number; close: () => void }> {
  const server = net.createServer((socket) => {
    socket.on('error', () => {});
    socket.write(reply);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as net.AddressInfo).port, close: () => server.close() };
}

/**
 * Connects a tapped node:http2 client and sends one request. Ends when node:http2 has answered
 * the broken bytes with its own GOAWAY (it then waits for the peer to close; we do not) or the
 * session closed.
 */
async function tappedSession(port: number): Promise<{ tap: WireTap; errors: TapDecodeError[] }> {
  const { tap, session } = connectTapped(port);
  const errors: TapDecodeError[] = [];
  const off = tap.onDecodeError((e) => errors.push(e));
  session.on('error', () => {});
  const req = session.request({ ':path': '/' });
  req.on('error', () => {});
  req.resume();
  await new Promise<void>((resolve) => {
    session.once('close', resolve);
    const stop = tap.onFrame((e) => {
      if (e.dir === 'send' && e.frame.type === 'GOAWAY') {
        stop();
        resolve();
      }
    });
  });
  session.destroy();
  if (!tap.destroyed) await once(tap, 'close');
  off();
  return { tap, errors };
}

test('garbage after the server SETTINGS: one decode-error event, SETTINGS still reported, no crash', async () => {
  const settings = encodeSettings([{ id: SettingId.MAX_CONCURRENT_STREAMS, value: 5 }]);
  // A SETTINGS frame of 5 octets (not a multiple of 6: FRAME_SIZE_ERROR, RFC 9113 §6.5), then noise.
  const garbage = Uint8Array.of(0, 0, 5, 4, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 0xde, 0xad, 0xbe, 0xef);
  const reply = new Uint8Array(Buffer.concat([settings, garbage]));
  const server = await rawServer(reply);
  try {
    const { tap, errors } = await tappedSession(server.port);
    const recv = tap.events.filter((e) => e.dir === 'recv').map((e) => e.frame);
    assert.deepEqual(recv.map((f) => f.type === 'SETTINGS' && f.settings), [[{ id: SettingId.MAX_CONCURRENT_STREAMS, value: 5 }]]);
    assert.deepEqual(errors.map((e) => [e.dir, e.error.h2Code]), [['recv', H2ErrorCode.FRAME_SIZE_ERROR]]);
    assert.deepEqual(tap.decodeErrors, errors);
    assert.equal(tap.bytes.received, reply.length, 'every byte went on to node:http2');
    // node:http2 judged the same bytes itself and answered with GOAWAY, which the tap still decodes.
    const goaway = tap.events.find((e) => e.dir === 'send' && e.frame.type === 'GOAWAY');
    assert.ok(goaway && goaway.frame.type === 'GOAWAY');
    assert.equal(goaway.frame.errorCode, H2ErrorCode.FRAME_SIZE_ERROR);
  } finally {
    server.close();
  }
});

test('an HTTP/1.1 reply is named as not HTTP/2 at once', async () => {
  const reply = new TextEncoder().encode('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  const server = await rawServer(reply);
  try {
    const { tap, errors } = await tappedSession(server.port);
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.dir, 'recv');
    assert.match(errors[0]!.error.message, /not HTTP\/2/);
    assert.equal(tap.events.filter((e) => e.dir === 'recv').length, 0);
    assert.ok(tap.events.some((e) => e.dir === 'send' && e.frame.type === 'HEADERS'), 'our side still decodes');
  } finally {
    server.close();
  }
});
