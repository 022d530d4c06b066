import type { Finding, Rule } from '../finding.js';

export const noH2Rule: Rule = {
  id: 'no-h2',
  check(facts): Finding | null {
    const noAlpnH2 = facts.transport === 'tls' && facts.tls !== null && facts.alpn !== 'h2';
    if (!noAlpnH2 && !facts.http1Only) return null;
    const evidence = facts.transport === 'tls'
      ? [`ALPN offered ${facts.tls?.alpnOffered.join(', ') ?? 'h2, http/1.1'}; the server selected ${facts.alpn ?? 'nothing'}`]
      : ['the server answered the HTTP/2 connection preface (prior knowledge) with an HTTP/1.x response'];
    return {
      id: 'no-h2',
      severity: 'error',
      title: 'The server does not speak HTTP/2 here',
      evidence,
      why:
        'Over HTTP/1.1 each connection carries one request at a time, so clients open many connections or queue requests behind slow ones (head-of-line blocking): ' +
        'the tail follows the slowest request in each queue. Nothing else in this probe could run.',
      fix:
        'Enable h2 in ALPN. Node: http2.createSecureServer (allowHTTP1 for old clients) instead of https.createServer; for h2c, http2.createServer. ' +
        'Go net/http: TLS servers negotiate h2 unless TLSNextProto is set to an empty map; for h2c wrap the handler with golang.org/x/net/http2/h2c. ' +
        'nginx: "listen 443 ssl; http2 on;" (1.25.1+) or "listen 443 ssl http2;". Envoy: set http2_protocol_options / codec_type AUTO and alpn_protocols: [h2, http/1.1].',
    };
  },
};
