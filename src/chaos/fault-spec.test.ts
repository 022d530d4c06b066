import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ScenarioError } from '../errors.js';
import { describeFault, nameFaults, parseFault, parseFaultText } from './fault-spec.js';

test('latency with jitter, direction and toxicity', () => {
  assert.deepEqual(parseFault('latency', '100ms,jitter=20ms:down@0.15'), {
    name: 'latency', direction: 'down', toxicity: 0.15, kind: 'latency', ms: 100, jitterMs: 20,
  });
  assert.deepEqual(parseFault('latency', '3000ms@15%'), { name: 'latency', direction: 'both', toxicity: 0.15, kind: 'latency', ms: 3000, jitterMs: 0 });
});

test('every TCP fault kind parses its documented examples', () => {
  assert.equal((parseFault('bandwidth', '50mbit:down') as { bitsPerSecond: number }).bitsPerSecond, 50e6);
  assert.deepEqual(parseFault('stall', 'p=0.15,ms=200'), { name: 'stall', direction: 'both', toxicity: 1, kind: 'stall', p: 0.15, ms: 200 });
  assert.deepEqual(parseFault('reset-after', '64kb:up@0.1'), { name: 'reset-after', direction: 'up', toxicity: 0.1, kind: 'reset-after', afterBytes: 65536 });
  assert.equal((parseFault('reset-after', '5s') as { afterMs: number }).afterMs, 5000);
  assert.deepEqual(parseFault('blackhole', 'on'), { name: 'blackhole', direction: 'both', toxicity: 1, kind: 'blackhole' });
  assert.equal((parseFault('blackhole', '2s:up') as { closeAfterMs: number }).closeAfterMs, 2000);
  assert.equal((parseFault('slow-close', '2s') as { ms: number }).ms, 2000);
  assert.deepEqual(parseFault('slice', '64,variation=16,delay=1ms'), { name: 'slice', direction: 'both', toxicity: 1, kind: 'slice', size: 64, variation: 16, delayMs: 1 });
  assert.equal((parseFault('limit-data', '1mb') as { bytes: number }).bytes, 1 << 20);
});

test('every frame fault kind parses', () => {
  assert.deepEqual(parseFault('rst-stream', 'p=0.05,code=REFUSED_STREAM'), { name: 'rst-stream', direction: 'both', toxicity: 1, kind: 'rst-stream', p: 0.05, code: 7 });
  assert.equal((parseFault('rst-stream', 'code=0x8') as { code: number }).code, 8);
  assert.deepEqual(parseFault('goaway-after', '100'), { name: 'goaway-after', direction: 'both', toxicity: 1, kind: 'goaway-after', streams: 100, code: 0 });
  assert.equal((parseFault('goaway-after', '10s,code=ENHANCE_YOUR_CALM') as { afterMs: number; code: number }).afterMs, 10000);
  assert.equal((parseFault('withhold-window-update', 'p=0.5:down') as { p: number }).p, 0.5);
  assert.equal((parseFault('delay-settings-ack', '500ms') as { ms: number }).ms, 500);
  assert.equal((parseFault('drop-ping-ack', '') as { p: number }).p, 1);
});

test('bad values are one-line ScenarioErrors naming the flag', () => {
  const bad: Array<[string, string, RegExp]> = [
    ['latency', '10x', /--latency: '10x' is not a duration/],
    ['latency', '', /--latency: missing a duration/],
    ['latency', '100ms:sideways', /direction must be :up or :down/],
    ['stall', 'p=1.5', /not a probability/],
    ['bandwidth', 'fast', /not a rate/],
    ['rst-stream', 'code=NOPE', /not an HTTP\/2 error code/],
    ['latency', '100ms,bogus=1', /unknown key 'bogus'/],
    ['latency', '100ms@2', /not a probability/],
    ['teleport', '1s', /unknown fault 'teleport'/],
    ['slice', '0', /1 byte or more/],
  ];
  for (const [kind, text, re] of bad) {
    assert.throws(() => parseFault(kind, text), (err: unknown) => err instanceof ScenarioError && re.test(err.message) && !err.message.includes('\n'), `${kind} ${text}`);
  }
});

test('fault text form and naming', () => {
  assert.equal(parseFaultText('--latency=100ms:down').direction, 'down');
  assert.equal(parseFaultText('blackhole').kind, 'blackhole');
  const named = nameFaults([parseFaultText('latency 1ms'), parseFaultText('latency 2ms'), parseFaultText('stall p=0.1')]);
  assert.deepEqual(named.map((f) => f.name), ['latency', 'latency#2', 'stall']);
  assert.equal(describeFault(parseFaultText('latency 100ms:down@0.5')), 'latency ms=100 jitterMs=0 :down @0.5');
});

test('bandwidth link=shared|connection', () => {
  const f = parseFaultText('bandwidth 100mbit,link=shared:down');
  assert.deepEqual([f.kind, f.kind === 'bandwidth' && f.shared, f.direction], ['bandwidth', true, 'down']);
  const g = parseFaultText('bandwidth 100mbit');
  assert.equal(g.kind === 'bandwidth' && g.shared, undefined);
  assert.throws(() => parseFaultText('bandwidth 100mbit,link=wan'), ScenarioError);
});
