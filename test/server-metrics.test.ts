// Connection-health metrics, read the way Prometheus reads them: scrape the metrics route
// over HTTP/2 with curl, parse the text exposition format, check names, labels and values
// against what curl, h2load and a node:http2 client did to the server.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { promisify } from 'node:util';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { createTestPki } from './support/certs.js';
import { instrument, type ServerDoctor } from '../src/server/index.js';

const run = promisify(execFile);
const pki = createTestPki();

/** One sample of the Prometheus text format: `name{a="b",c="d"} value`. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the Prometheus text exposition format (comments, labels with escapes, values). */
function parsePrometheus(text: string): { samples: Sample[]; types: Map<string, string> } {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const typeLine = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (typeLine !== null) {
      types.set(typeLine[1], typeLine[2]);
      continue;
    }
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m !== null, `unparseable line: ${line}`);
    const labels: Record<string, string> = {};
    if (m[2] !== undefined && m[2] !== '') {
      const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?/g;
      let lm: RegExpExecArray | null;
      let consumed = 0;
      while ((lm = re.exec(m[2])) !== null) {
        labels[lm[1]] = lm[2].replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
        consumed += lm[0].length;
      }
      assert.equal(consumed, m[2].length, `bad labels: ${m[2]}`);
    }
    const value = m[3] === '+Inf' ? Infinity : Number(m[3]);
    assert.ok(!Number.isNaN(value), `bad value: ${line}`);
    samples.push({ name: m[1], labels, value });
  }
  return { samples, types };
}

function pick(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const hit = samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  return hit?.value;
}

let url = '';
let doctor: ServerDoctor;
let server: http2.Http2SecureServer;
const registry = new Registry();

before(async () => {
  server = http2.createSecureServer({ key: pki.key, cert: pki.chain });
  server.on('request', (req, res) => {
    if (req.url === '/metrics') return doctor.metricsHandler(req, res);
    if (req.url.startsWith('/hang')) return; // never answers: the client resets it
    if (req.url.startsWith('/refuse')) {
      req.stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
      return;
    }
    res.writeHead(req.url.startsWith('/missing') ? 404 : 200, { 'content-type': 'text/plain' });
    res.end('ok');
  });
  doctor = instrument(server, { metrics: { registry, prefix: 'h2_' }, maxRoutes: 6, slowRequests: false });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  await doctor.close({ graceMs: 500 });
});

async function scrape(): Promise<{ samples: Sample[]; types: Map<string, string>; contentType: string }> {
  const { stdout } = await run('curl', ['-sk', '--http2', '-D', '-', `${url}/metrics`], { timeout: 15_000 });
  const [head, ...body] = stdout.split('\r\n\r\n');
  assert.match(head, /^HTTP\/2 200/);
  const contentType = /content-type: (.*)/i.exec(head)?.[1] ?? '';
  return { ...parsePrometheus(body.join('\r\n\r\n')), contentType };
}

test('every documented metric is exposed with its type, parseable as Prometheus text', async () => {
  const { types, contentType } = await scrape();
  assert.match(contentType, /^text\/plain; version=0\.0\.4/);
  const expected: Record<string, string> = {
    h2_sessions_opened_total: 'counter', h2_sessions_closed_total: 'counter', h2_sessions_active: 'gauge',
    h2_requests_total: 'counter', h2_requests_reused_total: 'counter', h2_connection_reuse_ratio: 'gauge',
    h2_streams_active: 'gauge', h2_rst_stream_total: 'counter', h2_goaway_total: 'counter',
    h2_push_attempted_total: 'counter', h2_push_denied_total: 'counter', h2_push_sent_total: 'counter',
    h2_push_cancelled_total: 'counter', h2_push_bytes_total: 'counter', h2_slow_requests_total: 'counter',
    h2_request_duration_seconds: 'histogram', h2_request_ttfb_seconds: 'histogram', h2_session_streams: 'histogram',
    h2_ping_rtt_seconds: 'histogram',
  };
  // prom-client prints counter TYPE lines without the _total suffix in its name.
  const seen = Object.fromEntries([...types].map(([n, t]) => [t === 'counter' && !n.endsWith('_total') ? `${n}_total` : n, t]));
  assert.deepEqual(seen, expected);
});

