/** h2load (nghttp2's load generator) as the reference the benchmarks compare against. */
import { spawnSync } from 'node:child_process';

/**
 * Runs `h2load ARGS` with stdout discarded and returns its user + sys CPU seconds, from bash's
 * `time`, or why it could not run (not installed, failed).
 */
export function h2loadCpuSeconds(args: string[]): number | string {
  if (spawnSync('h2load', ['--version']).status !== 0) return 'h2load not installed';
  const quoted = args.map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  const run = spawnSync('bash', ['-c', `TIMEFORMAT='%U %S'; time h2load ${quoted} > /dev/null`], { encoding: 'utf8' });
  const times = run.stderr.trim().split(/\s+/).slice(-2).map(Number);
  if (run.status !== 0 || times.length < 2 || times.some((t) => !Number.isFinite(t))) return `h2load failed: ${run.stderr.trim().split('\n').pop()}`;
  return times[0]! + times[1]!;
}
