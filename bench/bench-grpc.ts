/**
 * Speed benchmark of `h2doctor bench --grpc` (issue 16): unary calls against one gRPC server,
 * side by side in one run with h2load sending the same framed request and a @grpc/grpc-js
 * client loop, all at -c 10 -m 10 (grpc-js: 10 channels, each on its own connection, with 10
 * calls in flight).
 *
 *   npm run build && node --import tsx bench/bench-grpc.ts [--rounds 3] [--requests 200000] [--grpcjs-requests 20000] [--server nghttpd|ccore|node]
 *
 * Which server, and why. The load generators are what is measured, so the server must answer
 * faster than any of them can ask, on the same 2 cores. Measured here with h2load on a busy
 * machine: Debian's python3-grpcio (C-core, Python handlers under the GIL) ≈ 5k calls/s, a
 * minimal node:http2 gRPC responder ≈ 12k, nghttpd ≈ 43k (≈ 300k+ for GETs on a quiet
 * machine); a grpc-js server runs on node:http2 with more work per call than that responder
 * (not measured here). Behind the first two every generator waits on the server and req/s reads
 * ≈ 1.0 × h2load whatever the generator costs. So the default
 * server is nghttpd (nghttp2's own, h2load's sibling, in C) answering the call in gRPC's wire
 * shape: HEADERS :status 200, one DATA frame with a length-prefixed message (`08 01`), then
 * trailers `grpc-status: 0` (`--trailer`). It reads and discards the request, and sends no
 * content-type (nghttpd sets it by file extension only); h2load, grpc-js and h2doctor accept
 * that, and a call only succeeds if grpc-status 0 arrives in the trailers. `--server ccore`
 * (Debian's python3-grpcio, test/support/grpc_ccore_server.py) and `--server node` (the
 * node:http2 service of test/support/grpc-node-server.ts) run the same comparison against real
 * gRPC implementations, at their speed.
 *
 * CPU per call is each generator's own: h2load and the installed CLI (`node bin/h2doctor.js`,
 * from dist/) under /usr/bin/time, whole process with start-up, as bench/bench-vs-h2load.ts
 * measures them (its helpers are imported); h2doctor's engine and the grpc-js loop through
 * process.cpuUsage() around the run in their own child process (module loading excluded;
 * their whole-process figures are printed too). Rounds alternate the tools; medians reported.
 * The grpc-js loop makes fewer calls (--grpcjs-requests): it is about 20–40 × slower, and its
 * rate and CPU per call are steady long before 20,000 calls.
 * Targets: req/s ≥ 0.8 × h2load's, CPU per call ≤ 1.5 × h2load's; the grpc-js ratio is shown.
 */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { cli, h2load, median, type Measure } from './bench-vs-h2load.js';

/** The call: `{ sku: 42 }` as protobuf (field 1, varint 42); the answer `{ ok: true }`. */
const REQUEST = Uint8Array.of(0x08, 0x2a);
const RESPONSE_FRAMED = Uint8Array.of(0, 0, 0, 0, 2, 0x08, 0x01);

interface Server {
  origin: string;
  path: string;
  label: string;
  stop(): Promise<void>;
}

async function startServer(kind: string): Promise<Server> {
  if (kind === 'nghttpd') {
    const { startNghttpd } = await import('../test/support/nghttpd.js');
    const path = '/h2doctor.bench.Inventory/Reserve';
    const s = await startNghttpd({ files: { [path.slice(1)]: RESPONSE_FRAMED }, args: ['--trailer', 'grpc-status: 0'] });
    return { origin: s.url, path, label: 'nghttpd h2c answering in gRPC wire shape (trailers grpc-status: 0)', stop: s.stop };
  }
  if (kind === 'ccore') {
    const { startCcoreServer } = await import('../test/support/grpc-servers.js');
    const s = await startCcoreServer();
    return { origin: s.url, path: '/h2doctor.test.Echo/Echo', label: "Debian's python3-grpcio (C-core) Echo", stop: s.close };
  }
  if (kind === 'node') {
    // In its own process: the generators run under spawnSync, which blocks this one.
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--serve-node'], { stdio: ['pipe', 'pipe', 'inherit'] });
    const [line] = (await once(child.stdout!, 'data')) as [Buffer];
    const origin = line.toString().trim();
    const stop = async () => {
      const exited = once(child, 'exit');
      child.stdin!.end();
      await exited;
    };
    return { origin, path: '/h2doctor.test.Echo/Echo', label: 'node:http2 gRPC Echo (test/support/grpc-node-server.ts)', stop };
  }
  throw new Error(`--server: '${kind}' is not nghttpd, ccore or node`);
}

