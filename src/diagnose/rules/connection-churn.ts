import type { Finding, Rule } from '../finding.js';
import type { ConnectionEnd } from '../../probe/facts.js';
import { h2ErrorName } from '../../codec/names.js';

/** One phrase for how a connection ended. */
export function describeEnd(end: ConnectionEnd): string {
  if (end.goaway) return `GOAWAY ${h2ErrorName(end.goaway.errorCode)} last-stream-id=${end.goaway.lastStreamId}${end.goaway.debugData ? ` "${end.goaway.debugData}"` : ''}`;
  if (end.by === 'fin') return 'closed without GOAWAY (FIN)';
  if (end.by === 'reset') return 'reset without GOAWAY (RST)';
  if (end.by === 'client') return 'closed by the probe';
  return 'still open';
}

export const connectionChurnRule: Rule = {
  id: 'connection-churn',
  check(facts): Finding | null {
    const conns = facts.connections.filter((c) => c.purpose === 'requests');
    if (conns.length <= 1) return null;
    const perConn = conns.map((c) => c.requests);
    const retried = facts.requests.filter((r) => r.retried).length;
    return {
      id: 'connection-churn',
      severity: 'error',
      title: `The server ended connections: ${facts.requests.length} requests needed ${conns.length} connections`,
      evidence: [
        `requests per connection: ${perConn.join(', ')}${retried ? `; ${retried} request(s) had to be sent again on a new connection` : ''}`,
        ...conns.map((c) => `connection ${c.index}: ${c.requests} requests, ${describeEnd(c.end)}`),
      ],
      why:
        'HTTP/2 pays off only when one connection carries many requests. Each new connection costs a TCP and TLS handshake and a SETTINGS exchange before its first byte, ' +
        'and requests caught by the close fail or are retried: those requests form the P99.',
      fix:
        'Let connections live for thousands of requests. Node: do not call session.close()/goaway() per request, raise server.timeout or set it to 0 for keep-alive; ' +
        'Go net/http: check Server.IdleTimeout and any middleware setting "Connection: close"; http2.Server.MaxConcurrentStreams is not a request cap. ' +
        'nginx: raise keepalive_requests (default 1000) and keepalive_timeout. Envoy: raise max_requests_per_connection and common_http_protocol_options.max_connection_duration.',
    };
  },
};
