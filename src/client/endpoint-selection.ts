import type { Clock } from '../clock.js';

/**
 * Priority failover (Envoy-style priority levels): traffic goes to the lowest priority
 * number that has an available endpoint; within that level, to the endpoint with the fewest
 * requests in flight (ties rotate). An endpoint is unavailable while its health check fails
 * or its breaker is open (passive ejection). Pure apart from the injected clock.
 *
 * It also measures failover time: from the first failure seen on the level that was serving
 * to the first request sent to another level.
 */

/** What selection needs to know about an endpoint. */
export interface EndpointCandidate {
  /** Lower is preferred; equal numbers share traffic. */
  readonly priority: number;
  /** Availability zone label, for stats. */
  readonly zone: string;
  /** Health check passing (or unknown) and breaker letting calls through. */
  isAvailable(): boolean;
  /** Requests in flight now. */
  readonly inFlight: number;
  /** Clock time of the first failure since the last success; undefined while healthy. */
  readonly failingSince: number | undefined;
}

export interface FailoverRecord {
  /** Priority level that was serving. */
  fromPriority: number;
  /** Priority level now serving. */
  toPriority: number;
  /** Milliseconds from the first failure on the old level to traffic on the new one. */
  durationMs: number;
  /** Clock time of the switch. */
  at: number;
}

export class EndpointSelector<E extends EndpointCandidate> {
  private readonly levels: E[][];
  /** Rotates ties within a level. */
  private turn = 0;
  /** Priority level that served the last request; undefined before the first. */
  private servingPriority: number | undefined;
  /** Every change of serving level, oldest first (bounded to the last 100). */
  readonly failovers: FailoverRecord[] = [];
  /** Count of level changes since creation. */
  failoverCount = 0;

  constructor(endpoints: readonly E[], private readonly clock: Clock) {
    const byPriority = new Map<number, E[]>();
    for (const e of endpoints) {
      const list = byPriority.get(e.priority) ?? [];
      list.push(e);
      byPriority.set(e.priority, list);
    }
    this.levels = [...byPriority.entries()].sort((a, b) => a[0] - b[0]).map(([, list]) => list);
  }

  /**
   * The endpoint the next attempt should use, avoiding `exclude` (endpoints this request
   * already failed on) when any other is available; undefined when none is available.
   */
  select(exclude?: ReadonlySet<E>): E | undefined {
    let chosen = this.pick(exclude);
    if (!chosen && exclude && exclude.size > 0) chosen = this.pick(undefined);
    if (chosen) this.noteServing(chosen);
    return chosen;
  }

  private pick(exclude: ReadonlySet<E> | undefined): E | undefined {
    for (const level of this.levels) {
      let best: E | undefined;
      let bestLoad = Infinity;
      const n = level.length;
      for (let k = 0; k < n; k++) {
        const e = level[(this.turn + k) % n];
        if (exclude?.has(e) || !e.isAvailable()) continue;
        if (e.inFlight < bestLoad) {
          best = e;
          bestLoad = e.inFlight;
        }
      }
      if (best) {
        this.turn = (this.turn + 1) % 1_000_000;
        return best;
      }
    }
    return undefined;
  }

  private noteServing(e: E): void {
    const previous = this.servingPriority;
    if (previous === e.priority) return;
    this.servingPriority = e.priority;
    if (previous === undefined) return;
    const now = this.clock.now();
    const oldLevel = this.levels.find((l) => l[0].priority === previous) ?? [];
    let firstFailure = now;
    for (const o of oldLevel) if (o.failingSince !== undefined && o.failingSince < firstFailure) firstFailure = o.failingSince;
    this.failoverCount++;
    this.failovers.push({ fromPriority: previous, toPriority: e.priority, durationMs: now - firstFailure, at: now });
    if (this.failovers.length > 100) this.failovers.shift();
  }
}
