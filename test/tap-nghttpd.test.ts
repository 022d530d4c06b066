// The wire tap against nghttpd, judged by nghttp2's own client: `nghttp -nv` and our tapped
// node:http2 client fetch the same URL from the same server, and what the tap reports the
// server sent — SETTINGS entries, response HEADERS (:status, content-length), DATA lengths,
// PUSH_PROMISE promised paths — must match what nghttp printed. Also: a GOAWAY nghttpd sends
// for a connection error (RFC 9113 §5.4.1), seen through the tap.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { H2ErrorCode } from '../src/errors.js';
import { CONNECTION_PREFACE_BYTES, encodeSettings, encodeWindowUpdate } from '../src/codec/frame-encoder.js';
import type { HeaderField, Setting } from '../src/codec/types.js';
import { createTap, type WireTap } from '../src/tap/wire-tap.js';
import type { TapEvent } from '../src/tap/tap-decoder.js';
import { parseNghttpLog, type NghttpFrame } from '../src/tap/nghttp-log.js';
import { startNghttpd, type Nghttpd } from './support/nghttpd.js';
import { connectTapped } from './support/tap.js';

const run = promisify(execFile);
const NGHTTP = '/usr/bin/nghttp';

/** The same shape for nghttp's frames and ours. */
interface SeenFrame {
  dir: 'send' | 'recv';
  type: string;
  streamId: number;
  length: number;
  flags: number;
  settings?: Setting[];
  headers?: HeaderField[];
  promisedStreamId?: number;
  errorCode?: number;
  lastStreamId?: number;
}

function fromTap(e: TapEvent): SeenFrame {
  const f = e.frame;
  const seen: SeenFrame = { dir: e.dir, type: f.type, streamId: f.streamId, length: f.length, flags: f.flags };
  if (f.type === 'SETTINGS') seen.settings = f.settings;
  if (f.type === 'HEADERS' || f.type === 'PUSH_PROMISE') seen.headers = f.headers ?? [];
  if (f.type === 'PUSH_PROMISE') seen.promisedStreamId = f.promisedStreamId;
  if (f.type === 'RST_STREAM' || f.type === 'GOAWAY') seen.errorCode = f.errorCode;
  if (f.type === 'GOAWAY') seen.lastStreamId = f.lastStreamId;
  return seen;
}

function fromNghttp(f: NghttpFrame): SeenFrame {
  return { ...f };
}

const field = (f: SeenFrame | undefined, name: string) => f?.headers?.find((h) => h.name === name)?.value;

/**
 * What the server said about one GET, independent of stream numbering (nghttp opens its
 * request on stream 13 after its priority streams; node:http2 on stream 1).
 */
function serverView(frames: SeenFrame[], path: string) {
  const request = frames.find((f) => f.dir === 'send' && f.type === 'HEADERS' && field(f, ':path') === path);
  assert.ok(request, `the client asked for ${path}`);
  const recv = frames.filter((f) => f.dir === 'recv');
  const responseOn = (streamId: number) => {
    const headers = recv.find((f) => f.type === 'HEADERS' && f.streamId === streamId);
    const data = recv.filter((f) => f.type === 'DATA' && f.streamId === streamId);
    return {
      status: field(headers, ':status'),
      contentLength: field(headers, 'content-length'),
      contentType: field(headers, 'content-type'),
      dataBytes: data.reduce((n, f) => n + f.length, 0),
      endStream: data.some((f) => (f.flags & 0x1) !== 0),
    };
  };
  const promises = recv.filter((f) => f.type === 'PUSH_PROMISE' && f.streamId === request.streamId);
  return {
    settings: recv.find((f) => f.type === 'SETTINGS' && (f.flags & 0x1) === 0)?.settings,
    response: responseOn(request.streamId),
    pushes: promises.map((p) => ({ path: field(p, ':path'), promisedStreamId: p.promisedStreamId, ...responseOn(p.promisedStreamId!) })),
  };
}

/** DATA frame lengths the server sent on the stream answering `path` (for small bodies: one frame each). */
function dataLengths(frames: SeenFrame[], path: string): number[] {
  const request = frames.find((f) => f.dir === 'send' && f.type === 'HEADERS' && field(f, ':path') === path)!;
  return frames.filter((f) => f.dir === 'recv' && f.type === 'DATA' && f.streamId === request.streamId).map((f) => f.length);
}

/** Fetches `paths` through a tapped node:http2 client, reading every pushed stream. */
async function fetchTapped(port: number, paths: string[]): Promise<WireTap> {
  const { tap, session } = connectTapped(port);
  const pushesDone: Promise<unknown>[] = [];
  session.on('stream', (pushed) => {
    pushed.resume();
    pushesDone.push(new Promise((resolve) => pushed.once('close', resolve)));
  });
  for (const path of paths) {
    const req = session.request({ ':path': path });
    req.resume();
    await once(req, 'end');
  }
  await Promise.all(pushesDone);
  await new Promise<void>((resolve) => session.close(resolve));
  return tap;
}

