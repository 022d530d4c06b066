/**
 * One tapped HTTP/2 connection of the probe: transport (transport.ts) → wire tap → node:http2
 * client session. Keeps how the connection ended (GOAWAY, bare FIN, reset, or closed by us),
 * which node:http2 does not tell apart on its own.
 */
import { connect as h2connect, constants as h2, type ClientHttp2Session } from 'node:http2';
import type { Clock } from '../clock.js';
import { ConnectionClosedError, NotHttp2Error, TlsError, fromSystemError, type H2DoctorError } from '../errors.js';
import { createTap, type WireTap } from '../tap/index.js';
import type { ConnectionEnd, ConnectionFacts } from './facts.js';
import { boundedStep } from './step.js';
import { hostOf, openTransport, portOf, type OpenedTransport } from './transport.js';

/** Windows the probe advertises: large, so a stall seen by the probe is the server's doing, not ours. */
export const PROBE_STREAM_WINDOW = 4 * 1024 * 1024;
export const PROBE_CONNECTION_WINDOW = 16 * 1024 * 1024;

export interface ConnectionContext {
  url: URL;
  ca: string[];
  timeoutMs: number;
  clock: Clock;
  /** Probe start on `clock`: ConnectionEnd.atMs is relative to it. */
  origin: number;
}

export interface OpenOptions {
  index: number;
  purpose: ConnectionFacts['purpose'];
  enablePush: boolean;
  session?: Buffer;
  /** Offer ALPN h2 and http/1.1 (default). */
  alpn?: string[];
}

export interface ProbeConnection {
  index: number;
  purpose: ConnectionFacts['purpose'];
  transport: OpenedTransport;
  tap: WireTap;
  session: ClientHttp2Session;
  /** Requests answered on this connection. */
  requests: number;
  /** Client streams opened. */
  streams: number;
  end: ConnectionEnd;
  /** True once the server sent GOAWAY or the socket ended: open no more streams here. */
  readonly closing: boolean;
  /** Resolves when the socket is closed. */
  closed: Promise<void>;
  /** Closes the connection from our side (GOAWAY NO_ERROR, then FIN). */
  close(): Promise<void>;
  facts(): ConnectionFacts;
}

/** First bytes of a TLS record (handshake or alert): a TLS server on a port we spoke h2c to. */
function looksLikeTls(b: Buffer): boolean {
  return b.length >= 3 && (b[0] === 0x15 || b[0] === 0x16) && b[1] === 0x03;
}

/** Why the server's SETTINGS never came, as the one error the user sees. */
function prefaceFailure(where: string, firstBytes: Buffer | null, tls: boolean, end: ConnectionEnd, err?: Error): H2DoctorError {
  const b = firstBytes;
  if (b && /^HTTP\/1\.[01] /.test(b.subarray(0, 9).toString('latin1'))) {
    return new NotHttp2Error(`${where} answered the HTTP/2 preface with HTTP/1.x (${b.subarray(0, b.indexOf(13) > 0 ? b.indexOf(13) : 20).toString('latin1')})`);
  }
  if (b && !tls && looksLikeTls(b)) return new TlsError(`${where} speaks TLS: use https:// instead of http://`);
  if (end.goaway) {
    return new ConnectionClosedError(`${where} sent GOAWAY before its SETTINGS`, { h2Code: end.goaway.errorCode, lastStreamId: end.goaway.lastStreamId });
  }
  if (err) return fromSystemError(err, `HTTP/2 session with ${where}`);
  return new ConnectionClosedError(`${where} closed the connection before sending its SETTINGS${tls ? '' : ' (a TLS port? use https://)'}`);
}

/**
 * Opens transport, tap and session, and waits for the server's SETTINGS (the server preface,
 * RFC 9113 §3.4). ALPN other than h2 is a NotHttp2Error carrying the selected protocol.
 */