test('curl, h2load and a node client: requests, sessions, reuse, routes and statuses add up', async () => {
  const before = doctor.snapshot();
  // Three curl runs: one connection each, one request each (no reuse).
  for (const path of ['/orders/1', '/orders/2', '/missing/3']) {
    await run('curl', ['-sk', '--http2', '-o', '/dev/null', `${url}${path}`], { timeout: 15_000 });
  }
  // h2load: 2 connections × 100 requests each: heavy reuse.
  const { stdout } = await run('h2load', ['-n', '200', '-c', '2', '-m', '5', `${url}/catalog/items`], { timeout: 30_000 });
  assert.match(stdout, /200 succeeded/);

  const { samples } = await scrape();
  const requests = pick(samples, 'h2_requests_total')!;
  // 203 requests above plus the scrape itself, plus whatever came before this test.
  assert.equal(requests - before.reuse.requests, 204);
  assert.equal(pick(samples, 'h2_request_duration_seconds_count', { route: '/orders/:id', status: '200' }), 2);
  assert.equal(pick(samples, 'h2_request_duration_seconds_count', { route: '/missing/:id', status: '404' }), 1);
  assert.equal(pick(samples, 'h2_request_duration_seconds_count', { route: '/catalog/items', status: '200' }), 200);
  assert.equal(pick(samples, 'h2_request_ttfb_seconds_count', { route: '/catalog/items', status: '200' }), 200);
  assert.equal(pick(samples, 'h2_request_duration_seconds_bucket', { route: '/catalog/items', status: '200', le: '+Inf' }), 200);
  assert.equal(pick(samples, 'h2_sessions_opened_total')! - before.sessions.opened, 6);
  // 198 of h2load's 200 requests reused a connection; the curl ones did not.
  assert.equal(pick(samples, 'h2_requests_reused_total')! - before.reuse.reusedRequests, 198);
  const ratio = pick(samples, 'h2_connection_reuse_ratio')!;
  assert.ok(ratio > 0.9 && ratio < 1, `ratio ${ratio}`);
  assert.equal(pick(samples, 'h2_sessions_active'), 1); // the scrape's own connection
  assert.equal(pick(samples, 'h2_streams_active'), 1); // the scrape's own stream
  const closed = samples.filter((s) => s.name === 'h2_sessions_closed_total').reduce((a, s) => a + s.value, 0);
  assert.equal(closed - Object.values(before.sessions.closed).reduce((a, b) => a + b, 0), 5);
  // The pushes counters exist and are zero: nobody pushed.
  assert.equal(pick(samples, 'h2_push_attempted_total'), 0);
  // Every sessions_closed_total reason is present, so a dashboard query never misses a series.
  for (const reason of ['goaway_sent', 'goaway_received', 'idle_timeout', 'error', 'peer_close']) {
    assert.notEqual(pick(samples, 'h2_sessions_closed_total', { reason }), undefined, reason);
  }
});

test('RST_STREAM is counted by direction and code; GOAWAY received by code', async () => {
  const client = http2.connect(url, { ca: pki.rootCert });
  // A request the client gives up on: RST_STREAM(CANCEL) received by the server.
  const hung = client.request({ ':path': '/hang' });
  hung.on('error', () => undefined);
  await once(hung, 'ready');
  await new Promise((resolve) => setTimeout(resolve, 50));
  hung.close(http2.constants.NGHTTP2_CANCEL);
  // A request the server refuses: RST_STREAM(REFUSED_STREAM) sent by the server.
  const refused = client.request({ ':path': '/refuse' });
  refused.on('error', () => undefined);
  // Not events.once: it would reject on the stream's 'error' event.
  await new Promise((resolve) => refused.on('close', resolve));
  assert.equal(refused.rstCode, http2.constants.NGHTTP2_REFUSED_STREAM);
  // The client leaves politely: GOAWAY(NO_ERROR) received by the server.
  client.close();
  await once(client, 'close');
  await new Promise((resolve) => setTimeout(resolve, 100));

  const { samples } = await scrape();
  assert.equal(pick(samples, 'h2_rst_stream_total', { direction: 'received', code: 'CANCEL' }), 1);
  assert.equal(pick(samples, 'h2_rst_stream_total', { direction: 'sent', code: 'REFUSED_STREAM' }), 1);
  assert.ok(pick(samples, 'h2_goaway_total', { direction: 'received', code: 'NO_ERROR' })! >= 1);
  assert.ok(pick(samples, 'h2_sessions_closed_total', { reason: 'goaway_received' })! >= 1);
  assert.equal(pick(samples, 'h2_request_duration_seconds_count', { route: '/hang', status: 'none' }), 1);
  assert.equal(pick(samples, 'h2_streams_active'), 1);
  assert.equal(doctor.snapshot().streams.active, 0);
});

test('route labels are capped: past maxRoutes, new routes share "other"', async () => {
  for (let i = 0; i < 8; i++) await run('curl', ['-sk', '--http2', '-o', '/dev/null', `${url}/r${i}/x`], { timeout: 15_000 });
  const { samples } = await scrape();
  const routes = new Set(samples.filter((s) => s.name === 'h2_request_duration_seconds_count').map((s) => s.labels.route));
  assert.ok(routes.has('other'));
  assert.ok(routes.size <= 7, [...routes].join(' ')); // 6 distinct + other
});
