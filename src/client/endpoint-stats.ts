import type { Endpoint } from './endpoint.js';
import type { EndpointStats } from './options.js';

/** One endpoint's counters for `client.stats()`: its pool, attempts, breaker, health. */
export function endpointStats(e: Endpoint): EndpointStats {
  return {
    url: e.url,
    zone: e.zone,
    priority: e.priority,
    ...e.pool.stats(),
    requests: e.attempts,
    retries: e.retries,
    failures: e.failures,
    inFlight: e.inFlight,
    breaker: { state: e.breaker.state, opens: e.breaker.opens },
    healthy: e.healthy,
    ejections: e.ejections,
  };
}
