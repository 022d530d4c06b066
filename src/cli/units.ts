import { UsageError } from '../errors.js';

/**
 * Parsers for the units users type on the command line. Each throws a UsageError naming the
 * flag, so `--duration 10x` is one clear line and exit 2.
 */

const timeUnits: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `250ms`, `10s`, `1.5m`, `1h`, bare number = `defaultUnit`. Returns milliseconds. */
export function parseDuration(text: string, flag: string, defaultUnit: 'ms' | 's' = 'ms'): number {
  const m = /^(\d+(?:\.\d+)?)(us|ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw new UsageError(`${flag}: '${text}' is not a duration (e.g. 500ms, 10s, 2m)`);
  return Number(m[1]) * timeUnits[m[2] ?? defaultUnit]!;
}

const sizeUnits: Record<string, number> = { b: 1, kb: 1024, k: 1024, mb: 1024 ** 2, m: 1024 ** 2, gb: 1024 ** 3, g: 1024 ** 3 };

/** `64kb`, `1mb`, `1500`. Returns bytes. */
export function parseSize(text: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)(b|kb|k|mb|m|gb|g)?$/i.exec(text.trim());
  if (!m) throw new UsageError(`${flag}: '${text}' is not a size (e.g. 1500, 64kb, 1mb)`);
  return Math.round(Number(m[1]) * sizeUnits[(m[2] ?? 'b').toLowerCase()]!);
}

const rateUnits: Record<string, number> = { bit: 1, kbit: 1e3, mbit: 1e6, gbit: 1e9, bps: 8, kbps: 8e3, mbps: 8e6, gbps: 8e9 };

/** `50mbit`, `1gbit`, `100kbps`. Returns bits per second. */
export function parseBitRate(text: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)(bit|kbit|mbit|gbit|bps|kbps|mbps|gbps)$/i.exec(text.trim());
  if (!m) throw new UsageError(`${flag}: '${text}' is not a rate (e.g. 1mbit, 50mbit, 10mbps)`);
  return Number(m[1]) * rateUnits[m[2]!.toLowerCase()]!;
}

/** A positive integer (or zero when `allowZero`). */
export function parseCount(text: string, flag: string, allowZero = false): number {
  if (!/^\d+$/.test(text.trim())) throw new UsageError(`${flag}: '${text}' is not a whole number`);
  const n = Number(text);
  if (!Number.isSafeInteger(n) || (!allowZero && n === 0)) throw new UsageError(`${flag}: '${text}' must be ${allowZero ? '0 or more' : '1 or more'}`);
  return n;
}

/** A probability in [0, 1]; accepts `0.15` or `15%`. */
export function parseProbability(text: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)(%)?$/.exec(text.trim());
  const p = m ? Number(m[1]) / (m[2] ? 100 : 1) : NaN;
  if (!(p >= 0 && p <= 1)) throw new UsageError(`${flag}: '${text}' is not a probability between 0 and 1`);
  return p;
}

/** An http:// or https:// URL; anything else is a usage error. */
export function parseTargetUrl(text: string | undefined, command: string): URL {
  if (!text) throw new UsageError(`${command}: missing <url> (e.g. https://127.0.0.1:8443/)`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`${command}: '${text}' is not a valid URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`${command}: '${text}' must start with http:// (h2c) or https:// (TLS)`);
  }
  return url;
}
