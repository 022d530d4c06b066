import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanFacts } from '../diagnose/clean-facts.js';
import { diagnose } from '../diagnose/diagnose.js';
import { probeJsonReport, renderProbeJson, PROBE_JSON_SCHEMA } from './probe-json.js';

test('the JSON report carries the fields docs/json.md promises', () => {
  const f = cleanFacts();
  f.pushes = [{ connection: 1, associatedStreamId: 1, promisedStreamId: 2, path: '/a.js', bytes: 1000, used: false }];
  f.requests[19]!.error = 'timed out after 10 ms';
  const j = probeJsonReport(f, diagnose(f));
  assert.equal(j.schema, PROBE_JSON_SCHEMA);
  assert.equal(j.alpn, 'h2');
  assert.deepEqual(j.tls?.chain.verified, true);
  assert.equal(j.tls?.resumed, true);
  assert.deepEqual(j.settings.server, [
    { id: 3, name: 'SETTINGS_MAX_CONCURRENT_STREAMS', value: 100 },
    { id: 4, name: 'SETTINGS_INITIAL_WINDOW_SIZE', value: 65_535 },
  ]);
  assert.deepEqual({ opened: j.connections.opened, rpc: j.connections.requestsPerConnection }, { opened: 1, rpc: [20] });
  assert.deepEqual([j.requests.sent, j.requests.succeeded, j.requests.failed], [20, 19, 1]);
  assert.deepEqual(j.push.perResponse, { promises: 1 / 19, bytes: 1000 / 19 });
  assert.equal(j.latency.ttfb.max, 1.4);
  assert.deepEqual(j.findings.map((x) => x.id), ['requests-failed', 'push-on-api']);
  assert.ok(renderProbeJson(f, []).endsWith('}\n'));
});

test('h2c: tls is null, unknown settings keep their id', () => {
  const f = cleanFacts();
  f.tls = null;
  f.resumption = null;
  f.session!.serverSettings = [{ id: 0x99, value: 1 }];
  const j = probeJsonReport(f, []);
  assert.equal(j.tls, null);
  assert.deepEqual(j.settings.server, [{ id: 0x99, name: 'UNKNOWN_0x99', value: 1 }]);
});
