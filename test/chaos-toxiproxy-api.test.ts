// The toxiproxy-compatible REST API, driven by the real toxiproxy-node-client package.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import http2 from 'node:http2';
import { Toxiproxy } from 'toxiproxy-node-client';
import { startChaos, type ChaosProxy } from '../src/chaos/start-chaos.js';
import { startToxiproxyApi, type ToxiproxyApi } from '../src/chaos/toxiproxy-api.js';
import type { FaultEvent } from '../src/chaos/fault-log.js';

let upstream: net.Server;
let upstreamAddr = '';
let px: ChaosProxy;
let api: ToxiproxyApi;
const events: FaultEvent[] = [];

before(async () => {
  upstream = net.createServer((s) => {
    s.on('error', () => {});
    s.pipe(s);
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  upstreamAddr = `127.0.0.1:${(upstream.address() as net.AddressInfo).port}`;
  // Like toxiproxy-server: no proxies until the API creates them.
  px = await startChaos({ seed: 1, log: (e) => events.push(e) });
  api = await startToxiproxyApi(px, '127.0.0.1:0');
});
after(async () => {
  await api.close();
  await px.close();
  upstream.close();
});

/** Round trip of a few bytes through a listen address; resolves with ms, or 'closed'. */
function echo(listen: string, payload = 'ping'): Promise<number | 'closed'> {
  const [host, port] = [listen.slice(0, listen.lastIndexOf(':')), Number(listen.slice(listen.lastIndexOf(':') + 1))];
  return new Promise((resolve) => {
    const t0 = performance.now();
    const s = net.connect(port, host);
    s.on('error', () => {});
    s.once('data', () => {
      resolve(performance.now() - t0);
      s.destroy();
    });
    s.on('close', () => resolve('closed'));
    s.write(payload);
  });
}

test('proxies: create, list, get, update, toxics with toxiproxy attribute names, remove', async () => {
  const tp = new Toxiproxy(api.url);
  assert.match(await tp.getVersion(), /^\d+\.\d+\.\d+/);
  assert.deepEqual(Object.keys(await tp.getAll()), []);
  const proxy = await tp.createProxy({ name: 'echo', listen: '127.0.0.1:0', upstream: upstreamAddr });
  assert.equal(proxy.name, 'echo');
  assert.match(proxy.listen, /^127\.0\.0\.1:\d+$/);
  assert.equal(proxy.enabled, true);
  assert.equal(typeof (await echo(proxy.listen)), 'number');

  const latency = await proxy.addToxic({ name: 'slow', type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: 200, jitter: 0 } });
  assert.deepEqual(latency.toJson(), { name: 'slow', type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: 200, jitter: 0 } });
  const ms = await echo(proxy.listen);
  assert.ok(typeof ms === 'number' && ms >= 200, `echo took ${ms}`);
  assert.ok(events.some((e) => e.route === 'echo' && e.fault === 'latency' && e.ms === 200));

  const updated = await latency.update({ name: 'slow', type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: 10, jitter: 0 } });
  assert.equal((updated.attributes as { latency: number }).latency, 10);
  assert.equal(((await proxy.getToxic('slow')).attributes as { latency: number }).latency, 10);
  await latency.remove();
  await assert.rejects(proxy.getToxic('slow'), /404/);

  // Every toxic type toxiproxy has, with its attribute names, round-trips.
  const types: Array<[string, Record<string, number>]> = [
    ['bandwidth', { rate: 100 }], ['slow_close', { delay: 100 }], ['timeout', { timeout: 100 }], ['reset_peer', { timeout: 100 }],
    ['slicer', { average_size: 10, size_variation: 2, delay: 100 }], ['limit_data', { bytes: 1000 }],
  ];
  for (const [type, attributes] of types) {
    const t = await proxy.addToxic({ name: type, type: type as never, stream: 'upstream', toxicity: 0.5, attributes: attributes as never });
    assert.deepEqual(t.toJson(), { name: type, type, stream: 'upstream', toxicity: 0.5, attributes });
  }
  assert.equal((await tp.get('echo')).toJson().name, 'echo');
  const all = await tp.getAll();
  assert.deepEqual(Object.keys(all), ['echo']);

  // Disabled: connections are refused; enabled again on the same address.
  await proxy.update({ enabled: false, listen: proxy.listen, upstream: upstreamAddr });
  assert.equal(await echo(proxy.listen), 'closed');
  await tp.reset();
  const after = await tp.get('echo');
  assert.equal(after.enabled, true);
  assert.equal(typeof (await echo(proxy.listen)), 'number');
  await proxy.remove();
  assert.deepEqual(Object.keys(await tp.getAll()), []);
});

test('timeout toxic: data is swallowed, then the connection closes', async () => {
  const tp = new Toxiproxy(api.url);
  const proxy = await tp.createProxy({ name: 'hole', listen: '127.0.0.1:0', upstream: upstreamAddr });
  await proxy.addToxic({ name: 'to', type: 'timeout', stream: 'upstream', toxicity: 1, attributes: { timeout: 150 } });
  const t0 = performance.now();
  assert.equal(await echo(proxy.listen), 'closed');
  assert.ok(performance.now() - t0 >= 140);
  await proxy.remove();
});

test('populate creates several proxies; errors come back as toxiproxy status codes', async () => {
  const tp = new Toxiproxy(api.url);
  const made = await tp.populate([
    { name: 'a', listen: '127.0.0.1:0', upstream: upstreamAddr },
    { name: 'b', listen: '127.0.0.1:0', upstream: upstreamAddr },
  ]);
  assert.deepEqual(Object.keys(made).sort(), ['a', 'b']);
  await assert.rejects(tp.createProxy({ name: 'a', listen: '127.0.0.1:0', upstream: upstreamAddr }), /409/);
  await assert.rejects(tp.get('nope'), /404/);
  await assert.rejects(made.a!.addToxic({ name: 'x', type: 'frobnicate' as never, stream: 'upstream', toxicity: 1, attributes: {} as never }), /400/);
  const res = await fetch(`${api.url}/proxies/nope`);
  assert.deepEqual(await res.json(), { error: 'proxy not found', status: 404 });
  await made.a!.remove();
  await made.b!.remove();
});

test('frame faults are offered as toxics too', async () => {
  const server = http2.createServer((_req, res) => res.end('ok'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const tp = new Toxiproxy(api.url);
  const proxy = await tp.createProxy({ name: 'h2', listen: '127.0.0.1:0', upstream: `127.0.0.1:${(server.address() as net.AddressInfo).port}` });
  await proxy.addToxic({ name: 'rst', type: 'rst_stream' as never, stream: 'downstream', toxicity: 1, attributes: { p: 1, code: 7 } as never });
  const session = http2.connect(`http://${proxy.listen}`);
  session.on('error', () => {});
  const code = await new Promise<number>((r) => {
    const req = session.request({ ':path': '/' });
    req.on('error', () => {});
    req.resume();
    req.on('close', () => r(req.rstCode));
    req.end();
  });
  assert.equal(code, 7);
  session.destroy();
  await proxy.remove();
  server.close();
});
