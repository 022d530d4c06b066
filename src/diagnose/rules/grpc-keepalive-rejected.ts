import { h2ErrorName } from '../../codec/names.js';
import type { Finding, Rule } from '../finding.js';

/** The server cut the keep-alive check's connection with GOAWAY ENHANCE_YOUR_CALM. */
export const grpcKeepaliveRejectedRule: Rule = {
  id: 'grpc-keepalive-rejected',
  check(facts): Finding | null {
    const k = facts.grpc?.keepalive;
    if (!k?.rejected || !k.goaway) return null;
    const g = k.goaway;
    return {
      id: 'grpc-keepalive-rejected',
      severity: 'warn',
      title: `The server cut the connection for pinging too often (GOAWAY ENHANCE_YOUR_CALM "${g.debugData}")`,
      evidence: [
        `GOAWAY ${h2ErrorName(g.errorCode)} last-stream-id=${g.lastStreamId} debug data "${g.debugData}" after ${g.afterPings} PING(s) ${k.intervalMs} ms apart with no call active (${(g.afterMs / 1000).toFixed(1)} s)`,
        'a client with keep-alive at this interval, or permitted without calls, is disconnected the same way',
      ],
      why:
        'Each PING that comes sooner than the server\'s minimum interval (or with no call active, when the server does not permit that) is a strike; past the strike limit the server sends GOAWAY ENHANCE_YOUR_CALM and closes. ' +
        'Calls in flight on that connection fail or are retried, the next call pays a new TCP and TLS handshake, and clients that double their interval only after the cut repeat the cycle: a steady trickle of slow or failed calls in the P99.',
      fix:
        'Align the client\'s keep-alive with the server\'s policy (or relax the policy). ' +
        'grpc-go: client grpc.WithKeepaliveParams(keepalive.ClientParameters{Time: ≥ server MinTime, PermitWithoutStream: false}); server grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime, PermitWithoutStream}) (default MinTime 5 min, PermitWithoutStream false). ' +
        'grpc-java: client ManagedChannelBuilder.keepAliveTime(...) and keepAliveWithoutCalls(false); server NettyServerBuilder.permitKeepAliveTime(...) and permitKeepAliveWithoutCalls(true). ' +
        'grpc-js: client channel options grpc.keepalive_time_ms, grpc.keepalive_timeout_ms, grpc.keepalive_permit_without_calls (grpc-js servers do not enforce a ping policy). ' +
        'C-core (Python, C++): client grpc.keepalive_time_ms and grpc.keepalive_permit_without_calls; server grpc.http2.min_ping_interval_without_data_ms (default 300000), grpc.http2.max_ping_strikes (default 2; 0 = unlimited), grpc.keepalive_permit_without_calls.',
    };
  },
};
