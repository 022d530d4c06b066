import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRandom } from '../random.js';
import type { Frame } from '../codec/types.js';
import { FrameDecoder } from '../codec/frame-decoder.js';
import { isFrameFault, parseFaultText, type FrameFault } from './fault-spec.js';
import { FrameFaultEngine } from './frame-faults.js';

function engine(...faults: string[]): FrameFaultEngine {
  const e = new FrameFaultEngine({ up: createRandom(1), down: createRandom(2) });
  const fs = faults.map((t) => parseFaultText(t)).filter(isFrameFault) as FrameFault[];
  e.plan = { up: fs.filter((f) => f.direction !== 'down'), down: fs.filter((f) => f.direction !== 'up') };
  return e;
}
const headers = (streamId: number): Frame => ({ type: 'HEADERS', streamId, flags: 4, length: 3, endStream: false, headerBlock: new Uint8Array(3), continuations: 0, padLength: 0 });
const data = (streamId: number, length: number): Frame => ({ type: 'DATA', streamId, flags: 0, length, endStream: false, data: new Uint8Array(length), padLength: 0 });
const decode = (bytes: Uint8Array) => new FrameDecoder().push(bytes)[0]!;

test('rst-stream resets the new stream to both peers and drops its later DATA, crediting the window back', () => {
  const e = engine('rst-stream p=1,code=CANCEL');
  const d = e.onFrame('up', headers(1));
  assert.equal(d.verdict.action, 'forward');
  assert.deepEqual(d.inject.map((i) => [i.dir, decode(i.bytes).type, decode(i.bytes).streamId]), [['up', 'RST_STREAM', 1], ['down', 'RST_STREAM', 1]]);
  assert.equal((decode(d.inject[0]!.bytes) as { errorCode: number }).errorCode, 8);
  assert.deepEqual(d.events.map((x) => [x.fault, x.stream]), [['rst-stream', 1]]);
  const later = e.onFrame('down', data(1, 100));
  assert.equal(later.verdict.action, 'drop');
  const wu = decode(later.inject[0]!.bytes);
  assert.equal(later.inject[0]!.dir, 'up');
  assert.deepEqual([wu.type, wu.streamId, (wu as { windowSizeIncrement: number }).windowSizeIncrement], ['WINDOW_UPDATE', 0, 100]);
  // Header blocks on the reset stream still pass (HPACK state).
  assert.equal(e.onFrame('down', headers(1)).verdict.action, 'forward');
});

test('rst-stream with p=0 never fires', () => {
  const e = engine('rst-stream p=0');
  for (let s = 1; s < 40; s += 2) assert.equal(e.onFrame('up', headers(s)).inject.length, 0);
});

test('goaway-after N streams: one GOAWAY to the client naming the Nth stream', () => {
  const e = engine('goaway-after 2');
  assert.equal(e.onFrame('up', headers(1)).inject.length, 0);
  const d = e.onFrame('up', headers(3));
  assert.equal(d.inject.length, 1);
  const g = decode(d.inject[0]!.bytes) as { type: string; lastStreamId: number; errorCode: number };
  assert.deepEqual([d.inject[0]!.dir, g.type, g.lastStreamId, g.errorCode], ['down', 'GOAWAY', 3, 0]);
  // A stream the client opened before it saw the GOAWAY is refused to the server too.
  const late = e.onFrame('up', headers(5));
  assert.deepEqual(late.inject.map((i) => [i.dir, decode(i.bytes).type, (decode(i.bytes) as { errorCode: number }).errorCode]), [['up', 'RST_STREAM', 7]]);
  assert.equal(late.events[0]!.detail, 'refused after GOAWAY');
  assert.equal(e.onFrame('down', data(5, 10)).verdict.action, 'drop');
});

test('goaway-after a time is fired by goawayNow, once', () => {
  const e = engine('goaway-after 10s');
  assert.equal(e.goawayAfterMs(), 10_000);
  e.onFrame('up', headers(1));
  assert.ok(e.goawayNow());
  assert.equal(e.goawayNow(), undefined);
});

test('withhold WINDOW_UPDATE, delay SETTINGS ACK, drop PING ACK, each logging its stream', () => {
  const e = engine('withhold-window-update p=1:down', 'delay-settings-ack 500ms', 'drop-ping-ack p=1');
  const wu: Frame = { type: 'WINDOW_UPDATE', streamId: 3, flags: 0, length: 4, windowSizeIncrement: 10 };
  assert.equal(e.onFrame('down', wu).verdict.action, 'drop');
  assert.equal(e.onFrame('down', wu).events[0]!.stream, 3);
  assert.equal(e.onFrame('up', wu).verdict.action, 'forward');
  const ack: Frame = { type: 'SETTINGS', streamId: 0, flags: 1, length: 0, ack: true, settings: [] };
  assert.deepEqual(e.onFrame('up', ack).verdict, { action: 'delay', ms: 500 });
  const notAck: Frame = { ...ack, flags: 0, ack: false };
  assert.equal(e.onFrame('up', notAck).verdict.action, 'forward');
  const pong: Frame = { type: 'PING', streamId: 0, flags: 1, length: 8, ack: true, opaqueData: new Uint8Array(8) };
  assert.equal(e.onFrame('down', pong).verdict.action, 'drop');
  assert.equal(e.onFrame('down', { ...pong, flags: 0, ack: false }).verdict.action, 'forward');
});
