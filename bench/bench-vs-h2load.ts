/**
 * Speed benchmark: `h2doctor bench` (one worker) against `h2load -t 1`, side by side, on the
 * same nghttpd (h2c, small file), `-c 10 -m 10 -n 200000`; then our RSS for 1,000,000 requests.
 *
 *   node --import tsx bench/bench-vs-h2load.ts [--rounds 3] [--requests 200000] [--rss-requests 1000000]
 *
 * Each generator runs as its own child process so its CPU is measured alone: h2load under
 * /usr/bin/time (user+sys of the process), ours through process.cpuUsage() around the run in
 * the child (module loading and TypeScript compilation excluded; its whole-process figure is
 * printed too). A third contender is the installed CLI itself (`node bin/h2doctor.js bench …`
 * from dist/, built by `npm run build`) under /usr/bin/time exactly like h2load: the
 * whole-process CPU a user pays, start-up included. Rounds alternate the tools; the median
 * round is reported.
 * Targets (issue 4): req/s ≥ 0.8 × h2load's, CPU per request ≤ 1.5 × h2load's, RSS ≤ 150 MB.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startNghttpd } from '../test/support/nghttpd.js';

/** One generator's run. bench/bench-grpc.ts imports the helpers below (exported for it). */
export interface Measure {
  rps: number;
  cpuMs: number;
  requests: number;
  rssMb: number;
  wholeProcessCpuMs?: number;
}

async function child(url: string, requests: number): Promise<void> {
  const { runBench } = await import('../src/bench/run.js');
  const { resolveBenchOptions } = await import('../src/bench/options.js');
  const o = resolveBenchOptions({ url, connections: 10, streams: 10, requests });
  const cpu0 = process.cpuUsage();
  const run = await runBench(o);
  const cpu = process.cpuUsage(cpu0);
  const done = run.recorder.completed();
  const all = process.cpuUsage();
  const m: Measure = {
    rps: (done * 1000) / run.recorder.counters.durationMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    requests: run.recorder.counters.ok,
    rssMb: process.resourceUsage().maxRSS / 1024,
    wholeProcessCpuMs: (all.user + all.system) / 1000,
  };
  process.stdout.write(JSON.stringify(m) + '\n');
}

function ours(url: string, requests: number): Measure {
  const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', url, String(requests)], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`our generator failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Measure;
}

/** `h2load -t 1 -c 10 -m 10 -n N` under /usr/bin/time; `extra`: more h2load flags (e.g. `-d FILE -H …`). */
export function h2load(url: string, requests: number, extra: string[] = []): Measure {
  const r = spawnSync('/usr/bin/time', ['-f', 'TIME %U %S %M', 'h2load', '-t', '1', '-c', '10', '-m', '10', '-n', String(requests), ...extra, url], { encoding: 'utf8' });
  const text = r.stdout + r.stderr;
  const rps = Number(/finished in [\d.]+\w+, ([\d.]+) req\/s/.exec(text)?.[1]);
  const succeeded = Number(/(\d+) succeeded/.exec(text)?.[1]);
  const t = /TIME ([\d.]+) ([\d.]+) (\d+)/.exec(text);
  if (!t || !rps) throw new Error(`h2load output not understood:\n${text}`);
  return { rps, cpuMs: (Number(t[1]) + Number(t[2])) * 1000, requests: succeeded, rssMb: Number(t[3]) / 1024 };
}

/** The real CLI from dist/, whole process under /usr/bin/time, like h2load; `extra`: more bench flags (e.g. `--grpc …`). */
export function cli(url: string, requests: number, extra: string[] = []): Measure {
  const bin = fileURLToPath(new URL('../bin/h2doctor.js', import.meta.url));
  const r = spawnSync('/usr/bin/time', ['-f', 'TIME %U %S %M', process.execPath, bin, 'bench', url, '-c', '10', '-m', '10', '-n', String(requests), ...extra, '--json'], { encoding: 'utf8', maxBuffer: 1 << 24 });
  const t = /TIME ([\d.]+) ([\d.]+) (\d+)/.exec(r.stderr);
  if (r.status !== 0 || !t) throw new Error(`h2doctor bench (dist) failed — run \`npm run build\` first:\n${r.stderr}`);
  const result = JSON.parse(r.stdout) as { rps: number; requests: { succeeded: number } };
  return { rps: result.rps, cpuMs: (Number(t[1]) + Number(t[2])) * 1000, requests: result.requests.succeeded, rssMb: Number(t[3]) / 1024 };
}