// ------------------------------------------------------------ children (each generator alone in its process)

/** h2doctor's engine from the sources: CPU of the run only. */
async function childOurs(origin: string, path: string, requests: number): Promise<void> {
  const { runBench } = await import('../src/bench/run.js');
  const { resolveBenchOptions } = await import('../src/bench/options.js');
  const o = resolveBenchOptions({ url: origin, connections: 10, streams: 10, requests, grpc: { path, message: REQUEST } });
  const cpu0 = process.cpuUsage();
  const run = await runBench(o);
  const cpu = process.cpuUsage(cpu0);
  const all = process.cpuUsage();
  const done = run.recorder.completed();
  report({ rps: (done * 1000) / run.recorder.counters.durationMs, cpuMs: (cpu.user + cpu.system) / 1000, requests: run.recorder.counters.ok, rssMb: process.resourceUsage().maxRSS / 1024, wholeProcessCpuMs: (all.user + all.system) / 1000 });
}

/** @grpc/grpc-js: 10 channels (own subchannel pools, so 10 connections), 10 calls in flight on each, closed loop. */
async function childGrpcJs(origin: string, path: string, requests: number): Promise<void> {
  const grpc = await import('@grpc/grpc-js');
  const target = new URL(origin).host;
  const clients = Array.from({ length: 10 }, () => new grpc.Client(target, grpc.credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 }));
  const identity = (b: Buffer) => b;
  const message = Buffer.from(REQUEST);
  const call = (c: InstanceType<typeof grpc.Client>) => new Promise<boolean>((resolve) => c.makeUnaryRequest(path, identity, identity, message, (err) => resolve(!err)));
  // Connect first (not measured), as the other tools' connect time is a small part of their run.
  await Promise.all(clients.map((c) => call(c)));
  let started = 0, ok = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(clients.flatMap((c) => Array.from({ length: 10 }, async () => {
    while (started < requests) {
      started++;
      if (await call(c)) ok++;
    }
  })));
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const all = process.cpuUsage();
  for (const c of clients) c.close();
  report({ rps: (requests * 1000) / ms, cpuMs: (cpu.user + cpu.system) / 1000, requests: ok, rssMb: process.resourceUsage().maxRSS / 1024, wholeProcessCpuMs: (all.user + all.system) / 1000 });
}

/** `--server node`: the node:http2 gRPC service in this child; prints its origin, stops when stdin closes. */
async function serveNode(): Promise<void> {
  const { startNodeGrpcServer } = await import('../test/support/grpc-node-server.js');
  const s = await startNodeGrpcServer();
  process.stdout.write(`${s.url}\n`);
  process.stdin.resume();
  await once(process.stdin, 'end');
  await s.close();
}

function report(m: Measure): void {
  process.stdout.write(JSON.stringify(m) + '\n');
}

