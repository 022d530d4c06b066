/**
 * Servers the probe tests run against, each listening on 127.0.0.1 port 0 and closed by the
 * caller. node:http2 servers are configured to misbehave in one way each; where node:http2
 * cannot produce the fault (push after ENABLE_PUSH=0), a raw-frame server writes it by hand.
 */
import http2, { type Http2SecureServer, type Http2Server, type ServerHttp2Stream } from 'node:http2';
import https from 'node:https';
import http from 'node:http';
import net from 'node:net';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants as cryptoConstants } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { createTestPki, type TestPki } from './support/certs.js';
import { encodeData, encodeHeaders, encodePing, encodePushPromise, encodeSettings } from '../src/codec/frame-encoder.js';
import { runCommand } from './support/cli.js';
import { startNghttpd as startNghttpdServer } from './support/nghttpd.js';

export { freePort } from './support/net.js';
export { captureIO } from './support/cli.js';

export const pki = createTestPki();

export interface Running {
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface H2ServerOptions {
  tls?: boolean;
  /** PUSH_PROMISE this many 32 KiB resources before each response. */
  pushes?: number;
  /** Send GOAWAY (session.close()) after this many responses on a session. */
  goawayAfter?: number;
  /** Close the socket without GOAWAY after this many responses. */
  finAfter?: number;
  maxConcurrentStreams?: number;
  initialWindowSize?: number;
  /** Serve the leaf alone (missing intermediate). */
  leafOnly?: boolean;
  /** Turn TLS session tickets off (so nothing can be resumed). */
  noTickets?: boolean;
  /** Reset every Nth stream with this code instead of answering. */
  resetEvery?: { n: number; code: number };
  /** Idle timeout after which the session is closed (GOAWAY). */
  idleCloseMs?: number;
  contentType?: string;
  /** Stop listening once the first connection is in: later connections are refused. */
  oneConnection?: boolean;
  /** Response body size in bytes instead of the small JSON. */
  bodyBytes?: number;
  /** Certificates to serve (default: the shared 30-day test PKI). */
  pki?: TestPki;
}

function addressOf(server: net.Server): number {
  return (server.address() as AddressInfo).port;
}

function closer(server: net.Server, sockets: Set<net.Socket>): () => Promise<void> {
  return () => new Promise((resolve) => {
    for (const s of sockets) s.destroy();
    server.close(() => resolve());
  });
}

/** A node:http2 server (TLS by default) answering every request with a small JSON body. */
export async function startH2Server(options: H2ServerOptions = {}): Promise<Running> {
  const tls = options.tls ?? true;
  const settings = {
    ...(options.maxConcurrentStreams !== undefined ? { maxConcurrentStreams: options.maxConcurrentStreams } : {}),
    ...(options.initialWindowSize !== undefined ? { initialWindowSize: options.initialWindowSize } : {}),
  };
  const server: Http2SecureServer | Http2Server = tls
    ? http2.createSecureServer({
      key: (options.pki ?? pki).key,
      cert: options.leafOnly ? (options.pki ?? pki).leafCert : (options.pki ?? pki).chain,
      settings,
      ...(options.noTickets ? { secureOptions: cryptoConstants.SSL_OP_NO_TICKET } : {}),
    })
    : http2.createServer({ settings });
  const sockets = new Set<net.Socket>();
  const byPort = new Map<number, net.Socket>();
  server.on(tls ? 'secureConnection' : 'connection', (s: net.Socket) => {
    sockets.add(s);
    byPort.set(s.remotePort!, s);
    s.on('close', () => sockets.delete(s));
  });
  const answered = new WeakMap<object, number>();
  const arrivals = new WeakMap<object, number>();
  let streams = 0;
  server.on('session', (session) => {
    session.on('error', () => {});
    if (options.oneConnection) server.close();
    if (options.idleCloseMs) session.setTimeout(options.idleCloseMs, () => session.close());
  });
  server.on('stream', (stream: ServerHttp2Stream) => {
    stream.on('error', () => {});
    streams++;
    if (options.resetEvery && streams % options.resetEvery.n === 0) {
      stream.close(options.resetEvery.code);
      return;
    }
    // stream.session is cleared once the stream closes: keep it now.
    const session = stream.session!;
    const streamId = stream.id!;
    const arrived = (arrivals.get(session) ?? 0) + 1;
    arrivals.set(session, arrived);
    // Past the FIN point a real server would never see these: leave them for the FIN to cut.
    if (options.finAfter && arrived > options.finAfter) return;
    for (let i = 0; i < (options.pushes ?? 0) && stream.pushAllowed; i++) {
      stream.pushStream({ ':path': `/static/asset-${i}.js` }, (err, pushed) => {
        if (err) return;
        pushed.on('error', () => {});
        pushed.respond({ ':status': 200, 'content-type': 'application/javascript' });
        pushed.end(Buffer.alloc(32 * 1024, 0x61));
      });
    }
    const reply = () => {
      stream.respond({ ':status': 200, 'content-type': options.contentType ?? 'application/json' });
      stream.end(options.bodyBytes ? Buffer.alloc(options.bodyBytes, 0x7b) : '{"ok":true}');
    };
    // Read any request body first, so uploads exercise the server's flow-control windows.
    stream.resume();
    stream.on('end', reply);
    stream.on('close', () => {
      const n = (answered.get(session) ?? 0) + 1;
      answered.set(session, n);
      if (options.goawayAfter && n % options.goawayAfter === 0 && !session.closed) {
        // GOAWAY naming the last stream processed (RFC 9113 §6.8): later streams are refused.
        session.goaway(http2.constants.NGHTTP2_NO_ERROR, streamId);
        session.close();
      }
      if (options.finAfter && n % options.finAfter === 0) {
        const raw = byPort.get((session.socket as unknown as TLSSocket).remotePort!);
        // Let the answered responses reach the socket first, then FIN with no GOAWAY.
        setTimeout(() => raw?.end(), 20);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = addressOf(server);
  return { url: `${tls ? 'https' : 'http'}://localhost:${port}/api/orders`, port, close: closer(server, sockets) };
}

/** HTTP/1.1 only: https with ALPN http/1.1, or plain http (for an h2c probe). */
export async function startHttp1Server(tls: boolean): Promise<Running> {
  const handler = (_req: http.IncomingMessage, res: http.ServerResponse) => res.end('hello');
  const server = tls ? https.createServer({ key: pki.key, cert: pki.chain, ALPNProtocols: ['http/1.1'] }, handler) : http.createServer(handler);
  const sockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = addressOf(server);
  return { url: `${tls ? 'https' : 'http'}://localhost:${port}/`, port, close: closer(server, sockets) };
}

/** Accepts TCP and never says a word. */
export async function startSilentServer(): Promise<Running> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => { sockets.add(s); s.on('error', () => {}); s.on('close', () => sockets.delete(s)); });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = addressOf(server);
  return { url: `http://127.0.0.1:${port}/`, port, close: closer(server, sockets) };
}

/** HPACK `:status: 200`, static table index 8 (RFC 7541 Appendix A). */
const STATUS_200 = Uint8Array.of(0x88);

/** HPACK literal without indexing, indexed name (RFC 7541 §6.2.2), short values only. */
function literal(nameIndex: number, value: string): Buffer {
  return Buffer.concat([Buffer.from([nameIndex, value.length]), Buffer.from(value, 'latin1')]);
}

/**
 * Raw h2c server that pushes on every request whatever the client's SETTINGS_ENABLE_PUSH says,
 * which RFC 9113 §8.4 forbids and node:http2 refuses to do.
 */
export async function startPushIgnoringServer(): Promise<Running> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    socket.write(encodeSettings([]));
    let buf = Buffer.alloc(0);
    let prefaceSeen = false;
    let promised = 2;
    socket.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      if (!prefaceSeen) {
        if (buf.length < 24) return;
        buf = buf.subarray(24);
        prefaceSeen = true;
      }
      while (buf.length >= 9) {
        const len = buf.readUIntBE(0, 3);
        if (buf.length < 9 + len) break;
        const type = buf[3]!, flags = buf[4]!, streamId = buf.readUInt32BE(5) & 0x7fffffff;
        const payload = buf.subarray(9, 9 + len);
        buf = buf.subarray(9 + len);
        if (type === 0x4 && (flags & 0x1) === 0) socket.write(encodeSettings([], true));
        if (type === 0x6 && (flags & 0x1) === 0) socket.write(encodePing(payload, true));
        if (type === 0x1 && (flags & 0x4) !== 0) {
          const p = promised;
          promised += 2;
          const block = Buffer.concat([Buffer.from([0x82, 0x86]), literal(0x04, '/style.css'), literal(0x01, 'localhost')]);
          socket.write(encodePushPromise(streamId, p, block));
          socket.write(encodeHeaders(streamId, STATUS_200));
          socket.write(encodeData(streamId, Buffer.from('{}'), { endStream: true }));
          if (!socket.destroyed) {
            socket.write(encodeHeaders(p, STATUS_200));
            socket.write(encodeData(p, Buffer.from('body{}'), { endStream: true }));
          }
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = addressOf(server);
  return { url: `http://127.0.0.1:${port}/api`, port, close: closer(server, sockets) };
}

/** nghttpd serving a small JSON file, h2c or TLS, optionally pushing a stylesheet with it (`-p`). */
export async function startNghttpd(options: { push?: boolean; tls?: boolean } = {}): Promise<Running> {
  const server = await startNghttpdServer({
    files: { 'api.json': '{"ok":true}', 'style.css': 'body{}'.repeat(2000) },
    ...(options.push ? { push: { '/api.json': ['/style.css'] } } : {}),
    ...(options.tls ? { tls: { key: pki.key, cert: pki.chain } } : {}),
  });
  return { url: `${options.tls ? 'https' : 'http'}://localhost:${server.port}/api.json`, port: server.port, close: server.stop };
}

/** Writes the test root CA to a file for `--ca`. */
export function rootCaFile(): { path: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'h2doctor-ca-'));
  const path = join(dir, 'root.pem');
  writeFileSync(path, pki.rootCert);
  return { path, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Runs `h2doctor probe …` in-process the way main() does (the registry line is the lead's):
 * the command's exit code, or the error mapped by describeFailure.
 */
export async function runProbeCli(argv: string[]): Promise<{ code: number; out: string; err: string; ms: number }> {
  const { command } = await import('../src/cli/commands/probe.js');
  const t = performance.now();
  const run = await runCommand(command, argv);
  return { ...run, ms: performance.now() - t };
}
