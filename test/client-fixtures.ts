// Shared servers for the test/client-*.test.ts files: real node:http2 TLS servers on
// 127.0.0.1 port 0 with the test PKI and ways to break them, and a raw HTTP/2 peer written
// with our codec for faults node's server cannot produce.
import http2 from 'node:http2';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { FrameDecoder } from '../src/codec/frame-decoder.js';
import { encodeData, encodeGoaway, encodeHeaders, encodePing, encodeSettings } from '../src/codec/frame-encoder.js';
import { HpackEncoder } from '../src/codec/hpack/encoder.js';
import { SettingId } from '../src/codec/types.js';
import { createTestPki } from './support/certs.js';

export interface TestServer {
  url: string;
  server: http2.Http2SecureServer;
  /** Raw TLS sockets currently open. */
  sockets: Set<net.Socket>;
  /** Server sessions seen so far. */
  sessions: http2.ServerHttp2Session[];
  /** Streams received so far. */
  streams: number;
  /** Closes the listener and destroys every connection without GOAWAY (a dead zone). */
  kill(): Promise<void>;
  close(): Promise<void>;
}

export type Handler = (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, server: TestServer) => void;

export const okHandler: Handler = (stream, headers) => {
  stream.respond({ ':status': 200, 'content-type': 'text/plain' });
  stream.end(`ok ${headers[':path']}`);
};

export function rootCa(): string {
  return createTestPki().rootCert;
}

export async function startServer(handler: Handler = okHandler, settings: http2.Settings = {}, port = 0): Promise<TestServer> {
  const pki = createTestPki();
  const server = http2.createSecureServer({ cert: pki.chain, key: pki.key, settings, allowHTTP1: false });
  const t: TestServer = {
    url: '',
    server,
    sockets: new Set(),
    sessions: [],
    streams: 0,
    kill: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of t.sockets) s.destroy();
      });
    },
    close: async () => {
      for (const s of t.sessions) if (!s.destroyed) s.destroy();
      for (const s of t.sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  // Raw TCP sockets too, so a kill also ends handshakes still in progress.
  server.on('connection', (socket: net.Socket) => {
    t.sockets.add(socket);
    socket.on('close', () => t.sockets.delete(socket));
  });
  server.on('secureConnection', (socket: net.Socket) => {
    t.sockets.add(socket);
    socket.on('close', () => t.sockets.delete(socket));
  });
  server.on('session', (session) => {
    t.sessions.push(session);
    session.on('error', () => {});
  });
  server.on('stream', (stream, headers) => {
    t.streams++;
    stream.on('error', () => {});
    handler(stream, headers, t);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  t.url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return t;
}

/**
 * A raw HTTP/2 peer over cleartext TCP (h2c, prior knowledge), written with our codec, for
 * faults node's own server cannot produce: PINGs never acknowledged, GOAWAY without resetting
 * the streams above its last-stream-id. It speaks just enough HTTP/2: its SETTINGS, SETTINGS
 * ACKs, PING ACKs (unless told not to) and whatever the hooks send.
 */
export interface RawConnection {
  /** 1-based index of the connection on this server. */
  index: number;
  socket: net.Socket;
  /** Sends HEADERS(:status) and one DATA frame with END_STREAM. */
  respond(streamId: number, status: number, body: string): void;
  /** Sends GOAWAY (RFC 9113 §6.8). */
  goaway(lastStreamId: number, errorCode?: number): void;
}

export interface RawPeerHooks {
  /** A request's HEADERS arrived. */
  onRequest(conn: RawConnection, streamId: number): void;
  /** Whether to acknowledge PINGs on this connection. Default true. */
  answerPings?(conn: RawConnection): boolean;
}

export interface RawPeer {
  url: string;
  /** Connections accepted so far. */
  connections: () => number;
  /** PINGs received and not acknowledged. */
  pingsIgnored: () => number;
  close(): Promise<void>;
}

export async function startRawPeer(hooks: RawPeerHooks): Promise<RawPeer> {
  let connections = 0;
  let pingsIgnored = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    const decoder = new FrameDecoder({ expectPreface: true });
    const hpack = new HpackEncoder();
    const conn: RawConnection = {
      index: ++connections,
      socket,
      respond(streamId, status, body) {
        if (socket.destroyed) return;
        socket.write(encodeHeaders(streamId, hpack.encode([{ name: ':status', value: String(status) }])));
        socket.write(encodeData(streamId, Buffer.from(body), { endStream: true }));
      },
      goaway(lastStreamId, errorCode = 0) {
        if (!socket.destroyed) socket.write(encodeGoaway(lastStreamId, errorCode));
      },
    };
    socket.write(encodeSettings([{ id: SettingId.MAX_CONCURRENT_STREAMS, value: 100 }]));
    socket.on('data', (chunk: Buffer) => {
      let frames;
      try {
        frames = decoder.push(chunk);
      } catch {
        socket.destroy();
        return;
      }
      for (const frame of frames) {
        if (frame.type === 'SETTINGS' && !frame.ack) socket.write(encodeSettings([], true));
        else if (frame.type === 'PING' && !frame.ack) {
          if (hooks.answerPings?.(conn) ?? true) socket.write(encodePing(frame.opaqueData, true));
          else pingsIgnored++;
        } else if (frame.type === 'HEADERS') hooks.onRequest(conn, frame.streamId);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections: () => connections,
    pingsIgnored: () => pingsIgnored,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
