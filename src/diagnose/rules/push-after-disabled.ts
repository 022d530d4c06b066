import type { Finding, Rule } from '../finding.js';

export const pushAfterDisabledRule: Rule = {
  id: 'push-after-disabled',
  check(facts): Finding | null {
    const pd = facts.pushDisabled;
    if (!pd || pd.promises === 0) return null;
    return {
      id: 'push-after-disabled',
      severity: 'error',
      title: 'The server pushes even when the client sent SETTINGS_ENABLE_PUSH=0',
      evidence: [
        `${pd.promises} PUSH_PROMISE frame(s) after the probe sent ENABLE_PUSH=${pd.enablePushSent ?? '?'}: ${pd.paths.slice(0, 5).join(', ')}`,
        ...(pd.error ? [`the connection ended: ${pd.error}`] : []),
      ],
      why:
        'RFC 9113 §6.5.2 and §8.4 make such a PUSH_PROMISE a connection error of type PROTOCOL_ERROR. Go, curl, h2load, k6 and most service clients disable push, ' +
        'so every request in flight on that connection fails and the client reconnects: failed requests and fresh TLS handshakes in the tail.',
      fix:
        'Check SETTINGS_ENABLE_PUSH before pushing. Node: only push when stream.pushAllowed is true. ' +
        'Go net/http: Push already returns http.ErrNotSupported when the client disabled push; look for a proxy or custom framer that ignores it. ' +
        'nginx/Envoy: upgrade or remove the component that pushes; neither should push to such a client.',
    };
  },
};
