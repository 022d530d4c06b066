import { h2ErrorName } from '../../codec/names.js';
import type { Finding, Rule } from '../finding.js';

/** Seen with --watch: the server closes connections by age, gracefully or not. */
export const grpcConnectionAgeRule: Rule = {
  id: 'grpc-connection-age',
  check(facts): Finding | null {
    const w = facts.grpc?.watch;
    if (!w || w.serverCloses === 0) return null;
    const abrupt = w.graceful === false || w.lost > 0;
    const first = w.goaways.slice(0, 4).map((g) => `connection ${g.connection} at ${(g.atMs / 1000).toFixed(1)} s: GOAWAY ${h2ErrorName(g.errorCode)} last-stream-id=${g.lastStreamId}${g.debugData ? ` "${g.debugData}"` : ''}`);
    return {
      id: 'grpc-connection-age',
      severity: abrupt ? 'warn' : 'info',
      title: `The server closed ${w.serverCloses} connection(s) in ${(w.watchedMs / 1000).toFixed(0)} s ${w.graceful ? 'with the two-step GOAWAY' : 'abruptly'}${w.lost > 0 ? `, losing ${w.lost} call(s) in flight${w.graceful ? ' (grace period shorter than the calls)' : ''}` : ''}`,
      evidence: [
        `${w.connections} connection(s), ${w.calls} calls, ${w.lost} lost, ${w.unprocessed} refused unprocessed (safe to retry); ${w.closesWithoutGoaway} close(s) without GOAWAY`,
        ...first,
        ...w.lostReasons.slice(0, 3),
      ],
      why: abrupt
        ? 'A close by age without the two-step GOAWAY (first last-stream-id 2^31-1, then the real one, RFC 9113 §6.8), or with too short a grace period, cuts calls the server had accepted: their callers see UNAVAILABLE or INTERNAL and retry from scratch, and every reconnect adds a handshake to the next call.'
        : 'Closing by age spreads load after scaling, and a graceful close loses nothing; each close still costs the next call a new connection (TCP, TLS), so a short age shows up in the P99 as handshake time.',
      fix:
        'Keep the age long enough that reconnects are rare (minutes, not seconds) and give a grace period longer than the slowest call. ' +
        'grpc-go: keepalive.ServerParameters{MaxConnectionAge, MaxConnectionAgeGrace} via grpc.KeepaliveParams. grpc-java: NettyServerBuilder.maxConnectionAge(...) and maxConnectionAgeGrace(...). ' +
        'grpc-js: server options grpc.max_connection_age_ms and grpc.max_connection_age_grace_ms. C-core Python/C++: grpc.max_connection_age_ms and grpc.max_connection_age_grace_ms (GRPC_ARG_MAX_CONNECTION_AGE_MS, GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS).',
    };
  },
};
