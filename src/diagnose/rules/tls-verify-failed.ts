import type { Finding, Rule } from '../finding.js';
import { isChainIncomplete } from './tls-chain-incomplete.js';

export const tlsVerifyFailedRule: Rule = {
  id: 'tls-verify-failed',
  check(facts): Finding | null {
    const tls = facts.tls;
    if (!tls || tls.verified || isChainIncomplete(tls.verifyError, tls.chain.length)) return null;
    return {
      id: 'tls-verify-failed',
      severity: 'error',
      title: 'The server certificate does not verify',
      evidence: [`verification failed with ${tls.verifyError ?? 'an unknown error'}; presented: ${tls.chain.map((c) => `${c.subject} (issuer ${c.issuer})`).join(', ') || 'no certificate'}`],
      why: 'Clients that verify (all service clients should) cannot connect at all; those configured to skip verification are open to interception.',
      fix:
        'Serve a certificate for this host name issued by a CA the clients trust (or pass your private CA to the probe with --ca). ' +
        'Node: cert/key/ca options of createSecureServer; Go: tls.Config.Certificates; nginx: ssl_certificate; Envoy: tls_certificates in the DownstreamTlsContext.',
    };
  },
};
