// How long a whole `h2doctor probe` of a local server takes (issue 3: under 3 s without
// --idle-wait), side by side with the tools it replaces, in the same run:
//   h2load -n 20 -c 1 -m 10   (the same 20 requests, no diagnosis)
//   nghttp -nv                (one request with the frame log)
// Usage: node --import tsx bench/probe-local.ts [runs]
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { performance } from 'node:perf_hooks';
import { runProbe } from '../src/probe/probe.js';
import { startH2Server, startNghttpd, rootCaFile, pki } from '../test/probe-servers.js';

const runs = Number(process.argv[2] ?? 7);
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;

// Asynchronous on purpose: the node:http2 servers live in this process and must keep answering.
const run = promisify(execFile);
async function timeCommand(file: string, args: string[]): Promise<number> {
  const t = performance.now();
  await run(file, args);
  return performance.now() - t;
}

const ca = rootCaFile();
const targets = [
  { name: 'node:http2 TLS', server: await startH2Server() },
  { name: 'node:http2 h2c', server: await startH2Server({ tls: false }) },
  { name: 'nghttpd TLS', server: await startNghttpd({ tls: true }) },
];
console.log(`runs per cell: ${runs} (median, ms); machine may be loaded`);
console.log(['target', 'probe', 'h2load -n20 -m10', 'nghttp -nv', 'probe/h2load'].join('\t'));
for (const { name, server } of targets) {
  const probe: number[] = [], h2load: number[] = [], nghttp: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await runProbe({ url: server.url, ca: [pki.rootCert] });
    probe.push(performance.now() - t);
    h2load.push(await timeCommand('/usr/bin/h2load', ['-n', '20', '-c', '1', '-m', '10', server.url]));
    nghttp.push(await timeCommand('/usr/bin/nghttp', ['-nv', server.url]));
  }
  const [p, h, n] = [median(probe), median(h2load), median(nghttp)];
  console.log([name, p.toFixed(1), h.toFixed(1), n.toFixed(1), (p / h).toFixed(2)].join('\t'));
}
for (const { server } of targets) await server.close();
ca.remove();
