// Bad input: one clear line, non-zero exit (2 for usage, 1 for failures), within the timeout,
// never a stack trace.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { freePort, runProbeCli, startH2Server, startSilentServer, type Running } from './probe-servers.js';

let h2c: Running, tls: Running, silent: Running;
before(async () => {
  [h2c, tls, silent] = await Promise.all([startH2Server({ tls: false }), startH2Server(), startSilentServer()]);
});
after(async () => {
  await Promise.all([h2c.close(), tls.close(), silent.close()]);
});

function oneLine(err: string): void {
  assert.equal(err.trim().split('\n').length, 1, err);
  assert.doesNotMatch(err, /\bat .*:\d+:\d+/);
}

test('usage errors exit 2 with one line', async () => {
  for (const [argv, re] of [
    [['not a url'], /'not a url' is not a valid URL/],
    [['ftp://example.com/'], /must start with http:\/\/ \(h2c\) or https:\/\//],
    [[], /missing <url>/],
    [['http://127.0.0.1:1/', '--frobnicate'], /Unknown option '--frobnicate'/],
    [['http://127.0.0.1:1/', '--fail-on', 'fatal'], /--fail-on: 'fatal' is not one of info, warn, error/],
    [['http://127.0.0.1:1/', '-n', 'ten'], /--requests: 'ten' is not a whole number/],
    [['http://127.0.0.1:1/', '--data', '/nonexistent/file'], /--data: cannot read/],
    [['http://127.0.0.1:1/', '-H', 'Connection: close'], /--header: 'connection' is connection-specific/],
    [['http://127.0.0.1:1/', '-H', 'novalue'], /--header: 'novalue' is not 'name: value'/],
    [['http://127.0.0.1:1/', '--timeout', 'soon'], /--timeout: 'soon' is not a duration/],
  ] as [string[], RegExp][]) {
    const r = await runProbeCli(argv);
    assert.equal(r.code, 2, argv.join(' '));
    assert.match(r.err, re);
  }
});

test('connection refused: one line, exit 1', async () => {
  const r = await runProbeCli([`http://127.0.0.1:${await freePort()}/`]);
  assert.equal(r.code, 1);
  oneLine(r.err);
  assert.match(r.err, /connect 127\.0\.0\.1:\d+: connection refused \[ERR_CONNECT\]/);
});

test('DNS failure on a .invalid name: one line, exit 1', async () => {
  const r = await runProbeCli(['https://no-such-host.invalid/', '--timeout', '3000']);
  assert.equal(r.code, 1);
  oneLine(r.err);
  assert.match(r.err, /DNS lookup of no-such-host\.invalid: host name did not resolve|no answer within/);
});

test('TLS to a plain h2c port: one TLS line, exit 1', async () => {
  const r = await runProbeCli([`https://127.0.0.1:${h2c.port}/`, '--timeout', '3000']);
  assert.equal(r.code, 1);
  oneLine(r.err);
  assert.match(r.err, /TLS handshake with 127\.0\.0\.1:\d+: .*\[ERR_TLS\]/);
});

test('plain h2c to a TLS port: says to use https://, exit 1', async () => {
  const r = await runProbeCli([`http://127.0.0.1:${tls.port}/`, '--timeout', '3000']);
  assert.equal(r.code, 1);
  oneLine(r.err);
  // A TLS server that alerts is recognised from the record; node's closes silently.
  assert.match(r.err, /speaks TLS: use https:\/\/ instead of http:\/\/ \[ERR_TLS\]|closed the connection before sending its SETTINGS \(a TLS port\? use https:\/\/\) \[ERR_CONNECTION_CLOSED\]/);
});

test('a server that accepts TCP and never answers: bounded by --timeout, both schemes', async () => {
  for (const scheme of ['http', 'https']) {
    const r = await runProbeCli([`${scheme}://127.0.0.1:${silent.port}/`, '--timeout', '300']);
    assert.equal(r.code, 1);
    oneLine(r.err);
    assert.match(r.err, /no answer within 300 ms \[ERR_TIMEOUT\]/);
    assert.ok(r.ms < 2500, `${scheme} took ${r.ms} ms`);
  }
});

test('through main(): probe --help prints usage; a bad flag exits 2; a refused port exits 1', async () => {
  const { main } = await import('../src/cli/main.js');
  const { captureIO } = await import('./probe-servers.js');
  const help = captureIO();
  assert.equal(await main(['probe', '--help'], help.io), 0);
  assert.match(help.out(), /^Usage: h2doctor probe <url> \[options\]/);
  const bad = captureIO();
  assert.equal(await main(['probe', 'http://127.0.0.1:1/', '--bogus'], bad.io), 2);
  assert.match(bad.err(), /^h2doctor: Unknown option '--bogus'/);
  const refused = captureIO();
  assert.equal(await main(['probe', `http://127.0.0.1:${await freePort()}/`], refused.io), 1);
  oneLine(refused.err());
});

test('runProbe honours its AbortSignal: a silent server with a 10 s timeout is abandoned at once', async () => {
  const { runProbe } = await import('../src/probe/probe.js');
  const { AbortError } = await import('../src/errors.js');
  const t = performance.now();
  await assert.rejects(runProbe({ url: `https://127.0.0.1:${silent.port}/`, timeoutMs: 10_000 }, AbortSignal.timeout(150)), AbortError);
  assert.ok(performance.now() - t < 3000);
});
