import { connect as netConnect, type Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Clock } from '../clock.js';
import { ConfigError } from '../errors.js';

// node:tls (and the crypto it pulls in) is loaded by `prepareDial` only for an https:// target:
// an h2c bench never pays its few ms of start-up CPU.
let tls: typeof import('node:tls') | undefined;

/** Loads what dialling `url` needs; call (and await) it before the first `dial`, which is synchronous. */
export async function prepareDial(url: URL): Promise<void> {
  if (url.protocol === 'https:') tls ??= await import('node:tls');
}

/**
 * Opens the bench's TCP or TLS socket and times it. h2c (http://) is plain TCP with prior
 * knowledge (RFC 9113 §3.3); https:// offers only ALPN `h2` (§3.2), and the caller checks
 * what was chosen.
 */
export interface DialCallbacks {
  /** TCP connected (and for TLS, the handshake finished). `alpn` is '' for h2c. */
  connected(connectMs: number, tlsMs: number, alpn: string): void;
  /** Bytes read; only valid during the call (the buffer is reused for the next read). */
  data(chunk: Uint8Array): void;
}

export interface DialOptions {
  insecure: boolean;
  ca?: string | Buffer;
}

/** Bytes per socket read (h2c). */
const READ_BUFFER = 64 * 1024;

/** Starts connecting; socket 'error' and 'close' are the caller's to listen to. */
export function dial(url: URL, o: DialOptions, clock: Clock, cb: DialCallbacks): Socket {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  const t0 = clock.now();
  let socket: Socket;
  if (url.protocol === 'https:') {
    let tcpAt = t0;
    if (tls === undefined) throw new ConfigError('https:// target dialled before prepareDial loaded node:tls');
    const socketTls: TLSSocket = tls.connect({
      host, port, ALPNProtocols: ['h2'], rejectUnauthorized: !o.insecure, ca: o.ca,
      // SNI carries host names only (RFC 6066 §3), never IP literals.
      servername: /^[\d.]+$|:/.test(host) ? undefined : host,
    });
    socketTls.once('connect', () => (tcpAt = clock.now()));
    socketTls.once('secureConnect', () => cb.connected(tcpAt - t0, clock.now() - tcpAt, socketTls.alpnProtocol || ''));
    socketTls.on('data', (chunk: Buffer) => cb.data(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length)));
    socket = socketTls;
  } else {
    const readBuffer = Buffer.allocUnsafe(READ_BUFFER);
    // A plain Uint8Array view: the decoder's payload views are then cheap Uint8Arrays, not Buffers.
    const readView = new Uint8Array(readBuffer.buffer, readBuffer.byteOffset, READ_BUFFER);
    // `onread` hands each read to us in one reused buffer, bypassing the stream machinery
    // (no Buffer per read, no 'data' event): a measurable share of the CPU per request.
    // Safe because the frame decoder copies any frame that spans two reads.
    socket = netConnect({ host, port, onread: { buffer: readBuffer, callback: (n: number) => (cb.data(readView.subarray(0, n)), true) } });
    socket.once('connect', () => cb.connected(clock.now() - t0, 0, ''));
  }
  socket.setNoDelay(true);
  return socket;
}
