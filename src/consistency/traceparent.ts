import type { Random } from '../random.js';

/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/ §3.2): `traceparent` is
 * `00-<32 hex trace-id>-<16 hex parent-id>-<2 hex flags>`. The order's trace id rides on every
 * message about it (relay → inventory, reconciler → inventory), so one order's path can be
 * found in every log and database row; each hop gets a fresh parent id (span).
 */
const pattern = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

function hex(random: Random, digits: number): string {
  let out = '';
  while (out.length < digits) out += Math.floor(random() * 0x100000000).toString(16).padStart(8, '0');
  return out.slice(0, digits);
}

/** A new trace id: 32 lower-case hex digits, not all zero (§3.2.2.3). */
export function newTraceId(random: Random): string {
  const id = hex(random, 32);
  return /^0+$/.test(id) ? newTraceId(random) : id;
}

/** A `traceparent` for a message of trace `traceId`, with a new span id, sampled. */
export function formatTraceparent(traceId: string, random: Random): string {
  let span = hex(random, 16);
  if (/^0+$/.test(span)) span = '0000000000000001';
  return `00-${traceId}-${span}-01`;
}

/** The trace id of a `traceparent` header, or undefined when it is absent or invalid. */
export function parseTraceparent(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  const m = value ? pattern.exec(value.trim().toLowerCase()) : null;
  if (!m || m[1] === 'ff' || /^0+$/.test(m[2]!) || /^0+$/.test(m[3]!)) return undefined;
  return m[2];
}
