/**
 * Where a warmed, long-lived server spends its CPU and what it allocates per request, side by
 * side for bare node:http2 and the instrumented server of bench/server-overhead.ts.
 *
 *   npm run build && node --import tsx bench/server-profile.ts [--servers bare,instrumented]
 *     [--warmup 300000] [--requests 100000] [--heap-requests 30000] [--top 20] [--out /tmp/h2doctor-profile]
 *
 * Each server is warmed up, then one h2load run (`-t 1 -c 10 -m 10`, traceparent on every
 * request) goes under V8's CPU profiler (100 µs sampling) and another under its sampling heap
 * profiler (every 128 bytes, collected objects included), and a third under the same sampler
 * leaving out what scavenges collected (what survived into old space). Printed per server: self time per
 * function in µs per request, grouped by where the code lives (h2doctor, prom-client, node
 * internals, GC), allocated bytes per request by allocating function, and the bytes per
 * request that survived young-generation GC, by allocating function. Profiles are
 * written to `--out` for Chrome DevTools. Profiling slows the server: read the figures
 * as shares and differences, not as throughput.
 */
import { readFileSync } from 'node:fs';
import { parseFlags } from '../src/cli/flags.js';
import { parseCount } from '../src/units.js';
import { ConfigError, UsageError } from '../src/errors.js';
import { allModes, h2load, startServer, traceparent, type Mode, type ServerChild } from './server-overhead-support.js';

interface CallFrame { functionName: string; url: string; lineNumber: number; columnNumber: number }
interface CpuNode { id: number; callFrame: CallFrame; children?: number[] }
interface CpuProfile { nodes: CpuNode[]; samples: number[]; timeDeltas: number[] }
interface HeapNode { callFrame: CallFrame; selfSize: number; children: HeapNode[] }

const path = '/orders/42';
const headers = [`traceparent: ${traceparent}`];

/** `fn file:line`, with the file shortened to what identifies it. */
function label(f: CallFrame): string {
  const file = f.url.replace(/^.*\/(dist|node_modules)\//, '$1/').replace(/^node:/, '');
  return `${f.functionName || '(anonymous)'} ${file}${file ? `:${f.lineNumber + 1}` : ''}`;
}

function area(f: CallFrame): string {
  if (f.url.includes('/dist/')) return 'h2doctor';
  if (f.url.includes('prom-client')) return 'prom-client';
  if (f.url.startsWith('node:')) return 'node (JS)';
  if (f.functionName === '(garbage collector)') return 'GC';
  if (f.functionName === '(idle)') return 'idle';
  if (f.url === '') return 'native / VM';
  return 'other';
}

function addTo(map: Map<string, number>, key: string, v: number): void {
  map.set(key, (map.get(key) ?? 0) + v);
}

/** Self time per function and per area, µs per request (idle excluded). */
function cpuSummary(profile: CpuProfile, requests: number) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const fns = new Map<string, number>();
  const areas = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const f = byId.get(id)!.callFrame;
    const us = profile.timeDeltas[i] ?? 0;
    addTo(areas, area(f), us / requests);
    if (area(f) !== 'idle') addTo(fns, label(f), us / requests);
  });
  return { fns, areas };
}

/** Allocated bytes per request, per allocating function and per area. */
function heapSummary(root: HeapNode, requests: number) {
  const fns = new Map<string, number>();
  const areas = new Map<string, number>();
  const walk = (n: HeapNode) => {
    if (n.selfSize > 0) {
      addTo(fns, label(n.callFrame), n.selfSize / requests);
      addTo(areas, area(n.callFrame), n.selfSize / requests);
    }
    for (const c of n.children) walk(c);
  };
  walk(root);
  return { fns, areas };
}

function top(map: Map<string, number>, n: number, unit: string, digits: number): string {
  const total = [...map.values()].reduce((a, b) => a + b, 0);
  return [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, n)
    .map(([k, v]) => `  ${v.toFixed(digits).padStart(9)} ${unit}  ${(100 * v / total).toFixed(1).padStart(5)} %  ${k}`).join('\n');
}

async function profile(server: ServerChild, kind: 'cpu' | 'heap' | 'survivors', requests: number, out: string): Promise<string> {
  await server.ask(`profile-start ${kind}`);
  await h2load(server.origin + path, requests, headers);
  const reply = await server.ask(`profile-stop ${out}-${server.mode}`);
  return reply.slice('profiled '.length);
}

async function main(): Promise<void> {
  const { values } = parseFlags(process.argv.slice(2), {
    servers: { type: 'string', default: 'bare,instrumented' },
    warmup: { type: 'string', default: '300000' },
    requests: { type: 'string', default: '100000' },
    'heap-requests': { type: 'string', default: '30000' },
    top: { type: 'string', default: '20' },
    out: { type: 'string', default: '/tmp/h2doctor-profile' },
  }, 0);
  const modes = values.servers.split(',').map((s) => s.trim()) as Mode[];
  for (const m of modes) if (!allModes.includes(m)) throw new UsageError(`--servers: unknown server '${m}'`);
  const warmup = parseCount(values.warmup, '--warmup', true);
  const requests = parseCount(values.requests, '--requests');
  // The sampling heap profiler keeps every sample, collected objects included: fewer requests.
  const heapRequests = parseCount(values['heap-requests'], '--heap-requests');
  const n = parseCount(values.top, '--top');
  for (const mode of modes) {
    const server = await startServer(mode, { tls: false, gc: false });
    try {
      for (let left = warmup; left > 0; left -= 100_000) await h2load(server.origin + path, Math.min(left, 100_000), headers);
      const cpuFile = await profile(server, 'cpu', requests, values.out);
      const heapFile = await profile(server, 'heap', heapRequests, values.out);
      const survivorsFile = await profile(server, 'survivors', heapRequests, values.out);
      const cpu = cpuSummary(JSON.parse(readFileSync(cpuFile, 'utf8')) as CpuProfile, requests);
      const heap = heapSummary((JSON.parse(readFileSync(heapFile, 'utf8')) as { head: HeapNode }).head, heapRequests);
      const busy = [...cpu.areas].filter(([k]) => k !== 'idle').reduce((a, [, v]) => a + v, 0);
      const survivors = heapSummary((JSON.parse(readFileSync(survivorsFile, 'utf8')) as { head: HeapNode }).head, heapRequests);
      const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
      const bytes = sum(heap.areas);
      process.stdout.write(`\n=== ${mode}: after ${warmup} warm-up requests, ${requests} under the CPU profiler: ${busy.toFixed(2)} µs busy per request (profiler on); ${heapRequests} under the heap sampler: ${bytes.toFixed(0)} bytes allocated per request\n`);
      process.stdout.write(`CPU by area (µs/request):\n${top(cpu.areas, 10, 'µs', 2)}\n`);
      process.stdout.write(`CPU self time, top ${n} functions (µs/request):\n${top(cpu.fns, n, 'µs', 3)}\n`);
      process.stdout.write(`allocation by area (bytes/request):\n${top(heap.areas, 10, 'B', 0)}\n`);
      process.stdout.write(`allocation, top ${n} functions (bytes/request):\n${top(heap.fns, n, 'B', 1)}\n`);
      process.stdout.write(`survived a scavenge (promoted to old space), ${sum(survivors.areas).toFixed(0)} bytes/request, top ${n} functions:\n${top(survivors.fns, n, 'B', 1)}\n`);
      process.stdout.write(`profiles: ${cpuFile} ${heapFile} ${survivorsFile}\n`);
    } finally {
      server.stop();
    }
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`server-profile: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(err instanceof UsageError || err instanceof ConfigError ? 2 : 1);
});