function inChild(mode: string, origin: string, path: string, requests: number): Measure {
  const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), mode, origin, path, String(requests)], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`${mode} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Measure;
}

// ------------------------------------------------------------ main

async function main(): Promise<void> {
  const arg = (name: string, dflt: string) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1]! : dflt;
  };
  const rounds = Number(arg('--rounds', '3')), requests = Number(arg('--requests', '200000')), grpcjsRequests = Number(arg('--grpcjs-requests', '20000'));
  const server = await startServer(arg('--server', 'nghttpd'));
  const dir = mkdtempSync(join(tmpdir(), 'h2doctor-bench-grpc-'));
  try {
    const framed = join(dir, 'request.bin');
    writeFileSync(framed, Uint8Array.of(0, 0, 0, 0, REQUEST.length, ...REQUEST));
    const url = `${server.origin}${server.path}`;
    const h2loadArgs = ['-d', framed, '-H', 'content-type: application/grpc', '-H', 'te: trailers'];
    const hex = Buffer.from(REQUEST).toString('hex');
    const cliArgs = ['--grpc', '--call', server.path, '-d', hex];
    h2load(url, Math.min(requests, 10_000), h2loadArgs); // warm the server
    const m: Record<'ours' | 'h2load' | 'cli' | 'grpcjs', Measure[]> = { ours: [], h2load: [], cli: [], grpcjs: [] };
    // Per call: every generator's CPU over the calls it made.
    const us = (x: Measure) => (x.cpuMs * 1000) / callsOf(x);
    const callsOf = (x: Measure) => (m.grpcjs.includes(x) ? grpcjsRequests : requests);
    for (let i = 0; i < rounds; i++) {
      m.h2load.push(h2load(url, requests, h2loadArgs));
      m.cli.push(cli(server.origin, requests, cliArgs));
      m.ours.push(inChild('--child-ours', server.origin, server.path, requests));
      m.grpcjs.push(inChild('--child-grpcjs', server.origin, server.path, grpcjsRequests));
      console.log(`round ${i + 1}: ${Object.entries(m).map(([k, v]) => `${k} ${v[i]!.rps.toFixed(0)} req/s ${us(v[i]!).toFixed(2)} µs/call`).join(' | ')}`);
    }
    const rps = (k: keyof typeof m) => median(m[k].map((x) => x.rps));
    const cpu = (k: keyof typeof m) => median(m[k].map(us));
    const whole = (k: keyof typeof m) => median(m[k].map((x) => ((x.wholeProcessCpuMs ?? 0) * 1000) / callsOf(x)));
    const h2Rps = rps('h2load'), h2Cpu = cpu('h2load');
    const rows = [
      ['', 'req/s', '× h2load', 'CPU µs/call', '× h2load', 'target'],
      ['h2load -t 1 (whole process)', h2Rps.toFixed(0), '1.00', h2Cpu.toFixed(2), '1.00', ''],
      ['h2doctor bench --grpc, CLI from dist (whole process)', rps('cli').toFixed(0), (rps('cli') / h2Rps).toFixed(2), cpu('cli').toFixed(2), (cpu('cli') / h2Cpu).toFixed(2), '≥ 0.80 / ≤ 1.50'],
      ['h2doctor engine (run only)', rps('ours').toFixed(0), (rps('ours') / h2Rps).toFixed(2), cpu('ours').toFixed(2), (cpu('ours') / h2Cpu).toFixed(2), ''],
      ['@grpc/grpc-js loop (run only)', rps('grpcjs').toFixed(0), (rps('grpcjs') / h2Rps).toFixed(2), cpu('grpcjs').toFixed(2), (cpu('grpcjs') / h2Cpu).toFixed(2), ''],
      ['@grpc/grpc-js loop (whole process)', '', '', whole('grpcjs').toFixed(2), (whole('grpcjs') / h2Cpu).toFixed(2), ''],
    ];
    const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
    console.log(`\n${server.label}, ${server.path}, -c 10 -m 10 -n ${requests} (grpc-js ${grpcjsRequests}), ${rounds} rounds, medians (node ${process.version})`);
    for (const r of rows) console.log(r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '));
    console.log(`h2doctor vs grpc-js: req/s ${(rps('cli') / rps('grpcjs')).toFixed(2)} ×, CPU per call ${(cpu('cli') / cpu('grpcjs')).toFixed(2)} × (CLI whole process vs grpc-js run only)`);
    console.log(`succeeded (grpc-status OK; h2load: HTTP 2xx): ${Object.entries(m).map(([k, v]) => `${k} ${v.map((x) => x.requests).join('/')}`).join(', ')}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await server.stop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [mode, origin, path, n] = process.argv.slice(2);
  if (mode === '--child-ours') await childOurs(origin!, path!, Number(n));
  else if (mode === '--child-grpcjs') await childGrpcJs(origin!, path!, Number(n));
  else if (mode === '--serve-node') await serveNode();
  else await main();
}
