import type { H2Client } from './client.js';
import type { ClientStats } from './options.js';

/** `client.stats()`: counters per endpoint and for the client, read off its parts. */
export function buildStats(c: H2Client): ClientStats {
  const now = c.clock.now();
  const hedging = c.hedging;
  let ejections = 0;
  const endpoints = c.endpoints.map((e) => {
    ejections += e.ejections;
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
      outlierEjected: e.outlierEjectedUntil > now,
      hedgeDelayMs: hedging?.delayFor(e),
      addresses: e.addresses(),
    };
  });
  return {
    endpoints,
    keepalive: c.keepalive?.stats() ?? null,
    grpcRetries: c.grpcRetries,
    requests: c.requests,
    retries: c.accounting.retries,
    transparentRetries: c.accounting.transparentRetries,
    retryBudget: c.budget.snapshot(),
    failovers: c.selector.failoverCount,
    failoverHistory: [...c.selector.failovers],
    leaks: c.leaks.leaks,
    leaksByPath: Object.fromEntries(c.leaks.byPath),
    hedges: c.counters.hedges,
    hedgesWon: c.counters.hedgesWon,
    hedgesRefused: hedging?.refused ?? 0,
    hedgeDelay: hedging === undefined ? 'off' : hedging.auto ? 'auto' : hedging.fixedDelayMs,
    rescued: c.accounting.rescued,
    ejections,
  };
}
