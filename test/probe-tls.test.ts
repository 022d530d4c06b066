// TLS: a missing intermediate, resumption off and on, ALPN without h2, and an HTTP/1.1 server
// answering the h2c preface.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestPki } from './support/certs.js';
import { rootCaFile, runProbeCli, startH2Server, startHttp1Server, type Running } from './probe-servers.js';

const ca = rootCaFile();
let leafOnly: Running, noTickets: Running, tickets: Running, h1tls: Running, h1plain: Running, expiring: Running;
before(async () => {
  [leafOnly, noTickets, tickets, h1tls, h1plain, expiring] = await Promise.all([
    startH2Server({ leafOnly: true }),
    startH2Server({ noTickets: true }),
    startH2Server(),
    startHttp1Server(true),
    startHttp1Server(false),
    // Same root and intermediate are not shared across PKIs: this one carries its own root.
    startH2Server({ pki: createTestPki({ days: 5 }) }),
  ]);
});
after(async () => {
  await Promise.all([leafOnly, noTickets, tickets, h1tls, h1plain, expiring].map((s) => s.close()));
  ca.remove();
});

// ttfb-tail (info) depends on how loaded the machine is; every other finding is deterministic.
const ids = (j: { findings: { id: string }[] }) => j.findings.map((f) => f.id).filter((id) => id !== 'ttfb-tail');

test('leaf without its intermediate: tls-chain-incomplete, the probe stops before any request, exit 1', async () => {
  const r = await runProbeCli([leafOnly.url, '--ca', ca.path, '--json']);
  assert.equal(r.code, 1);
  const j = JSON.parse(r.out);
  assert.deepEqual(ids(j), ['tls-chain-incomplete']);
  assert.deepEqual(j.tls.chain.verified, false);
  assert.equal(j.tls.chain.error, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  assert.equal(j.tls.chain.certificates.length, 1);
  assert.equal(j.requests.sent, 0);
  assert.match(j.stoppedEarly, /--insecure/);
  assert.match(r.err, /^h2doctor: probe: 1 finding\(s\) at or above error: tls-chain-incomplete \[ERR_CHECK_FAILED\]\n$/);
});

test('--insecure probes anyway and still reports the chain', async () => {
  const r = await runProbeCli([leafOnly.url, '--ca', ca.path, '--insecure', '--json', '-n', '4']);
  const j = JSON.parse(r.out);
  assert.equal(r.code, 1);
  assert.deepEqual(ids(j), ['tls-chain-incomplete']);
  assert.equal(j.requests.succeeded, 4);
});

test('the complete chain verifies with --ca, and without --ca it is tls-verify-failed, not chain-incomplete', async () => {
  const ok = JSON.parse((await runProbeCli([tickets.url, '--ca', ca.path, '--json', '-n', '2'])).out);
  assert.equal(ok.tls.chain.verified, true);
  assert.equal(ok.tls.chain.certificates.length, 2);
  const untrusted = await runProbeCli([tickets.url, '--json', '-n', '2']);
  assert.equal(untrusted.code, 1);
  assert.deepEqual(ids(JSON.parse(untrusted.out)), ['tls-verify-failed']);
});

test('session tickets off: tls-no-resumption; on: resumed, no finding', async () => {
  const off = JSON.parse((await runProbeCli([noTickets.url, '--ca', ca.path, '--json', '-n', '2'])).out);
  assert.deepEqual(ids(off), ['tls-no-resumption']);
  assert.equal(off.tls.resumed, false);
  const on = JSON.parse((await runProbeCli([tickets.url, '--ca', ca.path, '--json', '-n', '2'])).out);
  assert.deepEqual(ids(on), []);
  assert.equal(on.tls.resumed, true);
  assert.equal(typeof on.tls.resumedHandshakeMs, 'number');
});

test('ALPN http/1.1 only: no-h2, with the TLS facts still reported', async () => {
  const r = await runProbeCli([h1tls.url, '--ca', ca.path, '--json']);
  assert.equal(r.code, 1);
  const j = JSON.parse(r.out);
  assert.deepEqual(ids(j), ['no-h2']);
  assert.equal(j.alpn, 'http/1.1');
  assert.match(j.findings[0].evidence[0], /selected http\/1\.1/);
  assert.equal(j.tls.chain.verified, true);
});

test('h2c prior knowledge against an HTTP/1.1 server: no-h2', async () => {
  const r = await runProbeCli([h1plain.url]);
  assert.equal(r.code, 1);
  assert.match(r.out, /✖ error +no-h2: The server does not speak HTTP\/2 here/);
  assert.match(r.out, /HTTP\/1\.x response/);
});

test('a leaf valid for 5 more days: tls-cert-expiring warn', async () => {
  const r = await runProbeCli([expiring.url, '--insecure', '--json', '-n', '2']);
  const j = JSON.parse(r.out);
  const f = j.findings.find((x: { id: string }) => x.id === 'tls-cert-expiring');
  assert.equal(f?.severity, 'warn');
  assert.match(f.evidence[0], /^localhost: expires .* \([45]\.\d days\)$/);
});
