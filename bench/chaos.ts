/**
 * Accuracy and cost of the chaos proxy, measured side by side with the direct path.
 *
 *   node --import tsx bench/chaos.ts [--quick]
 *
 * The proxy runs in a child process (as it would in use), the client and the upstream in this
 * one. Prints:
 *   1. added p50 of a `latency 100ms:down` fault, end to end over node:http2 (goal 100 ± 2 ms);
 *   2. added p50 per request round trip with no faults (goal ≤ 200 µs);
 *   3. 64 MB transfer throughput through the proxy ÷ direct (goal ≥ 0.7);
 *   4. open fds in the proxy before and after 10,000 connections (goal: no growth).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import http2 from 'node:http2';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

type ToChild = { cmd: 'start'; upstream: string; faults: string[] } | { cmd: 'pipe'; upstream: string } | { cmd: 'fds' } | { cmd: 'stop' };
type FromChild = { url: string } | { fds: number; active: number } | { stopped: true };

async function childMain(): Promise<void> {
  const { startChaos } = await import('../src/chaos/start-chaos.js');
  let px: Awaited<ReturnType<typeof startChaos>> | undefined;
  process.on('message', async (m: ToChild) => {
    if (m.cmd === 'start') {
      await px?.close();
      px = await startChaos({ upstream: m.upstream, faults: m.faults, seed: 1 });
      process.send!({ url: px.url } satisfies FromChild);
    } else if (m.cmd === 'pipe') {
      // The anchor: the least a Node TCP proxy can do (socket.pipe both ways, no faults).
      const [host, port] = m.upstream.split(':');
      const server = net.createServer((c) => {
        const u = net.connect(Number(port), host);
        c.on('error', () => u.destroy());
        u.on('error', () => c.destroy());
        c.pipe(u);
        u.pipe(c);
      });
      server.listen(0, '127.0.0.1', () => process.send!({ url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}` } satisfies FromChild));
    } else if (m.cmd === 'fds') {
      const active = px ? Object.values(px.stats().routes).reduce((a, r) => a + r.active, 0) : 0;
      process.send!({ fds: readdirSync('/proc/self/fd').length, active } satisfies FromChild);
    } else {
      await px?.close().catch(() => {});
      process.send!({ stopped: true } satisfies FromChild);
      process.exit(0);
    }
  });
}

class ProxyChild {
  private readonly child: ChildProcess;
  constructor() {
    this.child = fork(fileURLToPath(import.meta.url), ['--child'], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
  }
  ask<T extends FromChild>(m: ToChild): Promise<T> {
    return new Promise((resolve) => {
      this.child.once('message', (r) => resolve(r as T));
      this.child.send(m);
    });
  }
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

/** Sequential small requests on one session; returns round-trip times in ms. */
async function roundTrips(url: string, n: number): Promise<number[]> {
  const session = http2.connect(url);
  await new Promise((r) => session.once('connect', r));
  const times: number[] = [];
  for (let i = 0; i < n + 20; i++) {
    const t0 = performance.now();
    await new Promise<void>((resolve, reject) => {
      const req = session.request({ ':path': '/' });
      req.on('error', reject);
      req.resume();
      req.on('end', () => resolve());
      req.end();
    });
    if (i >= 20) times.push(performance.now() - t0); // first 20 warm the JIT and windows
  }
  await new Promise<void>((r) => session.close(r));
  return times;
}

/** Receives `bytes` over raw TCP from a blaster; returns MB/s. */
function transfer(port: number, bytes: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let got = 0;
    const s = net.connect(port, '127.0.0.1');
    s.on('data', (d) => {
      got += d.length;
      if (got >= bytes) {
        s.destroy();
        resolve(bytes / 1e6 / ((performance.now() - t0) / 1000));
      }
    });
    s.on('error', reject);
  });
}

