// Frame faults over TLS: the proxy terminates TLS with --tls-cert/--tls-key, decodes the
// HTTP/2 frames, and re-encrypts to a TLS upstream (verified with the test CA).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import net from 'node:net';
import { createTestPki, type TestPki } from './support/certs.js';
import { startChaos } from '../src/chaos/start-chaos.js';
import type { FaultEvent } from '../src/chaos/fault-log.js';

let pki: TestPki;
let server: http2.Http2SecureServer;
let upstream = '';
const upstreamAlpn: string[] = [];

before(async () => {
  pki = createTestPki();
  server = http2.createSecureServer({ key: pki.key, cert: pki.chain });
  server.on('session', (s) => upstreamAlpn.push(String(s.alpnProtocol)));
  server.on('stream', (stream) => {
    stream.on('error', () => {});
    stream.respond({ ':status': 200 });
    stream.end('secure');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  upstream = `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
});
after(() => server.close());

test('TLS terminated: frames decoded, RST_STREAM injected, upstream re-encrypted with h2', async () => {
  const events: FaultEvent[] = [];
  const px = await startChaos({
    upstream, seed: 1, faults: ['rst-stream p=0.5,code=REFUSED_STREAM'],
    tls: { cert: pki.chain, key: pki.key, upstreamCa: pki.rootCert }, log: (e) => events.push(e),
  });
  try {
    assert.match(px.url, /^https:\/\//);
    const session = http2.connect(px.url, { ca: pki.rootCert });
    session.on('error', () => {});
    const results: Array<{ status: number; body: string; rst: number }> = [];
    for (let i = 0; i < 12; i++) {
      results.push(await new Promise((resolve) => {
        const req = session.request({ ':path': '/' });
        let status = 0, body = '';
        req.on('response', (h) => (status = Number(h[':status'])));
        req.setEncoding('utf8');
        req.on('data', (d: string) => (body += d));
        req.on('error', () => {});
        req.on('close', () => resolve({ status, body, rst: req.rstCode }));
        req.end();
      }));
    }
    assert.equal(session.alpnProtocol, 'h2');
    const reset = results.filter((r) => r.rst === 7).length;
    assert.ok(reset > 0 && results.some((r) => r.body === 'secure'), `${reset} of 12 reset`);
    assert.equal(events.filter((e) => e.fault === 'rst-stream').length, reset);
    assert.equal(upstreamAlpn.at(-1), 'h2');
    session.close();
  } finally {
    await px.close();
  }
});

test('TLS upstream down: the TLS client gets a TCP reset, not a clean close', async () => {
  const free = net.createServer();
  await new Promise<void>((r) => free.listen(0, '127.0.0.1', r));
  const port = (free.address() as net.AddressInfo).port;
  await new Promise((r) => free.close(r));
  const px = await startChaos({ upstream: `127.0.0.1:${port}`, tls: { cert: pki.chain, key: pki.key } });
  try {
    const { connect } = await import('node:tls');
    const code = await new Promise<string>((resolve) => {
      const c = connect({ port: Number(px.url.split(':').pop()), host: '127.0.0.1', ca: pki.rootCert, ALPNProtocols: ['h2'] });
      c.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
      c.on('close', () => resolve('closed'));
    });
    assert.equal(code, 'ECONNRESET');
  } finally {
    await px.close();
  }
});
