import http2 from 'node:http2';
import { once } from 'node:events';
import type { AddressInfo, Socket } from 'node:net';
import type { LabPki } from './certs.js';

/**
 * The TLS h2 listener the lab's services share: the full chain from the lab PKI, no HTTP/1
 * fallback, a stream limit high enough that the limit is never what the lab measures, and
 * socket tracking so a service can die abruptly (no GOAWAY) or close fast.
 */
export interface LabServer {
  server: http2.Http2SecureServer;
  port: number;
  /** https://127.0.0.1:PORT */
  url: string;
  /** TLS connections accepted so far. */
  connections(): number;
  /** Abrupt death: listener closed, every socket destroyed. Idempotent. */
  kill(): void;
  /** Stops listening, destroys open sockets and waits for the listener to close. */
  close(): Promise<void>;
}

export async function startLabServer(pki: LabPki, port = 0): Promise<LabServer> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  let dead = false;
  const server = http2.createSecureServer({ key: pki.key, cert: pki.chain, allowHTTP1: false, settings: { maxConcurrentStreams: 1000 } });
  server.on('secureConnection', (socket: Socket) => {
    accepted++;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  // Peers that vanish mid-stream are part of what the lab does; their errors are expected.
  server.on('sessionError', () => {});
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  const bound = (server.address() as AddressInfo).port;
  const closed = new Promise<void>((resolve) => server.once('close', () => resolve()));
  const kill = () => {
    if (dead) return;
    dead = true;
    server.close();
    for (const s of sockets) s.destroy();
  };
  return {
    server,
    port: bound,
    url: `https://127.0.0.1:${bound}`,
    connections: () => accepted,
    kill,
    async close() {
      kill();
      await closed;
    },
  };
}
