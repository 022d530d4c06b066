// The library surface of h2doctor/chaos: startChaos, routes, set(), stats(), disposal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { ConfigError, ScenarioError } from '../src/errors.js';
import * as chaos from '../src/chaos/index.js';

test('startChaos with several routes; set() per route; stats; async dispose closes', async () => {
  const server = net.createServer((s) => {
    s.on('error', () => {});
    s.pipe(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const upstream = `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  const px = await chaos.startChaos({ routes: [{ name: 'a', upstream }, { name: 'b', upstream, faults: ['latency 5ms'] }], seed: 3 });
  assert.deepEqual([...px.routes.keys()], ['a', 'b']);
  assert.match(px.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  px.set(['stall p=0.1,ms=50:up'], 'a');
  assert.deepEqual(px.faults('a').map((f) => f.kind), ['stall']);
  assert.deepEqual(px.faults('b').map((f) => f.kind), ['latency']);
  assert.throws(() => px.set(['latency 1qs']), ScenarioError);
  assert.throws(() => px.route('zzz'), ConfigError);
  await assert.rejects(px.addRoute({ name: 'a', upstream }), ConfigError);
  const s = px.stats();
  assert.deepEqual(Object.keys(s.routes), ['a', 'b']);
  assert.equal(s.routes.b!.upstream, upstream);
  const port = Number(px.url.split(':').pop());
  const dispose = (px as unknown as Record<symbol, () => Promise<void>>)[Symbol.asyncDispose ?? Symbol.for('nodejs.asyncDispose')]!;
  await dispose.call(px);
  const refused = await new Promise<string>((r) => net.connect(port, '127.0.0.1').on('error', (e: NodeJS.ErrnoException) => r(e.code!)).on('connect', () => r('connected')));
  assert.equal(refused, 'ECONNREFUSED');
  await px.close(); // twice is fine
  server.close();
});

test('an empty proxy has no url; a bad listen address is one clear error', async () => {
  const px = await chaos.startChaos({});
  assert.throws(() => px.url, /no routes/);
  await assert.rejects(px.addRoute({ upstream: '127.0.0.1:1', listen: 'nope' }), /listen: 'nope' is not HOST:PORT/);
  await px.close();
});
