/**
 * What profiling order in push-abuse and inventory-spike (the flame graphs of the lab report)
 * costs the lab: the quick (or full) lab run with and without it, alternately, so both see the
 * same machine; P99 of every scenario and the wall time of each run printed side by side.
 *
 *   node --import tsx bench/lab-profile.ts [--rounds 2] [--full] [--only a,b]
 *
 * The lab runs everything in one process, so the profiler's samples and cuts take CPU from the
 * load clients and proxies too: compare the profiled scenarios and the ones after them.
 */
import { parseFlags } from '../src/cli/flags.js';
import { parseCount, formatMs } from '../src/units.js';
import { runLab } from '../src/lab/lab.js';
import type { LabReport } from '../src/lab/verdict.js';

const { values } = parseFlags(process.argv.slice(2), { rounds: { type: 'string' }, full: { type: 'boolean' }, only: { type: 'string' } } as const, 0);
const rounds = values.rounds === undefined ? 2 : parseCount(values.rounds, '--rounds');
const only = values.only?.split(',').map((s) => s.trim()).filter(Boolean);

const runs: Array<{ profile: boolean; report: LabReport; cpuMs: Map<string, number> }> = [];
for (let i = 0; i < rounds; i++) {
  // Alternate which goes first, so neither always meets the machine's warmer or busier moment.
  for (const profile of i % 2 === 0 ? [true, false] : [false, true]) {
    // CPU time of the whole process per scenario: steadier than wall time on a shared machine.
    const cpuMs = new Map<string, number>();
    let cpuAtStart = process.cpuUsage();
    const report = await runLab({ quick: !values.full, profile, ...(only ? { only } : {}) }, (e) => {
      if (e.type === 'scenario-start') cpuAtStart = process.cpuUsage();
      else {
        const used = process.cpuUsage(cpuAtStart);
        cpuMs.set(e.name, (used.user + used.system) / 1000);
      }
    });
    runs.push({ profile, report, cpuMs });
    process.stderr.write(`round ${i + 1} profile ${profile ? 'on ' : 'off'}: ${(report.wallMs / 1000).toFixed(1)} s\n`);
  }
}

const names = runs[0]!.report.scenarios.map((s) => s.name);
const cell = (profile: boolean, pick: (r: LabReport) => string) => runs.filter((r) => r.profile === profile).map((r) => pick(r.report)).join(' / ');
console.log(`| scenario | P99, profiling on (${rounds} runs) | P99, profiling off |`);
console.log('|---|---|---|');
for (const name of names) {
  const p99 = (r: LabReport) => formatMs(r.scenarios.find((s) => s.name === name)?.latency.p99);
  console.log(`| ${name} | ${cell(true, p99)} | ${cell(false, p99)} |`);
}
console.log('');
console.log(`| scenario | wall, profiling on | wall, profiling off |`);
console.log('|---|---|---|');
for (const name of names) {
  const ms = (r: LabReport) => `${((r.scenarios.find((s) => s.name === name)?.wallMs ?? 0) / 1000).toFixed(1)} s`;
  console.log(`| ${name} | ${cell(true, ms)} | ${cell(false, ms)} |`);
}
const wall = (r: LabReport) => `${(r.wallMs / 1000).toFixed(1)} s`;
console.log(`| lab wall time | ${cell(true, wall)} | ${cell(false, wall)} |`);
const missed = (r: LabReport) => String(r.targets.filter((t) => !t.met).length);
console.log(`| targets missed | ${cell(true, missed)} | ${cell(false, missed)} |`);
console.log('');
console.log(`| scenario | CPU of the process, profiling on | CPU, profiling off |`);
console.log('|---|---|---|');
for (const name of names) {
  const cpu = (profile: boolean) => runs.filter((r) => r.profile === profile).map((r) => `${((r.cpuMs.get(name) ?? 0) / 1000).toFixed(2)} s`).join(' / ');
  console.log(`| ${name} | ${cpu(true)} | ${cpu(false)} |`);
}
