import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { ConfigError, UsageError } from '../../errors.js';
import { fileFlagError } from '../flags.js';
import type { LoadStage } from '../../bench/options.js';
import { parseThreshold, type Threshold } from '../../bench/threshold-expr.js';
import { parseDuration } from '../../units.js';

/**
 * The bench flags of issue 18 (-i, --log-file, --stages, --threshold, --find-max-rate,
 * --prometheus-remote-write), parsed apart from the original ones so bench.ts stays small.
 * Every bad value is one UsageError line naming its flag.
 */
export const extraFlags = {
  'input-file': { type: 'string', short: 'i' },
  'log-file': { type: 'string' },
  stages: { type: 'string' },
  threshold: { type: 'string', multiple: true },
  'find-max-rate': { type: 'boolean' },
  slo: { type: 'string', multiple: true },
  step: { type: 'string' },
  'prometheus-remote-write': { type: 'string' },
  'prometheus-label': { type: 'string', multiple: true },
} as const;

export const extraUsage = `  -i, --input-file FILE          one URL or path per line, sent round-robin on each connection
                                 (same origin); latency and status per target in the report
      --log-file FILE            one line per request: h2load's start (µs since epoch), status,
                                 duration (µs), then connection, stream, queue µs, TTFB µs, outcome
      --stages LIST              ramp the arrival rate: 10s:100,30s:1000,10s:0 (k6 ramping-arrival-rate;
                                 starts from --rate or 0; latency corrected as under --rate)
      --threshold EXPR           pass/fail: p99<200ms, ttfb.p99<50ms, errors<0.1%, rps>5000
                                 (repeatable; exit 1 when one fails)
      --find-max-rate            search the highest --rate that keeps every --slo (e.g. --slo 'p99<100ms'),
                                 in steps of --step TIME (default 5s), starting from --rate (default 100)
      --prometheus-remote-write URL  push counters and latency histograms every --interval (default 10s)
      --prometheus-label k=v     extra label on every series (repeatable; default instance=host-pid)

  h2doctor bench merge a.json b.json … [--json] [--out FILE] [--threshold EXPR …]
                                 one exact result from several --json results
`;

type ExtraValues = { [K in keyof typeof extraFlags]?: (typeof extraFlags)[K] extends { multiple: true } ? string[] : (typeof extraFlags)[K]['type'] extends 'boolean' ? boolean : string };

export interface BenchExtras {
  targets: string[] | undefined;
  stages: LoadStage[] | undefined;
  logFile: string | undefined;
  thresholds: Threshold[];
  findMaxRate: { slo: Threshold[]; stepMs: number } | undefined;
  prometheus: { url: string; labels: Record<string, string> } | undefined;
}

/** Parses the extra flags. `positional` is the <url> argument, optional when -i gives full URLs. */
export function parseBenchExtras(v: ExtraValues, positional: string | undefined): { extras: BenchExtras; url: string | undefined } {
  let url = positional;
  let targets: string[] | undefined;
  if (v['input-file'] !== undefined) ({ url, targets } = readTargets(v['input-file'], positional));
  const thresholds = (v.threshold ?? []).map(usage(parseThreshold));
  let findMaxRate: BenchExtras['findMaxRate'];
  if (v['find-max-rate']) {
    if (!v.slo?.length) throw new UsageError(`--find-max-rate needs at least one --slo (e.g. --slo 'p99<100ms')`);
    if (v.stages !== undefined) throw new UsageError('--find-max-rate and --stages cannot be used together (the search makes its own steps)');
    findMaxRate = { slo: v.slo.map(usage(parseThreshold)), stepMs: v.step !== undefined ? positive(parseDuration(v.step, '--step', 's'), '--step') : 5000 };
  } else if (v.slo !== undefined || v.step !== undefined) throw new UsageError('--slo and --step go with --find-max-rate');
  let prometheus: BenchExtras['prometheus'];
  if (v['prometheus-remote-write'] !== undefined) {
    const target = v['prometheus-remote-write'];
    if (!/^https?:\/\/[^/]/.test(target)) throw new UsageError(`--prometheus-remote-write: '${target}' is not an http:// or https:// URL`);
    const labels: Record<string, string> = { job: 'h2doctor-bench', instance: `${hostname()}-${process.pid}` };
    for (const kv of v['prometheus-label'] ?? []) {
      const m = /^([a-zA-Z_][a-zA-Z0-9_]*)=(.*)$/.exec(kv);
      if (!m || m[1]!.startsWith('__')) throw new UsageError(`--prometheus-label: '${kv}' is not name=value (name: letters, digits, _; not starting with __)`);
      labels[m[1]!] = m[2]!;
    }
    prometheus = { url: target, labels };
  } else if (v['prometheus-label'] !== undefined) throw new UsageError('--prometheus-label goes with --prometheus-remote-write');
  return {
    url,
    extras: { targets, stages: v.stages !== undefined ? parseStages(v.stages) : undefined, logFile: v['log-file'], thresholds, findMaxRate, prometheus },
  };
}

/** `10s:100,30s:1000,10s:0` → stages. */
export function parseStages(text: string): LoadStage[] {
  return text.split(',').map((part) => {
    const m = /^\s*([^:]+):\s*(\d+(?:\.\d+)?)\s*$/.exec(part);
    if (!m) throw new UsageError(`--stages: '${part}' is not DURATION:RATE (e.g. 10s:100,30s:1000,10s:0)`);
    return { durationMs: positive(parseDuration(m[1]!.trim(), '--stages', 's'), '--stages'), target: Number(m[2]) };
  });
}

/**
 * `-i FILE`: one URL or path per line (h2load's format; blank lines and `#` comments skipped).
 * Full URLs must share one origin, the <url>'s if given, else the first line's: one connection
 * pool serves them all.
 */
export function readTargets(file: string, positional: string | undefined): { url: string; targets: string[] } {
  let text: string;
  try {
    text = readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (err) {
    throw fileFlagError('--input-file', 'read', file, err);
  }
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  if (lines.length === 0) throw new UsageError(`--input-file: '${file}' has no URL or path`);
  const originText = positional ?? lines.find((l) => !l.startsWith('/'));
  if (originText === undefined) throw new UsageError(`--input-file: '${file}' holds only paths: give the <url> whose origin they go to`);
  let origin: URL;
  try {
    origin = new URL(originText);
  } catch {
    throw new UsageError(`${positional ? 'bench' : '--input-file'}: '${originText}' is not a valid URL`);
  }
  const targets = lines.map((line, i) => {
    if (line.startsWith('/')) return line;
    let u: URL;
    try {
      u = new URL(line);
    } catch {
      throw new UsageError(`--input-file: line ${i + 1} '${line}' is neither a URL nor a path starting with /`);
    }
    if (u.origin !== origin.origin) throw new UsageError(`--input-file: line ${i + 1} '${line}' is not on ${origin.origin} (every target shares one origin)`);
    return `${u.pathname}${u.search}`;
  });
  const url = new URL(targets[0]!, origin).href;
  return { url, targets };
}

function positive(ms: number, flag: string): number {
  if (!(ms > 0)) throw new UsageError(`${flag}: must be more than 0`);
  return ms;
}

/** A library parser's ConfigError becomes the CLI's UsageError (exit 2). */
function usage<T>(parse: (text: string) => T): (text: string) => T {
  return (text) => {
    try {
      return parse(text);
    } catch (err) {
      if (err instanceof ConfigError) throw new UsageError(err.message, { cause: err });
      throw err;
    }
  };
}
