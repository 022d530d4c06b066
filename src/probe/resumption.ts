/**
 * Step 4: a second TLS connection offering the session the first one received. A resumed
 * handshake skips certificate transfer and signing (RFC 8446 §2.2); `isSessionReused()` says
 * whether the server accepted it.
 */
import type { ResumptionFacts } from './facts.js';
import { openTransport, type OpenedTransport } from './transport.js';
import type { ConnectionContext } from './connection.js';

export async function checkResumption(ctx: ConnectionContext, first: OpenedTransport, signal?: AbortSignal): Promise<ResumptionFacts> {
  const saved = first.latestSession();
  const fullHandshakeMs = first.tlsMs ?? 0;
  if (!saved) return { ticketReceived: false, resumed: false, fullHandshakeMs, secondHandshakeMs: null };
  const second = await openTransport({ url: ctx.url, ca: ctx.ca, alpn: ['h2', 'http/1.1'], session: saved, timeoutMs: ctx.timeoutMs, clock: ctx.clock }, signal);
  const resumed = second.tls?.isSessionReused() ?? false;
  second.socket.destroy();
  return { ticketReceived: true, resumed, fullHandshakeMs, secondHandshakeMs: second.tlsMs };
}
