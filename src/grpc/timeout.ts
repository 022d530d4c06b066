/**
 * `grpc-timeout` (PROTOCOL-HTTP2.md): TimeoutValue is at most 8 ASCII digits, TimeoutUnit one
 * of H M S m u n. We write the finest unit whose value fits in 8 digits, rounding up so the
 * server never sees a shorter deadline than the caller set (grpc-go rounds the same way).
 */
import { ConfigError } from '../errors.js';

const MAX_VALUE = 99_999_999;
/** Each unit with its length in nanoseconds, finest first. */
const units: ReadonlyArray<readonly [string, number]> = [
  ['n', 1],
  ['u', 1e3],
  ['m', 1e6],
  ['S', 1e9],
  ['M', 60e9],
  ['H', 3600e9],
];

/** `grpc-timeout` value for a deadline `ms` from now, e.g. 1500 → `1500000u`. */
export function encodeGrpcTimeout(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) throw new ConfigError(`grpc-timeout: ${ms} ms is not a deadline`);
  const ns = ms * 1e6;
  for (const [unit, size] of units) {
    const value = Math.ceil(ns / size);
    if (value <= MAX_VALUE) return `${value}${unit}`;
  }
  throw new ConfigError(`grpc-timeout: ${ms} ms is longer than 99999999 hours`);
}

/** Milliseconds in a `grpc-timeout` value, or null when it is malformed. */
export function parseGrpcTimeout(text: string): number | null {
  const m = /^(\d{1,8})([HMSmun])$/.exec(text);
  if (!m) return null;
  const size = units.find(([u]) => u === m[2])![1];
  return (Number(m[1]) * size) / 1e6;
}
