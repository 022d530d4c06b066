import type { CommandEntry } from './command.js';

/**
 * The subcommands. Each is loaded only when run, so `h2doctor --help` stays instant and a
 * command's dependencies are never paid for by another.
 */
export const commands: Record<string, CommandEntry> = {
  lab: { summary: 'reproduce the push/reuse incident end to end and measure the fixes (start here)', load: () => import('./commands/lab.js') },
  probe: { summary: 'diagnose a live HTTP/2 service: findings with evidence and a fix', load: () => import('./commands/probe.js') },
  bench: { summary: 'HTTP/2 load generator that explains its own tail latency', load: () => import('./commands/bench.js') },
  chaos: { summary: 'fault-injecting proxy: TCP faults and HTTP/2 frame faults', load: () => import('./commands/chaos.js') },
  flame: { summary: 'flame graph (SVG) of the CPU samples of saved slow-request records', load: () => import('./commands/flame.js') },
};
