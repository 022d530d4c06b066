import type { Finding, Rule } from '../finding.js';

/** OpenSSL codes for "no issuer found for the leaf", what a missing intermediate looks like. */
const missingIssuer = new Set(['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_GET_ISSUER_CERT']);

/** True when verification failed because an intermediate is missing (not for self-signed or name errors). */
export function isChainIncomplete(verifyError: string | null, chainLength: number): boolean {
  return verifyError !== null && missingIssuer.has(verifyError) && chainLength <= 1;
}

export const tlsChainIncompleteRule: Rule = {
  id: 'tls-chain-incomplete',
  check(facts): Finding | null {
    const tls = facts.tls;
    if (!tls || tls.verified || !isChainIncomplete(tls.verifyError, tls.chain.length)) return null;
    return {
      id: 'tls-chain-incomplete',
      severity: 'error',
      title: 'The certificate chain is incomplete: an intermediate certificate is missing',
      evidence: [
        `verification failed with ${tls.verifyError}; the server presented ${tls.chain.length} certificate(s): ${tls.chain.map((c) => `${c.subject} (issuer ${c.issuer})`).join(', ')}`,
      ],
      why:
        'Browsers often repair the chain by fetching the intermediate (AIA) or from a cache; Node, Go, curl and most service clients do not, so they fail the handshake. ' +
        'Clients that retry or fail over between backends with different chains see errors and reconnect storms in the tail.',
      fix:
        'Serve the leaf followed by its intermediate(s). Node: pass the full chain PEM as cert (leaf first, then intermediates). Go: put the whole chain in the certificate file given to tls.LoadX509KeyPair. ' +
        'nginx: ssl_certificate must point to the "fullchain" file. Envoy: certificate_chain must contain leaf and intermediates.',
    };
  },
};
