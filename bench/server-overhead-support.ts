/**
 * The parts of bench/server-overhead.ts that are not the method: a server child process and
 * its probes, an h2load run, a Prometheus-like scraper, and the statistics of paired ratios.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http2 from 'node:http2';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { createTestPki } from '../test/support/certs.js';

export type Mode = 'bare' | 'twin' | 'instrumented' | 'traced' | 'async' | 'p99' | 'scraped' | 'profiled' | 'no-runtime' | 'no-slow' | 'no-trace';
/** The servers a run measures by default. */
export const defaultModes: readonly Mode[] = ['bare', 'instrumented', 'traced', 'async', 'p99', 'scraped', 'profiled'];
/** Those, the A/A control (bare in a second process) and the ablations (instrumented less one part), on request with --servers. */
export const allModes: readonly Mode[] = [...defaultModes, 'twin', 'no-runtime', 'no-slow', 'no-trace'];

/** CPU pinning: servers on core 1, h2load on core 0, when the machine allows it. */
export const pin = availableParallelism() >= 2 && spawnSync('taskset', ['-c', '0', 'true']).status === 0;
const pinned = (core: number, argv: string[]): [string, string[]] => (pin ? ['taskset', ['-c', String(core), ...argv]] : [argv[0]!, argv.slice(1)]);

/**
 * Clock ticks of the servers' core (core 1 when pinned, else all cores) from /proc/stat: all
 * of them, and those the hypervisor stole (the 8th field). Undefined where there is no /proc.
 */
export function coreTicks(): { steal: number; total: number } | undefined {
  let text: string;
  try {
    text = readFileSync('/proc/stat', 'utf8');
  } catch {
    return undefined;
  }
  const name = pin ? 'cpu1 ' : 'cpu ';
  const line = text.split('\n').find((l) => l.startsWith(name));
  if (line === undefined) return undefined;
  const fields = line.trim().split(/\s+/).slice(1, 9).map(Number);
  return { steal: fields[7] ?? 0, total: fields.reduce((a, b) => a + b, 0) };
}

/** What a server child reports with `stats` (see server-overhead-child.mjs). */
export interface ChildStats {
  rss: number;
  heapUsed: number;
  /** V8's young generation (both semi-spaces), bytes: it sets how often scavenges run. */
  newSpace: number;
  minor: number;
  minorMs: number;
  major: number;
  majorMs: number;
}

export interface ServerChild {
  mode: Mode;
  child: ChildProcess;
  /** `http[s]://127.0.0.1:PORT`. */
  origin: string;
  /** The server process's CPU time so far, µs (its own process.cpuUsage()). */
  cpu(): Promise<number>;
  stats(): Promise<ChildStats>;
  /** Sends one command line (see server-overhead-child.mjs) and resolves to the reply line. */
  ask(command: string): Promise<string>;
  stop(): void;
}

export function startServer(mode: Mode, options: { tls: boolean; gc: boolean }): Promise<ServerChild> {
  const script = fileURLToPath(new URL('./server-overhead-child.mjs', import.meta.url));
  const extra = [...(options.tls ? ['tls'] : []), ...(options.gc ? ['gc'] : [])];
  const [cmd, args] = pinned(1, [process.execPath, script, mode, ...extra]);
  // The TLS certificate comes from the test PKI through the environment: the child runs the
  // compiled library with no TypeScript loader, so it cannot import test/support/ itself.
  const pki = options.tls ? createTestPki() : undefined;
  const env = pki ? { ...process.env, H2DOCTOR_BENCH_TLS_KEY: pki.key, H2DOCTOR_BENCH_TLS_CERT: pki.chain } : process.env;
  const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'inherit'], env });
  let out = '';
  const waiting: Array<(line: string) => void> = [];
  const ask = (command: string) => new Promise<string>((resolve) => {
    waiting.push(resolve);
    child.stdin!.write(`${command}\n`);
  });
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      let nl: number;
      while ((nl = out.indexOf('\n')) >= 0) {
        const line = out.slice(0, nl);
        out = out.slice(nl + 1);
        if (/^\d+$/.test(line)) {
          resolve({
            mode, child,
            origin: `${options.tls ? 'https' : 'http'}://127.0.0.1:${line}`,
            cpu: async () => Number((await ask('cpu')).slice(4)),
            stats: async () => JSON.parse((await ask('stats')).slice(6)) as ChildStats,
            ask,
            stop: () => void child.kill(),
          });
        } else {
          waiting.shift()?.(line);
        }
      }
    });
    child.once('exit', (code) => reject(new Error(`${mode} server exited early (code ${code})`)));
  });
}

/** A W3C traceparent as a tracing proxy or mesh forwards it (sampled). */
export const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

/**
 * One h2load run (`-c 10 -m 10 -t 1`), asynchronous so the benchmark's own timers (the
 * scraper) keep running. Returns req/s as h2load saw it.
 */
export async function h2load(url: string, requests: number, headers: string[]): Promise<number> {
  const [cmd, args] = pinned(0, ['h2load', '-t', '1', '-c', '10', '-m', '10', '-n', String(requests), ...headers.flatMap((h) => ['-H', h]), url]);
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => void (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => void (stderr += d.toString()));
  const timer = setTimeout(() => child.kill(), 300_000);
  await new Promise((resolve) => child.once('close', resolve));
  clearTimeout(timer);
  const rate = /finished in [\d.]+m?s, ([\d.]+) req\/s/.exec(stdout);
  const ok = /(\d+) succeeded/.exec(stdout);
  if (!rate || !ok || Number(ok[1]) !== requests) {
    throw new Error(`h2load failed against ${url}: ${stdout.split('\n').find((l) => l.startsWith('requests:')) ?? stderr}`);
  }
  return Number(rate[1]);
}

export function h2loadInstalled(): boolean {
  return spawnSync('h2load', ['--version']).status === 0;
}

/** GET `/metrics` every `everyMs` over one kept-alive connection, as a Prometheus server does. */
export function startScraper(origin: string, everyMs = 1000): { scrapes(): number; bytes(): number; stop(): void } {
  const session = http2.connect(origin, { rejectUnauthorized: false });
  session.on('error', () => undefined);
  let scrapes = 0;
  let bytes = 0;
  const timer = setInterval(() => {
    const req = session.request({ ':path': '/metrics', accept: 'text/plain' });
    req.on('data', (d: Buffer) => void (bytes += d.length));
    req.on('end', () => void scrapes++);
    req.on('error', () => undefined);
    req.end();
  }, everyMs);
  return { scrapes: () => scrapes, bytes: () => bytes, stop: () => (clearInterval(timer), session.close()) };
}

/** The q-quantile (0..1) of xs, interpolated between ranks. */
export function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const at = (s.length - 1) * q;
  const lo = Math.floor(at);
  return s[lo]! + (s[Math.min(lo + 1, s.length - 1)]! - s[lo]!) * (at - lo);
}
export const median = (xs: readonly number[]) => quantile(xs, 0.5);
