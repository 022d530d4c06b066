import type { Http2SecureServer, Http2Server, ServerHttp2Session } from 'node:http2';
import { AbortError } from '../errors.js';

/**
 * Graceful shutdown of an HTTP/2 server (RFC 9113 §6.8).
 *
 * 1. Stop listening, so no new connection arrives.
 * 2. `session.close()` on every session: node:http2 sends GOAWAY(NO_ERROR) carrying the last
 *    stream id it processed, and closes the session once its open streams finish. Streams the
 *    client opened after that id are refused by nghttp2 with REFUSED_STREAM, which RFC 9113
 *    §8.7 defines as "not processed, safe to retry": no request the server accepted is lost.
 *    (The two-step GOAWAY of §6.8, first with 2^31-1, gains nothing here: nghttp2 refuses new
 *    streams as soon as any GOAWAY has been sent, so the first one would already refuse.)
 * 3. Wait for the sessions to close, up to `graceMs`; then destroy what is left, cutting the
 *    streams that overran.
 */

export interface GracefulCloseOptions {
  /** How long in-flight streams may take to finish, ms (default 5000). */
  graceMs?: number;
}

export interface GracefulCloseResult {
  /** Sessions open when the close began. */
  sessions: number;
  /** Sessions still open at the deadline (or abort), destroyed with their streams. */
  forced: number;
  /** Request streams those forced sessions still had open. */
  streamsCut: number;
}

export async function closeGracefully(
  server: Http2Server | Http2SecureServer,
  /** Open sessions; each leaves the set in its 'close' listener. */
  sessions: ReadonlySet<ServerHttp2Session>,
  openStreams: (session: ServerHttp2Session) => number,
  options: GracefulCloseOptions = {},
  signal?: AbortSignal,
): Promise<GracefulCloseResult> {
  const graceMs = options.graceMs ?? 5000;
  const serverClosed = new Promise<void>((resolve) => {
    server.close(() => resolve());
  });
  const started = sessions.size;
  // `sessions` is the live set, emptied by each session's 'close' listener: a session still
  // in it has not emitted 'close' yet, so waiting for that event cannot miss it.
  const sessionClosed = (session: ServerHttp2Session): Promise<void> =>
    new Promise((resolve) => {
      if (!sessions.has(session)) resolve();
      else session.once('close', () => resolve());
    });
  const allClosed = Promise.all([...sessions].map(sessionClosed));
  for (const session of sessions) if (!session.closed && !session.destroyed) session.close();

  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  let aborted = false;
  try {
    await Promise.race([
      allClosed,
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, graceMs);
      }),
      new Promise<void>((resolve) => {
        if (signal === undefined) return;
        onAbort = () => {
          aborted = true;
          resolve();
        };
        if (signal.aborted) onAbort();
        else signal.addEventListener('abort', onAbort, { once: true });
      }),
    ]);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort);
  }

  let forced = 0;
  let streamsCut = 0;
  const remaining = [...sessions].filter((session) => !session.destroyed);
  for (const session of remaining) {
    forced++;
    streamsCut += openStreams(session);
    session.destroy();
  }
  // Wait for the 'close' events too, so counters read after this resolves are final.
  await Promise.all([...remaining.map(sessionClosed), allClosed, serverClosed]);
  if (aborted) throw new AbortError(`graceful close aborted: ${forced} session(s) destroyed`);
  return { sessions: started, forced, streamsCut };
}


