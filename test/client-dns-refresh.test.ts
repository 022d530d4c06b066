// A failover done in DNS reaches the client: an endpoint given by host name is re-resolved
// when its TTL ends (or every dnsRefreshMs), and sessions to an address the name no longer
// has are retired, so new requests go to the new address. Against a real DNS server:
// Debian's dnsmasq (dnsmasq-base), started here on a loopback port, answering from a hosts
// file with a TTL of 1 s and reloading it on SIGHUP.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import http2 from 'node:http2';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { createClient, type H2Client } from '../src/client/index.js';

const dir = mkdtempSync(join(tmpdir(), 'h2doctor-dns-'));
const hostsFile = join(dir, 'hosts');
let dnsmasq: ChildProcess | undefined;
let dnsPort = 0;
const servers: http2.Http2Server[] = [];
let port = 0;

/** An h2c server answering its own name, on `host`:`listenPort`. */
async function serve(host: string, name: string, listenPort: number): Promise<number> {
  const server = http2.createServer();
  server.on('stream', (stream) => {
    stream.on('error', () => {});
    stream.respond({ ':status': 200 });
    stream.end(name);
  });
  server.listen(listenPort, host);
  await once(server, 'listening');
  servers.push(server);
  return (server.address() as AddressInfo).port;
}

async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  s.bind(0, '127.0.0.1');
  await once(s, 'listening');
  const p = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return p;
}

async function startDnsmasq(): Promise<void> {
  dnsPort = await freeUdpPort();
  dnsmasq = spawn(
    '/usr/sbin/dnsmasq',
    ['--no-daemon', `--port=${dnsPort}`, '--listen-address=127.0.0.1', '--bind-interfaces', '--no-resolv', '--no-hosts', `--addn-hosts=${hostsFile}`, '--local-ttl=1', '--user=root', '--pid-file=', '--log-facility=-'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  dnsmasq.stderr!.on('data', (c: Buffer) => (log += c.toString()));
  // Ready once it answers a query for the name.
  const { Resolver } = await import('node:dns/promises');
  const r = new Resolver();
  r.setServers([`127.0.0.1:${dnsPort}`]);
  for (let i = 0; i < 100; i++) {
    try {
      if ((await r.resolve4('inv.test')).length > 0) return;
    } catch {
      await new Promise((res) => setTimeout(res, 50));
    }
  }
  throw new Error(`dnsmasq did not answer: ${log}`);
}

before(async () => {
  port = await serve('127.0.0.1', 'a', 0);
  await serve('127.0.0.2', 'b', port);
  writeFileSync(hostsFile, '127.0.0.1 inv.test\n');
  await startDnsmasq();
});

after(async () => {
  if (dnsmasq && dnsmasq.exitCode === null) {
    const exited = once(dnsmasq, 'exit');
    dnsmasq.kill('SIGKILL');
    await exited;
  }
  for (const s of servers) await new Promise<void>((r) => s.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
});

async function answerFrom(client: H2Client): Promise<string> {
  const res = await client.request({ path: '/' });
  return res.text();
}

async function waitForAnswer(client: H2Client, want: string, withinMs: number): Promise<number> {
  const t0 = Date.now();
  while (Date.now() - t0 < withinMs) {
    if ((await answerFrom(client)) === want) return Date.now() - t0;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no answer from ${want} within ${withinMs} ms`);
}

test('the name moves to another address in DNS (TTL 1 s): sessions to the old one retire, requests follow', async (t) => {
  writeFileSync(hostsFile, '127.0.0.1 inv.test\n');
  dnsmasq!.kill('SIGHUP');
  const client = createClient({ endpoints: [{ url: `http://inv.test:${port}` }], dnsServers: [`127.0.0.1:${dnsPort}`], dnsRefreshMs: 30_000 });
  try {
    await waitForAnswer(client, 'a', 3000);
    assert.deepEqual(client.stats().endpoints[0].addresses, ['127.0.0.1']);
    writeFileSync(hostsFile, '127.0.0.2 inv.test\n');
    dnsmasq!.kill('SIGHUP');
    // The TTL (1 s) ends long before dnsRefreshMs (30 s): the move must be seen by the TTL.
    const movedMs = await waitForAnswer(client, 'b', 4000);
    t.diagnostic(`requests reached the new address ${movedMs} ms after the DNS change`);
    const ep = client.stats().endpoints[0];
    assert.deepEqual(ep.addresses, ['127.0.0.2']);
    assert.equal(ep.retired['dns-change'], 1);
    assert.equal(await answerFrom(client), 'b');
  } finally {
    await client.close({ graceMs: 500 });
  }
});

test('a custom lookup without TTLs is re-asked every dnsRefreshMs', async () => {
  let address = '127.0.0.1';
  let asked = 0;
  const client = createClient({
    endpoints: [{ url: `http://inv.test:${port}` }],
    lookup: async () => {
      asked++;
      return [{ address, family: 4 }];
    },
    dnsRefreshMs: 500,
  });
  try {
    await waitForAnswer(client, 'a', 2000);
    address = '127.0.0.2';
    await waitForAnswer(client, 'b', 3000);
    assert.ok(asked >= 2, `lookup asked ${asked} times`);
    assert.equal(client.stats().endpoints[0].retired['dns-change'], 1);
  } finally {
    await client.close({ graceMs: 500 });
  }
});
