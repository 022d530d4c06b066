// Shared servers for the test/client-*.test.ts files: real node:http2 TLS servers on
// 127.0.0.1 port 0 with the test PKI, and ways to break them.
import http2 from 'node:http2';
import type net from 'node:net';
import type { AddressInfo } from 'node:net';
import { createTestPki } from '../src/lab/certs.js';

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
