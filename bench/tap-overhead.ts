/**
 * What the wire tap costs a node:http2 client.
 *
 *   node --import tsx bench/tap-overhead.ts [--requests N] [--rounds N] [--body BYTES]
 *
 * A node:http2 server runs in a child process (a 60-byte JSON answer, or `--body` bytes). In
 * this process one client connection sends N GET requests, 10 in flight, first bare (the
 * anchor: node:http2 on a plain net.Socket), then through a tap that decodes both directions
 * and hands every frame to a listener (the probe's use; `record` off). Rounds alternate which
 * goes first; one unrecorded warm-up run each. Reported per run: req/s and client CPU per
 * request (`process.cpuUsage`, user + sys); per round the ratios tapped ÷ bare; and the median
 * ratios. Client CPU is the figure that matters: the tap adds work to the client process only.
 *
 * A third client, a forwarding Duplex that decodes nothing, separates what any JS Duplex costs
 * (node:http2 wraps every non-native socket in its JS stream socket, which completes each write
 * one event-loop turn later) from what the tap's decoding adds on top.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Duplex } from 'node:stream';
import http2 from 'node:http2';
import net from 'node:net';
import { parseFlags } from '../src/cli/flags.js';
import { parseCount } from '../src/units.js';
import { createTap } from '../src/tap/wire-tap.js';

const SERVER = `
const http2 = require('node:http2');
const size = Number(process.argv[1]);
const body = size > 0 ? Buffer.alloc(size, 120) : JSON.stringify({ id: 42, status: 'shipped', items: 3, total: '19.90' });
const server = http2.createServer();
server.on('stream', (stream) => { stream.respond({ ':status': 200, 'content-type': 'application/json' }); stream.end(body); });
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
`;

function startServer(body: number): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['-e', SERVER, String(body)], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout!.once('data', (d: Buffer) => resolve({ child, port: Number(d.toString().trim()) }));
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
}

/**
 * Forwards bytes both ways and does nothing else: the cost floor of any Duplex socket. It has
 * no `_writev`, like most hand-written Duplexes; node:http2's JS stream socket corks and writes
 * each buffer, so every buffer becomes its own small TCP write (see RESULTS-tap.md for what
 * that does with large bodies; the tap's `_writev` forwards a corked batch as one).
 */
class ForwardingDuplex extends Duplex {
  constructor(private readonly inner: net.Socket) {
    super({ allowHalfOpen: true });
    inner.on('connect', () => this.emit('connect'));
    inner.on('data', (c: Buffer) => {
      if (!this.push(c)) inner.pause();
    });
    inner.on('end', () => this.push(null));
    inner.on('close', () => this.destroy());
    inner.on('error', (e) => this.destroy(e));
  }
  get connecting(): boolean {
    return this.inner.connecting;
  }
  override _read(): void {
    this.inner.resume();
  }
  override _write(chunk: Buffer, _e: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.inner.write(chunk)) cb();
    else this.inner.once('drain', () => cb());
  }
  override _final(cb: () => void): void {
    this.inner.end(cb);
  }
  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.inner.destroy();
    cb(err);
  }
}

type Mode = 'bare' | 'duplex' | 'tap';

interface RunResult {
  reqPerSec: number;
  cpuMicrosPerRequest: number;
  frames: number;
}

async function runOnce(port: number, requests: number, mode: Mode): Promise<RunResult> {
  let frames = 0;
  const createConnection = mode === 'tap'
    ? () => {
      const tap = createTap(net.connect(port, '127.0.0.1'));
      tap.onFrame(() => frames++);
      return tap;
    }
    : () => new ForwardingDuplex(net.connect(port, '127.0.0.1'));
  const session = http2.connect(`http://127.0.0.1:${port}`, mode === 'bare' ? {} : { createConnection });
  await new Promise<void>((resolve, reject) => session.once('connect', () => resolve()).once('error', reject));
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let started = 0;
  const one = (): Promise<void> => new Promise((resolve, reject) => {
    const req = session.request({ ':path': '/' });
    req.on('data', () => {});
    req.on('end', resolve);
    req.on('error', reject);
  });
  const worker = async () => {
    while (started < requests) {
      started++;
      await one();
    }
  };
  await Promise.all(Array.from({ length: 10 }, worker));
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  await new Promise<void>((resolve) => session.close(resolve));
  return { reqPerSec: requests / seconds, cpuMicrosPerRequest: (cpu.user + cpu.system) / requests, frames };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const { values } = parseFlags(process.argv.slice(2), {
    requests: { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '5' },
    body: { type: 'string', default: '0' },
  });
  const requests = parseCount(values.requests, '--requests');
  const rounds = parseCount(values.rounds, '--rounds');
  const body = parseCount(values.body, '--body', true);
  const { child, port } = await startServer(body);
  try {
    for (const mode of ['bare', 'duplex', 'tap'] as const) await runOnce(port, Math.min(requests, 5000), mode);
    const rateRatios: number[] = [];
    const cpuRatios: number[] = [];
    const duplexRate: number[] = [];
    const duplexCpu: number[] = [];
    console.log(`node ${process.version}, ${requests} requests per run, 1 connection, 10 in flight, body ${body || 60} bytes`);
    for (let round = 0; round < rounds; round++) {
      const modes: Mode[] = ['bare', 'duplex', 'tap'];
      const order = round % 2 === 0 ? modes : [...modes].reverse();
      const results = new Map<Mode, RunResult>();
      for (const mode of order) results.set(mode, await runOnce(port, requests, mode));
      const bare = results.get('bare')!;
      const duplex = results.get('duplex')!;
      const tap = results.get('tap')!;
      rateRatios.push(tap.reqPerSec / bare.reqPerSec);
      cpuRatios.push(tap.cpuMicrosPerRequest / bare.cpuMicrosPerRequest);
      duplexRate.push(duplex.reqPerSec / bare.reqPerSec);
      duplexCpu.push(duplex.cpuMicrosPerRequest / bare.cpuMicrosPerRequest);
      const show = (name: string, r: RunResult) => `${name} ${r.reqPerSec.toFixed(0)} req/s ${r.cpuMicrosPerRequest.toFixed(1)} µs CPU/req`;
      console.log(`round ${round + 1}: ${show('bare', bare)} | ${show('duplex', duplex)} | ${show('tap', tap)} (${tap.frames} frames)`);
    }
    console.log(`median plain duplex/bare: req/s ${median(duplexRate).toFixed(3)}, client CPU per request ${median(duplexCpu).toFixed(3)}`);
    console.log(`median tap/bare:          req/s ${median(rateRatios).toFixed(3)}, client CPU per request ${median(cpuRatios).toFixed(3)}`);
  } finally {
    child.kill();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
});