async function churn(port: number, total: number, parallel: number): Promise<void> {
  let next = 0;
  const one = (): Promise<void> => new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.on('error', () => resolve());
    s.on('data', () => s.end());
    s.on('close', () => resolve());
    s.write('x');
  });
  await Promise.all(Array.from({ length: parallel }, async () => {
    while (next < total) {
      next++;
      await one();
    }
  }));
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const n = quick ? 300 : 2000;
  const h2 = http2.createServer((_req, res) => res.end('ok'));
  await new Promise<void>((r) => h2.listen(0, '127.0.0.1', r));
  const h2Addr = `127.0.0.1:${(h2.address() as net.AddressInfo).port}`;
  const TRANSFER = 64 * 1024 * 1024;
  const chunk = Buffer.alloc(256 * 1024, 0x61);
  const blaster = net.createServer((s) => {
    s.on('error', () => {});
    let sent = 0;
    const pump = () => {
      while (sent < TRANSFER) {
        sent += chunk.length;
        if (!s.write(chunk)) return void s.once('drain', pump);
      }
      s.end();
    };
    pump();
  });
  await new Promise<void>((r) => blaster.listen(0, '127.0.0.1', r));
  const blasterAddr = `127.0.0.1:${(blaster.address() as net.AddressInfo).port}`;
  const echo = net.createServer((s) => {
    s.on('error', () => {});
    s.pipe(s);
  });
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
  const echoAddr = `127.0.0.1:${(echo.address() as net.AddressInfo).port}`;
  const child = new ProxyChild();
  const portOf = (url: string) => Number(url.split(':').pop());

  console.log(`chaos bench (node ${process.version}; ${quick ? 'quick' : 'full'} run; proxy in a child process)`);

  // 1 + 2: round trips direct, through the proxy, and through a 100 ms latency fault.
  const direct = await roundTrips(`http://${h2Addr}`, n);
  const { url: plainUrl } = await child.ask<{ url: string }>({ cmd: 'start', upstream: h2Addr, faults: [] });
  const proxied = await roundTrips(plainUrl, n);
  const { url: latUrl } = await child.ask<{ url: string }>({ cmd: 'start', upstream: h2Addr, faults: ['latency 100ms:down'] });
  const delayed = await roundTrips(latUrl, quick ? 30 : 100);
  const p50d = percentile(direct, 50), p50p = percentile(proxied, 50), p50l = percentile(delayed, 50);
  const added = p50l - p50p;
  console.log(`round trip p50: direct ${(p50d * 1000).toFixed(0)} µs, proxy ${(p50p * 1000).toFixed(0)} µs → added ${((p50p - p50d) * 1000).toFixed(0)} µs (goal ≤ 200 µs)`);
  console.log(`round trip p99: direct ${(percentile(direct, 99) * 1000).toFixed(0)} µs, proxy ${(percentile(proxied, 99) * 1000).toFixed(0)} µs`);
  console.log(`latency 100ms fault: p50 ${p50l.toFixed(2)} ms vs proxy ${p50p.toFixed(2)} ms → added ${added.toFixed(2)} ms (goal 100 ± 2 ms); p99 ${percentile(delayed, 99).toFixed(2)} ms`);

  // 3: 64 MB throughput, best of three each way.
  // Interleaved rounds, best of each: on a shared machine the load moves between rounds.
  const { url: tUrl } = await child.ask<{ url: string }>({ cmd: 'start', upstream: blasterAddr, faults: [] });
  const pipeChild = new ProxyChild();
  const { url: pipeUrl } = await pipeChild.ask<{ url: string }>({ cmd: 'pipe', upstream: blasterAddr });
  let directMBs = 0, proxyMBs = 0, pipeMBs = 0;
  for (let i = 0; i < (quick ? 3 : 6); i++) {
    directMBs = Math.max(directMBs, await transfer(portOf(blasterAddr), TRANSFER));
    pipeMBs = Math.max(pipeMBs, await transfer(portOf(pipeUrl), TRANSFER));
    proxyMBs = Math.max(proxyMBs, await transfer(portOf(tUrl), TRANSFER));
  }
  await pipeChild.ask({ cmd: 'stop' });
  console.log(`64 MB transfer (best of interleaved rounds): direct ${directMBs.toFixed(0)} MB/s, chaos proxy ${proxyMBs.toFixed(0)} MB/s → ratio ${(proxyMBs / directMBs).toFixed(2)} (goal ≥ 0.7)`);
  console.log(`  anchor: a bare socket.pipe proxy ${pipeMBs.toFixed(0)} MB/s → ratio ${(pipeMBs / directMBs).toFixed(2)}; chaos proxy ÷ bare pipe ${(proxyMBs / pipeMBs).toFixed(2)}`);

  // 4: fd growth over 10,000 connections.
  const { url: eUrl } = await child.ask<{ url: string }>({ cmd: 'start', upstream: echoAddr, faults: [] });
  await churn(portOf(eUrl), 100, 10);
  const before = await child.ask<{ fds: number; active: number }>({ cmd: 'fds' });
  const t0 = performance.now();
  await churn(portOf(eUrl), 10_000, 50);
  const churnMs = performance.now() - t0;
  await new Promise((r) => setTimeout(r, 200));
  const afterFds = await child.ask<{ fds: number; active: number }>({ cmd: 'fds' });
  console.log(`10,000 connections in ${(churnMs / 1000).toFixed(1)} s: proxy fds ${before.fds} → ${afterFds.fds} (growth ${afterFds.fds - before.fds}; active connections ${afterFds.active})`);

  await child.ask({ cmd: 'stop' });
  h2.close();
  blaster.close();
  echo.close();
}

if (process.argv.includes('--child')) void childMain();
else await main();
