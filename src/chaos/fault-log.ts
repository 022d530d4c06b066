import type { FaultKind } from './fault-spec.js';

/**
 * The evidence of a chaos run: every applied fault as one JSON line, and counts by kind.
 * With the same seed and the same traffic, the lines (minus `t`) repeat exactly.
 */

/** One applied fault. */
export interface FaultEvent {
  /** Milliseconds since the proxy started (injected clock), rounded to µs. */
  t: number;
  /** Route name (the listen address unless named). */
  route: string;
  /** Connection number on the route, from 1 in accept order. */
  conn: number;
  /** `up` client→server, `down` server→client, `both` for connection-wide actions. */
  dir: 'up' | 'down' | 'both';
  /** Fault kind, or `upstream-down` when the upstream refused the connection. */
  fault: FaultKind | 'upstream-down';
  /** Name of the fault in its set. */
  name?: string;
  /** HTTP/2 stream id, for frame faults (0 for connection-level frames). */
  stream?: number;
  /** Delay added, in ms, for delay faults. */
  ms?: number;
  /** Anything else worth knowing (error code, byte count). */
  detail?: string;
}

export type FaultListener = (e: FaultEvent) => void;

/** Collects fault events, counts them and fans them out to subscribers. */
export class FaultLog {
  /** Applied faults by kind. */
  readonly counts = new Map<string, number>();
  private readonly listeners = new Set<FaultListener>();

  record(e: FaultEvent): void {
    this.counts.set(e.fault, (this.counts.get(e.fault) ?? 0) + 1);
    for (const l of this.listeners) l(e);
  }

  /** Subscribes; returns the unsubscribe. */
  onFault(listener: FaultListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Counts as a plain object, kinds sorted. */
  countsByKind(): Record<string, number> {
    return Object.fromEntries([...this.counts.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }
}

/** One JSON line for an event, fields in a fixed order. */
export function formatFaultEvent(e: FaultEvent): string {
  const o: Record<string, unknown> = { t: Math.round(e.t * 1000) / 1000, route: e.route, conn: e.conn, dir: e.dir, fault: e.fault };
  if (e.name !== undefined) o.name = e.name;
  if (e.stream !== undefined) o.stream = e.stream;
  if (e.ms !== undefined) o.ms = Math.round(e.ms * 1000) / 1000;
  if (e.detail !== undefined) o.detail = e.detail;
  return `${JSON.stringify(o)}\n`;
}

/** A metrics line: `connections=12 faults: latency=40 stall=3`. */
export function formatFaultCounts(connections: number, counts: Record<string, number>): string {
  const parts = Object.entries(counts).map(([k, v]) => `${k}=${v}`);
  return `connections=${connections} faults: ${parts.length ? parts.join(' ') : 'none'}`;
}
