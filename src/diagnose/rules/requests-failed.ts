import type { Finding, Rule } from '../finding.js';

export const requestsFailedRule: Rule = {
  id: 'requests-failed',
  check(facts): Finding | null {
    // Resets have their own rule; this one covers timeouts, closes and protocol failures.
    const failed = facts.requests.filter((r) => r.error !== null && r.resetCode === null);
    if (failed.length === 0) return null;
    const reasons = new Map<string, number>();
    for (const r of failed) reasons.set(r.error!, (reasons.get(r.error!) ?? 0) + 1);
    return {
      id: 'requests-failed',
      severity: 'error',
      title: `${failed.length} of ${facts.requests.length} requests failed`,
      evidence: [...reasons].map(([why, n]) => `${n}× ${why}`),
      why: 'Failed requests are retried or surface as errors; either way they are the slowest requests a client sees.',
      fix: 'Read the reasons above: a timeout points at the server or a proxy holding requests; a closed connection at GOAWAY handling or idle timeouts (see the other findings). Rerun with --frames to see the exchange.',
    };
  },
};
