import type { Finding, Rule } from '../finding.js';

export const tlsNoResumptionRule: Rule = {
  id: 'tls-no-resumption',
  check(facts): Finding | null {
    const r = facts.resumption;
    if (!r || r.resumed) return null;
    return {
      id: 'tls-no-resumption',
      severity: 'warn',
      title: 'TLS sessions are not resumed: every new connection pays a full handshake',
      evidence: [
        r.ticketReceived
          ? 'the probe offered the session ticket it received, and the server did a full handshake again'
          : 'the server sent no session ticket or session id the probe could offer',
        `full handshake ${r.fullHandshakeMs.toFixed(2)} ms; second handshake ${r.secondHandshakeMs === null ? '-' : `${r.secondHandshakeMs.toFixed(2)} ms`}`,
      ],
      why:
        'Reconnects happen exactly when things go wrong (GOAWAY, deploys, failover). A full handshake adds a round trip and the server\'s signing work to each of them, ' +
        'and behind a load balancer with per-host ticket keys the cost lands on every backend switch.',
      fix:
        'Enable session tickets with keys shared by every instance. Node: keep the default tickets, and give all processes the same ticketKeys (server.setTicketKeys); ' +
        'Go: leave tls.Config.SessionTicketsDisabled false and rotate shared keys with SetSessionTicketKeys. nginx: ssl_session_tickets on; ssl_session_ticket_key files shared across hosts, ssl_session_cache shared:SSL:10m. ' +
        'Envoy: session_ticket_keys (or SDS) the same on every Envoy.',
    };
  },
};
