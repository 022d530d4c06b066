import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ScenarioError } from '../errors.js';
import { activeFaults, nextPhaseTime, parseScenario, phaseTransitions, type PhaseState } from './scenario.js';

const doc = JSON.stringify({
  seed: 7,
  routes: [{ name: 'orders', upstream: '127.0.0.1:8443', faults: ['latency 20ms'] }],
  phases: [
    { name: 'spike', at: '5s', for: '10s', faults: ['latency 3000ms@0.15'] },
    { afterConnections: 3, faults: ['reset-after 64kb:up@0.1'], route: 'orders' },
    { afterStreams: 2, for: '1s', faults: ['goaway-after 1'] },
  ],
});

test('parses routes, triggers and phase fault names', () => {
  const s = parseScenario(doc, 'x.json');
  assert.equal(s.seed, 7);
  assert.equal(s.routes[0]!.faults[0]!.kind, 'latency');
  assert.deepEqual(s.phases.map((p) => p.trigger), [{ kind: 'at', ms: 5000 }, { kind: 'afterConnections', count: 3 }, { kind: 'afterStreams', count: 2 }]);
  assert.equal(s.phases[0]!.faults[0]!.name, 'spike/latency');
  assert.equal(s.phases[1]!.faults[0]!.name, 'phase2/reset-after');
});

test('phases start and end by time and by counts', () => {
  const s = parseScenario(doc);
  const st: PhaseState[] = [];
  assert.deepEqual(phaseTransitions(s.phases, { elapsedMs: 0, connections: 0, streams: 0 }, st), []);
  assert.equal(nextPhaseTime(s.phases, st), 5000);
  assert.deepEqual(phaseTransitions(s.phases, { elapsedMs: 5000, connections: 3, streams: 0 }, st), [{ phase: 0, action: 'start' }, { phase: 1, action: 'start' }]);
  assert.equal(nextPhaseTime(s.phases, st), 15000);
  assert.deepEqual(activeFaults(s.routes[0]!.faults, s.phases, st, 'orders').map((f) => f.name), ['latency', 'spike/latency', 'phase2/reset-after']);
  assert.deepEqual(activeFaults([], s.phases, st, 'other').map((f) => f.name), ['spike/latency']);
  assert.deepEqual(phaseTransitions(s.phases, { elapsedMs: 6000, connections: 3, streams: 2 }, st), [{ phase: 2, action: 'start' }]);
  assert.deepEqual(phaseTransitions(s.phases, { elapsedMs: 15000, connections: 3, streams: 2 }, st), [{ phase: 0, action: 'end' }, { phase: 2, action: 'end' }]);
  assert.deepEqual(activeFaults([], s.phases, st, 'orders').map((f) => f.name), ['phase2/reset-after']);
});

test('bad scenario files give one line naming the file and the field', () => {
  const bad: Array<[string, RegExp]> = [
    ['{', /^s\.json: not valid JSON/],
    ['[]', /must be a JSON object/],
    ['{"routes":[{"upstream":"nohost"}]}', /routes\[0\]\.upstream: must be "HOST:PORT"/],
    ['{"phases":[{"at":"5x","faults":["latency 1ms"]}]}', /phases\[0\]\.at: '5x' is not a duration/],
    ['{"phases":[{"at":"1s","faults":["latency 1qs"]}]}', /phases\[0\]\.faults\[0\]: '1qs' is not a duration/],
    ['{"phases":[{"at":"1s","faults":[]}]}', /needs at least one fault/],
    ['{"phases":[{"at":"1s","afterStreams":3,"faults":["latency 1ms"]}]}', /give one of at, afterConnections, afterStreams/],
    ['{"phases":[{"at":"1s","route":"nope","faults":["latency 1ms"]}]}', /no route named 'nope'/],
    ['{"routes":[{"upstream":"a:1","colour":"red"}]}', /unknown key 'colour'/],
    ['{}', /neither routes nor phases/],
  ];
  for (const [text, re] of bad) {
    assert.throws(() => parseScenario(text, 's.json'), (err: unknown) => err instanceof ScenarioError && re.test(err.message) && !err.message.includes('\n'), text);
  }
});
