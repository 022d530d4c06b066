import type { Finding, Rule } from '../finding.js';
import { formatBytes } from '../../units.js';

/** The connection window every HTTP/2 connection starts with (RFC 9113 §6.9.2). */
export const DEFAULT_CONNECTION_WINDOW = 65_535;
/** OkHttp's client window (OKHTTP_CLIENT_WINDOW_SIZE), which it never credits for pushed bytes. */
export const OKHTTP_CONNECTION_WINDOW = 16 * 1024 * 1024;
/** Pushes of at least half a default window per response use one up within two responses. */
const THRESHOLD = DEFAULT_CONNECTION_WINDOW / 2;

/**
 * Pushed bytes per response comparable to a client's connection window: every pushed DATA byte
 * takes connection window (RFC 9113 §6.9.1), and a client gives window back only for bytes it
 * consumes. A client that does not read pushes (OkHttp cancels them and never credits what
 * already arrived) runs out of window, and every later response on that connection stalls.
 */
export const pushStarvesWindowRule: Rule = {
  id: 'push-starves-window',
  check(facts): Finding | null {
    const byResponse = new Map<string, number>();
    for (const p of facts.pushes) {
      const key = `${p.connection}:${p.associatedStreamId}`;
      byResponse.set(key, (byResponse.get(key) ?? 0) + p.bytes);
    }
    if (byResponse.size === 0) return null;
    const total = [...byResponse.values()].reduce((a, b) => a + b, 0);
    const perResponse = total / byResponse.size;
    if (perResponse < THRESHOLD) return null;
    const fitDefault = Math.floor(DEFAULT_CONNECTION_WINDOW / perResponse);
    const fitOkhttp = Math.floor(OKHTTP_CONNECTION_WINDOW / perResponse);
    return {
      id: 'push-starves-window',
      severity: 'warn',
      title: 'Pushed bytes per response are as large as a client\'s connection window',
      evidence: [
        `${byResponse.size} responses came with ${formatBytes(Math.round(perResponse))} of pushed DATA each, ${(perResponse / DEFAULT_CONNECTION_WINDOW).toFixed(2)} × the 65,535-byte default connection window`,
        fitDefault === 0
          ? 'a client with the default window that does not read pushes is out of window within the first response: that response and every later one on the connection stall'
          : `a client with the default window that does not read pushes is out of window after ${fitDefault} response(s); every later response on the connection stalls`,
        `OkHttp (16 MiB window, pushed bytes never credited) runs out after ${fitOkhttp} responses on one connection`,
      ],
      why:
        'Pushed DATA counts against the same connection-level flow-control window as the real responses (RFC 9113 §6.9). ' +
        'A client returns window only for bytes it consumes; one that ignores or cancels pushes keeps the pushed bytes on its books, ' +
        'the server stops sending DATA when the window reaches zero, and responses wait for a WINDOW_UPDATE that never comes. ' +
        'Clients see requests time out on a connection that still answers PING, abandon it and pay a new TLS handshake.',
      fix:
        'Refuse push on API routes: h2doctor/server `instrument(server, { push: \'deny\' })`, or remove stream.pushStream() calls; ' +
        'Go: wrap the ResponseWriter so Push returns http.ErrNotSupported. On clients you control, send SETTINGS_ENABLE_PUSH=0 ' +
        '(Node: http2.connect(url, { settings: { enablePush: false } }); Go, curl, h2load and k6 already do).',
    };
  },
};