async function nghttpFrames(port: number, path: string): Promise<SeenFrame[]> {
  const { stdout } = await run(NGHTTP, ['-nv', `http://127.0.0.1:${port}${path}`], { timeout: 15_000 });
  return parseNghttpLog(stdout).map(fromNghttp);
}

describe('tap against nghttpd, compared with nghttp -v', () => {
  let nghttpd: Nghttpd;
  let port: number;

  before(async () => {
    nghttpd = await startNghttpd({
      files: {
        'index.html': '<!doctype html><p>hello from nghttpd</p>\n',
        'style.css': 'p { color: teal }\n',
        'app.js': 'console.log(1);\n',
        'big.bin': Buffer.alloc(200_000, 0x61),
      },
      // SETTINGS_MAX_CONCURRENT_STREAMS 7 and a 2^18-1 initial window: values nghttp must echo.
      args: ['-m', '7', '-w', '18'],
      push: { '/': ['/style.css', '/app.js'] },
    });
    port = nghttpd.port;
  });

  after(() => nghttpd.stop());

  test('server SETTINGS, response HEADERS, DATA and PUSH_PROMISE match nghttp for a pushed page', async () => {
    const [theirs, tap] = await Promise.all([nghttpFrames(port, '/'), fetchTapped(port, ['/'])]);
    const ours = tap.events.map(fromTap);
    const want = serverView(theirs, '/');
    const got = serverView(ours, '/');

    // Guard against comparing two empty views: nghttp must have seen what we configured.
    assert.deepEqual(want.settings, [{ id: 0x3, value: 7 }, { id: 0x4, value: 2 ** 18 - 1 }]);
    assert.equal(want.response.status, '200');
    assert.deepEqual(want.pushes.map((p) => p.path), ['/style.css', '/app.js']);

    assert.deepEqual(got.settings, want.settings);
    assert.deepEqual(got.response, want.response);
    assert.deepEqual(got.pushes, want.pushes);
    assert.deepEqual(dataLengths(ours, '/'), dataLengths(theirs, '/'));
    assert.equal(tap.decodeErrors.length, 0);
  });

  test('a large body and a 404: status, content-length and DATA bytes match nghttp', async () => {
    for (const path of ['/big.bin', '/missing']) {
      const [theirs, tap] = await Promise.all([nghttpFrames(port, path), fetchTapped(port, [path])]);
      const want = serverView(theirs, path);
      const got = serverView(tap.events.map(fromTap), path);
      assert.equal(want.response.status, path === '/missing' ? '404' : '200');
      assert.deepEqual(got.response, want.response);
      assert.deepEqual(got.pushes, []);
    }
  });

  test('both clients close with GOAWAY(NO_ERROR, last_stream_id = the last pushed stream)', async () => {
    const [theirs, tap] = await Promise.all([nghttpFrames(port, '/'), fetchTapped(port, ['/'])]);
    const goaway = (frames: SeenFrame[]) => {
      const f = frames.find((x) => x.dir === 'send' && x.type === 'GOAWAY');
      return f && { errorCode: f.errorCode, lastStreamId: f.lastStreamId };
    };
    assert.deepEqual(goaway(theirs), { errorCode: H2ErrorCode.NO_ERROR, lastStreamId: 4 });
    assert.deepEqual(goaway(tap.events.map(fromTap)), goaway(theirs));
  });

  test('a connection error from nghttpd shows as a received GOAWAY with its code', async () => {
    // Raw bytes written into the tap: preface, SETTINGS, then WINDOW_UPDATE with a zero
    // increment on stream 0, a connection error PROTOCOL_ERROR (RFC 9113 §6.9).
    const inner = net.connect(port, '127.0.0.1');
    const tap = createTap(inner, { record: true });
    tap.resume();
    tap.write(CONNECTION_PREFACE_BYTES);
    tap.write(encodeSettings([]));
    const zeroIncrement = encodeWindowUpdate(0, 1);
    zeroIncrement[zeroIncrement.length - 1] = 0;
    tap.write(zeroIncrement);
    await once(tap, 'close');
    const goaway = tap.events.find((e) => e.dir === 'recv' && e.frame.type === 'GOAWAY');
    assert.ok(goaway && goaway.frame.type === 'GOAWAY');
    assert.equal(goaway.frame.errorCode, H2ErrorCode.PROTOCOL_ERROR);
    assert.equal(goaway.frame.lastStreamId, 0);
    // Our own decoder judges that frame the same way: decoding of `send` stops with one
    // decode-error event, and the bytes went through unchanged all the same.
    assert.deepEqual(tap.events.filter((e) => e.dir === 'send').map((e) => e.frame.type), ['SETTINGS']);
    assert.deepEqual(tap.decodeErrors.map((e) => [e.dir, e.error.h2Code]), [['send', H2ErrorCode.PROTOCOL_ERROR]]);
    assert.equal(tap.bytes.sent, CONNECTION_PREFACE_BYTES.length + 9 + 13);
  });
});
