import { Counter, Gauge, Registry } from 'prom-client';

/**
 * The consistency library's Prometheus metrics (docs/metrics.md). One set per registry: the
 * relay, the inventory service and the reconciler of one process share it.
 */
export interface ConsistencyMetrics {
  registry: Registry;
  /** WAL rows delivered to inventory and marked delivered, by kind (reserve, release). */
  deliveries: Counter<'kind'>;
  /** Sends of a WAL row that had been sent before (after a failure or a crash). */
  redeliveries: Counter;
  /** Messages inventory received again and absorbed without a change (the idempotency key at work). */
  duplicatesAbsorbed: Counter;
  /** Reconciler repairs, by action (redeliver, release-duplicate, release-orphan, release-cancelled, redeliver-different). */
  repairs: Counter<'action'>;
  /** Age of the oldest WAL row still pending, seconds (0 when none). */
  oldestPendingSeconds: Gauge;
  /** Rows the last reconciler pass left inconsistent. */
  inconsistent: Gauge;
}

const byRegistry = new WeakMap<Registry, ConsistencyMetrics>();

export function consistencyMetrics(registry: Registry = new Registry(), prefix = 'h2doctor_consistency_'): ConsistencyMetrics {
  const known = byRegistry.get(registry);
  if (known) return known;
  const registers = [registry];
  const m: ConsistencyMetrics = {
    registry,
    deliveries: new Counter({ name: `${prefix}deliveries_total`, help: 'WAL rows delivered to inventory, by kind.', labelNames: ['kind'], registers }),
    redeliveries: new Counter({ name: `${prefix}redeliveries_total`, help: 'Sends of a WAL row that had been sent before.', registers }),
    duplicatesAbsorbed: new Counter({ name: `${prefix}duplicates_absorbed_total`, help: 'Duplicate messages inventory absorbed without a change.', registers }),
    repairs: new Counter({ name: `${prefix}repairs_total`, help: 'Reconciler repairs, by action.', labelNames: ['action'], registers }),
    oldestPendingSeconds: new Gauge({ name: `${prefix}oldest_pending_seconds`, help: 'Age of the oldest pending WAL row, seconds.', registers }),
    inconsistent: new Gauge({ name: `${prefix}inconsistent`, help: 'Rows the last reconciler pass left inconsistent.', registers }),
  };
  byRegistry.set(registry, m);
  return m;
}
