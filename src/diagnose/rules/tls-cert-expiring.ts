import type { Finding, Rule } from '../finding.js';

const DAY_MS = 86_400_000;
/** Warn this long before expiry: time for an on-call rotation to notice and renew. */
const WARN_DAYS = 14;

export const tlsCertExpiringRule: Rule = {
  id: 'tls-cert-expiring',
  check(facts): Finding | null {
    const tls = facts.tls;
    if (!tls || tls.chain.length === 0) return null;
    const now = Date.parse(facts.checkedAt);
    const judged = tls.chain.map((c) => ({ c, left: (Date.parse(c.validTo) - now) / DAY_MS, notYet: Date.parse(c.validFrom) > now }));
    const bad = judged.filter((j) => j.left < 0 || j.notYet);
    const soon = judged.filter((j) => j.left >= 0 && j.left < WARN_DAYS && !j.notYet);
    if (bad.length === 0 && soon.length === 0) return null;
    const severity = bad.length > 0 ? 'error' : 'warn';
    return {
      id: 'tls-cert-expiring',
      severity,
      title: bad.length > 0 ? 'A presented certificate is expired or not yet valid' : `A presented certificate expires in under ${WARN_DAYS} days`,
      evidence: [...bad, ...soon].map(({ c, left, notYet }) =>
        notYet ? `${c.subject}: not valid before ${c.validFrom}` : left < 0 ? `${c.subject}: expired ${c.validTo}` : `${c.subject}: expires ${c.validTo} (${left.toFixed(1)} days)`),
      why: 'When it lapses every verifying client fails its handshake at once: an outage rather than a slow tail, and often first seen as retries and reconnect storms.',
      fix:
        'Renew now and automate renewal (ACME, cert-manager). Node: reload with server.setSecureContext(); Go: tls.Config.GetCertificate to swap without restart; ' +
        'nginx: renew and "nginx -s reload"; Envoy: serve certificates through SDS so rotation needs no restart.',
    };
  },
};
