/**
 * Instructions per request by function, from a callgrind dump of a server (callgrind.sh).
 *
 *   node symbolize.mjs CALLGRIND_OUT PID REQUESTS > profile.json
 *
 * Native functions keep callgrind's names; JIT code (`???:0x…`) is named from V8's perf map
 * (/tmp/perf-PID.map, written by node --perf-basic-prof), the newest entry covering the address.
 * Output: { name: instructions per request }, with 'PROGRAM TOTALS'.
 */
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
const [file, pid, n] = process.argv.slice(2);
const N = Number(n);
const map = readFileSync(`/tmp/perf-${pid}.map`, 'utf8').split('\n').filter(Boolean).map((l) => {
  const m = /^([0-9a-f]+) ([0-9a-f]+) (.*)$/.exec(l); return m ? [parseInt(m[1], 16), parseInt(m[2], 16), m[3]] : undefined;
}).filter(Boolean);
const out = execFileSync('callgrind_annotate', ['--threshold=100', file], { maxBuffer: 1 << 28 }).toString();
const res = {};
for (const line of out.split('\n')) {
  const m = /^\s*([\d,]+) \(\s*[\d.]+%\)\s+(.*)$/.exec(line);
  if (!m) continue;
  const ir = Number(m[1].replace(/,/g, ''));
  let name = m[2].replace(/ \[.*$/, '');
  if (name === 'PROGRAM TOTALS') { res[name] = ir / N; continue; }
  const a = /^\?\?\?:0x([0-9a-f]+)/.exec(name);
  if (a) {
    const addr = parseInt(a[1], 16);
    let found;
    for (let i = map.length - 1; i >= 0; i--) { const [s, z, nm] = map[i]; if (addr >= s && addr < s + z) { found = nm; break; } }
    name = 'JIT ' + (found ?? '(unknown)').replace(/^(JS|LazyCompile|Function):/, '');
  } else {
    name = name.replace(/^\?\?\?:/, '');
  }
  res[name] = (res[name] ?? 0) + ir / N;
}
process.stdout.write(JSON.stringify(res));
