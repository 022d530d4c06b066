import { ConfigError } from './errors.js';

/**
 * The units h2doctor reads and prints: durations, sizes, bit rates, counts and percentages.
 *
 * Parsers take the text and `what` (the flag or field it came from: `--duration`,
 * `phases[0].at`) and throw a ConfigError that names it, so a bad value is one clear line
 * wherever it was typed. The CLI turns ConfigError into UsageError in one place
 * (src/cli/flags.ts `usageOf`); the chaos library turns it into ScenarioError.
 *
 * Formatters return short strings for tables and one-line reasons. They never call
 * `toLocaleString`: its first call loads ICU, about 12 ms of CPU in a short run.
 */

// ---------------------------------------------------------------- parse

const timeUnits: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `250ms`, `10s`, `1.5m`, `1h`, bare number = `defaultUnit`. Returns milliseconds. */
export function parseDuration(text: string, what: string, defaultUnit: 'ms' | 's' = 'ms'): number {
  const m = /^(\d+(?:\.\d+)?)(us|ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw new ConfigError(`${what}: '${text}' is not a duration (e.g. 500ms, 10s, 2m)`);
  return Number(m[1]) * timeUnits[m[2] ?? defaultUnit]!;
}

const sizeUnits: Record<string, number> = { b: 1, kb: 1024, k: 1024, mb: 1024 ** 2, m: 1024 ** 2, gb: 1024 ** 3, g: 1024 ** 3 };

/** `64kb`, `1mb`, `1500`. Returns bytes. */
export function parseSize(text: string, what: string): number {
  const m = /^(\d+(?:\.\d+)?)(b|kb|k|mb|m|gb|g)?$/i.exec(text.trim());
  if (!m) throw new ConfigError(`${what}: '${text}' is not a size (e.g. 1500, 64kb, 1mb)`);
  return Math.round(Number(m[1]) * sizeUnits[(m[2] ?? 'b').toLowerCase()]!);
}

const rateUnits: Record<string, number> = { bit: 1, kbit: 1e3, mbit: 1e6, gbit: 1e9, bps: 8, kbps: 8e3, mbps: 8e6, gbps: 8e9 };

/** `50mbit`, `1gbit`, `100kbps`. Returns bits per second. */
export function parseBitRate(text: string, what: string): number {
  const m = /^(\d+(?:\.\d+)?)(bit|kbit|mbit|gbit|bps|kbps|mbps|gbps)$/i.exec(text.trim());
  if (!m) throw new ConfigError(`${what}: '${text}' is not a rate (e.g. 1mbit, 50mbit, 10mbps)`);
  return Number(m[1]) * rateUnits[m[2]!.toLowerCase()]!;
}

/** A positive whole number (or zero when `allowZero`). */
export function parseCount(text: string, what: string, allowZero = false): number {
  if (!/^\d+$/.test(text.trim())) throw new ConfigError(`${what}: '${text}' is not a whole number`);
  const n = Number(text);
  if (!Number.isSafeInteger(n) || (!allowZero && n === 0)) throw new ConfigError(`${what}: '${text}' must be ${allowZero ? '0 or more' : '1 or more'}`);
  return n;
}

/** A probability in [0, 1]; accepts `0.15` or the percentage `15%`. */
export function parseProbability(text: string, what: string): number {
  const m = /^(\d+(?:\.\d+)?)(%)?$/.exec(text.trim());
  const p = m ? Number(m[1]) / (m[2] ? 100 : 1) : NaN;
  if (!(p >= 0 && p <= 1)) throw new ConfigError(`${what}: '${text}' is not a probability between 0 and 1`);
  return p;
}

// ---------------------------------------------------------------- format

/** Milliseconds for a table: 3 significant figures, unit suffix (`812 µs`, `4.20 ms`, `1.50 s`); `-` for none. */
export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '-';
  if (ms >= 1000) return `${(ms / 1000).toFixed(ms >= 10_000 ? 1 : 2)} s`;
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  if (ms >= 1) return `${ms.toFixed(2)} ms`;
  return `${(ms * 1000).toFixed(0)} µs`;
}

/** A byte count: `512 B`, `1.5 KiB`, `32 MiB`. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let v = n / 1024, i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${v.toFixed(v >= 100 ? 0 : 1)} ${units[i]}`;
}

/** 1234567 → `1,234,567`. */
export function groupThousands(n: number): string {
  const digits = String(Math.abs(n));
  let out = '';
  for (let i = 0; i < digits.length; i++) {
    if (i > 0 && (digits.length - i) % 3 === 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? '-' + out : out;
}

/** A measured quantity (a rate, a count per second): `2,418`, `42.5`, `3.14`. */
export function formatNumber(n: number): string {
  return n >= 100 ? groupThousands(Math.round(n)) : n.toFixed(n >= 10 ? 1 : 2);
}

/** A ratio in [0, 1] as a percentage: `0.1234` → `12.3 %`. */
export function formatPercent(ratio: number, digits = 1): string {
  return `${(ratio * 100).toFixed(digits)} %`;
}