export async function openConnection(ctx: ConnectionContext, options: OpenOptions, signal?: AbortSignal): Promise<ProbeConnection> {
  const alpn = options.alpn ?? ['h2', 'http/1.1'];
  const transport = await openTransport({ url: ctx.url, ca: ctx.ca, alpn, session: options.session, timeoutMs: ctx.timeoutMs, clock: ctx.clock }, signal);
  const where = `${hostOf(ctx.url)}:${portOf(ctx.url)}`;
  if (transport.tls && transport.tls.alpnProtocol !== 'h2') {
    transport.socket.destroy();
    throw new NotHttp2Error(`${where} selected ALPN ${transport.tls.alpnProtocol || 'none'}, not h2`);
  }
  let firstBytes: Buffer | null = null;
  transport.socket.once('data', (b: Buffer) => { firstBytes = b; });

  const tap = createTap(transport.socket, { clock: ctx.clock, role: 'client', record: true });
  const end: ConnectionEnd = { by: 'open', atMs: null, goaway: null };
  let closingByClient = false;
  let closing = false;
  const now = () => ctx.clock.now() - ctx.origin;
  const unsubscribe = tap.onFrame(function onConnectionFrame(e) {
    if (e.dir === 'recv' && e.frame.type === 'GOAWAY' && !end.goaway) {
      closing = true;
      end.goaway = { errorCode: e.frame.errorCode, lastStreamId: e.frame.lastStreamId, debugData: Buffer.from(e.frame.debugData).toString('utf8') };
      if (!closingByClient) { end.by = 'goaway'; end.atMs = now(); }
    }
  });
  const closed = new Promise<void>((resolve) => {
    transport.socket.once('end', () => {
      closing = true;
      if (!closingByClient && end.by === 'open') { end.by = 'fin'; end.atMs = now(); }
    });
    transport.socket.once('error', (err: NodeJS.ErrnoException) => {
      closing = true;
      if (!closingByClient && end.by === 'open') { end.by = err.code === 'ECONNRESET' ? 'reset' : 'fin'; end.atMs = now(); }
    });
    transport.socket.once('close', () => {
      closing = true;
      if (end.by === 'open') { end.by = closingByClient ? 'client' : 'fin'; end.atMs = now(); }
      unsubscribe();
      resolve();
    });
  });

  const session = h2connect(ctx.url, {
    createConnection: () => tap,
    settings: { enablePush: options.enablePush, initialWindowSize: PROBE_STREAM_WINDOW },
  });
  session.on('error', () => {}); // failures surface through streams and `end`
  // Accept and read every pushed stream like a browser would, so the bytes pushed are real
  // (counted from the tap's DATA frames on even streams, RFC 9113 §8.4).
  session.on('stream', function onPushedStream(pushed) {
    pushed.on('error', () => {});
    pushed.resume();
  });
  session.on('goaway', () => { closing = true; });
  session.on('close', () => { closing = true; });

  await boundedStep(`HTTP/2 session with ${where}`, ctx.timeoutMs, () => new Promise<void>((resolve, reject) => {
    const fail = (err?: Error) => reject(prefaceFailure(where, firstBytes, transport.tls !== null, end, err));
    session.once('remoteSettings', () => resolve());
    session.once('error', fail);
    session.once('close', () => fail());
  }), () => session.destroy(), signal);

  // The connection window is not a SETTINGS value: it only grows by WINDOW_UPDATE on stream 0 (RFC 9113 §6.9.2).
  session.setLocalWindowSize(PROBE_CONNECTION_WINDOW);

  const conn: ProbeConnection = {
    index: options.index,
    purpose: options.purpose,
    transport,
    tap,
    session,
    requests: 0,
    streams: 0,
    end,
    get closing() {
      return closing || session.closed || session.destroyed;
    },
    closed,
    async close() {
      if (end.by === 'open') closingByClient = true;
      closing = true;
      if (!session.closed && !session.destroyed) session.close();
      const timer = setTimeout(() => session.destroy(), 1000);
      await closed;
      clearTimeout(timer);
    },
    facts() {
      return { index: conn.index, purpose: conn.purpose, requests: conn.requests, streams: conn.streams, end: { ...end } };
    },
  };
  return conn;
}

export const NGHTTP2_CANCEL = h2.NGHTTP2_CANCEL;
