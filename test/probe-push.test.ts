// Push: node:http2 and nghttpd (-p) pushing on API responses, and a raw server that pushes even
// after the client sent SETTINGS_ENABLE_PUSH=0 (RFC 9113 §6.5.2, §8.4).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rootCaFile, runProbeCli, startH2Server, startNghttpd, startPushIgnoringServer, type Running } from './probe-servers.js';

const ca = rootCaFile();
let nodePush: Running, nghttpdPush: Running, rogue: Running;
before(async () => {
  [nodePush, nghttpdPush, rogue] = await Promise.all([startH2Server({ pushes: 2 }), startNghttpd({ push: true }), startPushIgnoringServer()]);
});
after(async () => {
  await Promise.all([nodePush.close(), nghttpdPush.close(), rogue.close()]);
  ca.remove();
});

// ttfb-tail (info) depends on how loaded the machine is; every other finding is deterministic.
const ids = (j: { findings: { id: string }[] }) => j.findings.map((f) => f.id).filter((id) => id !== 'ttfb-tail');

test('node:http2 pushing 2 × 32 KiB per JSON response: push-on-api and push-starves-window, with promises, bytes and paths', async () => {
  const r = await runProbeCli([nodePush.url, '--ca', ca.path, '--json']);
  assert.equal(r.code, 0, r.err); // a warning does not fail at the default --fail-on error
  const j = JSON.parse(r.out);
  // 64 KiB pushed per response is a whole default connection window (RFC 9113 §6.9.2).
  assert.deepEqual(ids(j), ['push-on-api', 'push-starves-window']);
  assert.equal(j.push.promises, 40);
  assert.equal(j.push.bytes, 40 * 32 * 1024);
  assert.deepEqual(j.push.perResponse, { promises: 2, bytes: 65_536 });
  assert.deepEqual(j.push.paths.sort(), ['/static/asset-0.js', '/static/asset-1.js']);
  assert.equal(j.push.afterDisabled.promises, 0); // node:http2 honours ENABLE_PUSH=0
  const f = j.findings[0];
  assert.equal(f.severity, 'warn');
  assert.match(f.evidence[0], /20 of 20 non-document responses came with pushes: 2\.0 promises and 64\.0 KiB per response/);
});

test('--fail-on warn turns the push warning into exit 1 with one line', async () => {
  const r = await runProbeCli([nodePush.url, '--ca', ca.path, '-n', '4', '--fail-on', 'warn']);
  assert.equal(r.code, 1);
  assert.equal(r.err, 'h2doctor: probe: 2 finding(s) at or above warn: push-on-api, push-starves-window [ERR_CHECK_FAILED]\n');
  assert.match(r.out, /▲ warn +push-on-api/);
  assert.match(r.out, /\/static\/asset-0\.js +4 +128 KiB +0/);
});

test('nghttpd -p /api.json=/style.css: push-on-api, not push-after-disabled', async () => {
  const r = await runProbeCli([nghttpdPush.url, '--json', '-n', '10']);
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.deepEqual(ids(j), ['push-on-api']);
  assert.deepEqual(j.push.paths, ['/style.css']);
  assert.equal(j.push.promises, 10);
  assert.equal(j.push.bytes, 10 * 12_000);
  assert.equal(j.push.afterDisabled.promises, 0);
});

test('a server pushing after ENABLE_PUSH=0: push-after-disabled error, exit 1', async () => {
  const r = await runProbeCli([rogue.url, '--json', '-n', '4']);
  assert.equal(r.code, 1);
  const j = JSON.parse(r.out);
  assert.ok(ids(j).includes('push-after-disabled'), ids(j).join());
  assert.deepEqual(j.push.afterDisabled.paths, ['/style.css']);
  assert.equal(j.push.afterDisabled.enablePushSent, 0);
  // node:http2 ends such a connection itself (INTERNAL_ERROR in Node 20), the evidence is the frame.
  assert.match(j.push.afterDisabled.error, /GOAWAY/);
  assert.match(r.err, /at or above error: .*push-after-disabled/);
});