/**
 * Node's own start-up (`node -e 0`), whole process, ms of CPU: the part of the CLI's figure no
 * code of ours runs in. Reported because it depends on the machine: with NODE_EXTRA_CA_CERTS
 * set (some sandboxes and corporate images do), every node process parses that CA bundle
 * before any JavaScript runs, ~50 ms on the reference machine.
 */
export function nodeStartup(): number {
  const r = spawnSync('/usr/bin/time', ['-f', 'TIME %U %S', process.execPath, '-e', '0'], { encoding: 'utf8' });
  const t = /TIME ([\d.]+) ([\d.]+)/.exec(r.stderr);
  return t ? (Number(t[1]) + Number(t[2])) * 1000 : NaN;
}

export const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const arg = (name: string, dflt: number) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? Number(process.argv[i + 1]) : dflt;
  };
  const rounds = arg('--rounds', 3), requests = arg('--requests', 200_000), rssRequests = arg('--rss-requests', 1_000_000);
  const server = await startNghttpd({ files: { 'index.html': '{"ok":true}\n' } });
  try {
    const url = `${server.url}/index.html`;
    h2load(url, 10_000); // warm nghttpd
    const a: Measure[] = [], b: Measure[] = [], c: Measure[] = [], startup: number[] = [];
    for (let i = 0; i < rounds; i++) {
      startup.push(nodeStartup());
      a.push(ours(url, requests));
      b.push(h2load(url, requests));
      c.push(cli(url, requests));
      console.log(`round ${i + 1}: ours ${a[i]!.rps.toFixed(0)} req/s ${(a[i]!.cpuMs * 1000 / requests).toFixed(2)} µs/req | h2load ${b[i]!.rps.toFixed(0)} req/s ${(b[i]!.cpuMs * 1000 / requests).toFixed(2)} µs/req | CLI ${c[i]!.rps.toFixed(0)} req/s ${(c[i]!.cpuMs * 1000 / requests).toFixed(2)} µs/req (whole process)`);
    }
    const cliRps = median(c.map((m) => m.rps)), cliCpu = median(c.map((m) => (m.cpuMs * 1000) / requests));
    const oursRps = median(a.map((m) => m.rps)), h2Rps = median(b.map((m) => m.rps));
    const oursCpu = median(a.map((m) => (m.cpuMs * 1000) / requests)), h2Cpu = median(b.map((m) => (m.cpuMs * 1000) / requests));
    const oursWhole = median(a.map((m) => ((m.wholeProcessCpuMs ?? 0) * 1000) / requests));
    const rss = ours(url, rssRequests);
    const rows = [
      ['', 'h2doctor bench', 'h2load -t 1', 'ratio', 'target'],
      ['req/s (median)', oursRps.toFixed(0), h2Rps.toFixed(0), (oursRps / h2Rps).toFixed(2), '≥ 0.80'],
      ['CPU µs/request (run only)', oursCpu.toFixed(2), h2Cpu.toFixed(2), (oursCpu / h2Cpu).toFixed(2), '≤ 1.50'],
      ['CPU µs/request (whole process, tsx)', oursWhole.toFixed(2), h2Cpu.toFixed(2), (oursWhole / h2Cpu).toFixed(2), ''],
      ['CLI from dist: req/s', cliRps.toFixed(0), h2Rps.toFixed(0), (cliRps / h2Rps).toFixed(2), '≥ 0.80'],
      ['CLI from dist: CPU µs/request (whole process)', cliCpu.toFixed(2), h2Cpu.toFixed(2), (cliCpu / h2Cpu).toFixed(2), '≤ 1.50'],
      [`max RSS, ${rssRequests} requests`, `${rss.rssMb.toFixed(0)} MB`, '', '', '≤ 150 MB'],
    ];
    const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
    console.log(`\nnghttpd h2c, -c 10 -m 10 -n ${requests}, ${rounds} rounds (node ${process.version})`);
    for (const r of rows) console.log(r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '));
    const extraCa = process.env.NODE_EXTRA_CA_CERTS ? `NODE_EXTRA_CA_CERTS=${process.env.NODE_EXTRA_CA_CERTS}` : 'NODE_EXTRA_CA_CERTS unset';
    console.log(`node start-up alone (node -e 0): ${median(startup).toFixed(0)} ms CPU, ${((median(startup) * 1000) / requests).toFixed(2)} µs/request of the CLI figure (${extraCa})`);
    console.log(`succeeded: ours ${a.map((m) => m.requests).join('/')} h2load ${b.map((m) => m.requests).join('/')}; RSS run: ${rss.requests} succeeded`);
  } finally {
    await server.stop();
  }
}

// Run only as a script: bench/bench-grpc.ts imports the helpers.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  if (process.argv[2] === '--child') await child(process.argv[3]!, Number(process.argv[4]));
  else await main();
}
