import type { ProbeFacts, RequestFacts } from '../probe/facts.js';

/**
 * The facts a clean TLS HTTP/2 server produces: h2 by ALPN, a verified chain valid for 60 more
 * days, 100 streams, resumption working, no push, 20 fast requests on one connection. Rule tests
 * start from this and change one thing, so each test shows exactly what trips its rule.
 */
export function cleanFacts(): ProbeFacts {
  const requests: RequestFacts[] = Array.from({ length: 20 }, (_, i) => ({
    index: i + 1,
    phase: i < 3 ? 'sequential' : 'concurrent',
    connection: 1,
    streamId: 2 * i + 1,
    status: 200,
    contentType: 'application/json',
    ttfbMs: 1 + (i % 5) * 0.1,
    totalMs: 1.5 + (i % 5) * 0.1,
    bytes: 20,
    resetCode: null,
    error: null,
    retried: false,
  }));
  return {
    target: 'https://127.0.0.1:8443/api',
    checkedAt: '2026-01-01T00:00:00.000Z',
    transport: 'tls',
    address: '127.0.0.1',
    alpn: 'h2',
    http1Only: false,
    stoppedEarly: null,
    tls: {
      alpnOffered: ['h2', 'http/1.1'],
      version: 'TLSv1.3',
      cipher: 'TLS_AES_256_GCM_SHA384',
      chain: [
        { subject: 'localhost', issuer: 'test intermediate', validFrom: '2025-12-01T00:00:00.000Z', validTo: '2026-03-02T00:00:00.000Z', selfSigned: false },
        { subject: 'test intermediate', issuer: 'test root', validFrom: '2025-01-01T00:00:00.000Z', validTo: '2035-01-01T00:00:00.000Z', selfSigned: false },
      ],
      verified: true,
      verifyError: null,
      handshakeMs: 3,
    },
    session: {
      serverSettings: [{ id: 3, value: 100 }, { id: 4, value: 65_535 }],
      clientSettings: [{ id: 2, value: 1 }, { id: 4, value: 4_194_304 }],
      settingsAckMs: 0.5,
      connectionWindowUpdates: { count: 1, bytes: 1_048_576 },
      pingRttMs: 0.3,
    },
    connections: [{ index: 1, purpose: 'requests', requests: 20, streams: 20, end: { by: 'client', atMs: 40, goaway: null } }],
    requests,
    pushes: [],
    resets: [],
    flowControlStalls: [],
    resumption: { ticketReceived: true, resumed: true, fullHandshakeMs: 3, secondHandshakeMs: 1 },
    pushDisabled: { enablePushSent: 0, promises: 0, paths: [], error: null },
    idle: null,
    timings: [],
    stepErrors: [],
    durationMs: 60,
  };
}
