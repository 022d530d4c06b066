import type { Finding, Rule } from '../finding.js';

export const closeWithoutGoawayRule: Rule = {
  id: 'close-without-goaway',
  check(facts): Finding | null {
    const bare = facts.connections.filter((c) => (c.end.by === 'fin' || c.end.by === 'reset') && c.end.goaway === null);
    if (bare.length === 0) return null;
    return {
      id: 'close-without-goaway',
      severity: 'warn',
      title: 'The server closed connections without sending GOAWAY',
      evidence: bare.map((c) => `connection ${c.index} (${c.purpose}): ${c.end.by === 'fin' ? 'FIN' : 'RST'} after ${c.requests} request(s)${c.end.atMs === null ? '' : ` at ${c.end.atMs.toFixed(0)} ms`}`),
      why:
        'Without GOAWAY (RFC 9113 §6.8) a client cannot know which requests the server processed, nor stop sending on the connection first: a request written as the socket ' +
        'closes fails and must be retried blindly, if it is safe to retry at all. These races show up as rare errors and retries in the tail.',
      fix:
        'Close HTTP/2 connections gracefully: send GOAWAY, let streams in flight finish, then close. Node: session.close() (not socket.destroy()) and server.close() on shutdown; ' +
        'Go: Server.Shutdown; nginx: reload or graceful quit, not kill; Envoy: drain listeners (drain_timeout) before stopping. Check idle timeouts in load balancers in front that close silently.',
    };
  },
};
