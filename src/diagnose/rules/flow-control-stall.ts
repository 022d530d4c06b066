import type { Finding, Rule } from '../finding.js';

export const flowControlStallRule: Rule = {
  id: 'flow-control-stall',
  check(facts): Finding | null {
    const stalls = facts.flowControlStalls;
    if (stalls.length === 0) return null;
    const waited = stalls.map((s) => s.waitedMs).filter((w): w is number => w !== null);
    const where = stalls.slice(0, 6).map((s) => `${s.streamId === 0 ? 'connection' : `stream ${s.streamId}`} (${s.direction === 'send' ? 'probe waited on the server' : 'server waited on the probe'}${s.waitedMs === null ? ', never reopened' : `, ${s.waitedMs.toFixed(1)} ms`})`);
    return {
      id: 'flow-control-stall',
      severity: 'warn',
      title: 'Data waited on a flow-control WINDOW_UPDATE',
      evidence: [
        `${stalls.length} window(s) reached zero with data still to send${waited.length ? `; longest wait ${Math.max(...waited).toFixed(1)} ms` : ''}`,
        where.join(', '),
      ],
      why:
        'With the default 65,535-byte windows a sender can move at most one window per round trip (RFC 9113 §6.9): throughput ≈ window ÷ RTT. Large bodies then take many ' +
        'round trips and every other stream on the connection shares the same connection window.',
      fix:
        'Advertise bigger windows and update the connection window early. Node: settings.initialWindowSize and session.setLocalWindowSize(); ' +
        'Go: http2.Server MaxUploadBufferPerConnection / MaxUploadBufferPerStream; nginx: http2_body_preread_size and client_body_buffer_size; ' +
        'Envoy: http2_protocol_options.initial_stream_window_size and initial_connection_window_size.',
    };
  },
};
