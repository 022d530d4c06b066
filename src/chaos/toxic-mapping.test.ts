import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ScenarioError } from '../errors.js';
import { parseFaultText } from './fault-spec.js';
import { faultToToxic, toxicToFault } from './toxic-mapping.js';

test('toxiproxy toxics map to faults with toxiproxy units, and back', () => {
  assert.deepEqual(toxicToFault({ type: 'latency', attributes: { latency: 100, jitter: 10 } }), {
    name: 'latency_downstream', direction: 'down', toxicity: 1, kind: 'latency', ms: 100, jitterMs: 10,
  });
  assert.equal((toxicToFault({ type: 'bandwidth', stream: 'upstream', attributes: { rate: 100 } }) as { bitsPerSecond: number }).bitsPerSecond, 800_000);
  assert.equal((toxicToFault({ type: 'slicer', attributes: { average_size: 8, delay: 2000 } }) as { delayMs: number }).delayMs, 2);
  assert.equal(toxicToFault({ type: 'timeout', attributes: { timeout: 0 } }).kind, 'blackhole');
  for (const body of [
    { name: 'a', type: 'latency', stream: 'upstream', toxicity: 0.5, attributes: { latency: 5, jitter: 1 } },
    { name: 'b', type: 'bandwidth', stream: 'downstream', toxicity: 1, attributes: { rate: 64 } },
    { name: 'c', type: 'slow_close', stream: 'downstream', toxicity: 1, attributes: { delay: 10 } },
    { name: 'd', type: 'timeout', stream: 'downstream', toxicity: 1, attributes: { timeout: 10 } },
    { name: 'e', type: 'reset_peer', stream: 'downstream', toxicity: 1, attributes: { timeout: 10 } },
    { name: 'f', type: 'slicer', stream: 'downstream', toxicity: 1, attributes: { average_size: 8, size_variation: 2, delay: 10 } },
    { name: 'g', type: 'limit_data', stream: 'downstream', toxicity: 1, attributes: { bytes: 10 } },
  ]) {
    assert.deepEqual(faultToToxic(toxicToFault(body)), body);
  }
});

test('frame faults as toxics take the flag defaults; bad toxics are ScenarioErrors', () => {
  assert.deepEqual(toxicToFault({ name: 'r', type: 'rst_stream', attributes: {} }), { p: 1, code: 7, name: 'r', direction: 'down', toxicity: 1, kind: 'rst-stream' });
  assert.deepEqual(faultToToxic(parseFaultText('drop-ping-ack p=0.5:up')).attributes, { p: 0.5 });
  assert.throws(() => toxicToFault({ type: 'goaway_after', attributes: {} }), ScenarioError);
  assert.throws(() => toxicToFault({ type: 'frobnicate' }), /unknown type 'frobnicate'/);
  assert.throws(() => toxicToFault({ type: 'latency', stream: 'sideways' }), /stream must be upstream or downstream/);
  assert.throws(() => toxicToFault({ type: 'latency', toxicity: 2 }), /toxicity/);
  assert.throws(() => toxicToFault({ type: 'latency', attributes: { latency: 'slow' } }), /must be a number/);
});
