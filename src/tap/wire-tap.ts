/**
 * The wire tap: a Duplex that node:http2 uses as its socket, in front of the real one.
 *
 *   node:http2  ⇄  WireTap  ⇄  net.Socket | tls.TLSSocket  ⇄  peer
 *
 * Bytes pass through unchanged in both directions, and a copy of each chunk is decoded into
 * timed frame events (send: what node:http2 wrote; recv: what the peer wrote). node:http2 wraps
 * any non-native Duplex in its own JS stream socket, so the tap only has to be a well-behaved
 * Duplex that reports `connecting` and emits `connect`, plus the socket properties a session
 * reads through `session.socket` (addresses, timeouts, keepalive).
 *
 * A client: `http2.connect(url, { createConnection: () => createTap(net.connect(...)) })`.
 * A server: wrap an accepted socket, `createTap(socket, { role: 'server' })`, and hand it to
 * `server.emit('connection', tap)`.
 */
import { Duplex } from 'node:stream';
import { TLSSocket } from 'node:tls';
import type { Socket } from 'node:net';
import { monotonicClock, type Clock } from '../clock.js';
import { TapDecoder, type TapDecodeError, type TapDirection, type TapEvent } from './tap-decoder.js';
import { readTlsFacts, type TlsFacts } from './tls-facts.js';

export interface TapOptions {
  /** Time source for event timestamps. Default: the monotonic clock. */
  clock?: Clock;
  /** Which endpoint the tap sits on. Default `client`. */
  role?: 'client' | 'server';
  /** Keep every event in `events` (and every decode error in `decodeErrors`). Default false. */
  record?: boolean;
  /** Keep DATA payload bytes in events. Default true; false leaves `data` empty. */
  keepData?: boolean;
}

/** Byte counters: what crossed the tap in each direction. */
export interface TapBytes {
  /** Written by the tapped endpoint towards its peer. */
  sent: number;
  /** Received from the peer. */
  received: number;
}

/**
 * The tap under a node:http2 session, or null. node:http2 wraps a Duplex that is not a native
 * stream in its internal JS stream socket, whose `stream` property is the Duplex it wraps; so
 * `session.socket` is that wrapper, and reads addresses as undefined. Read them from the tap.
 */
export function tapOf(session: { socket: unknown }): WireTap | null {
  const socket = session.socket as { stream?: unknown } | null | undefined;
  const stream = socket?.stream;
  return stream instanceof WireTap ? stream : null;
}

/** Creates a tap around `inner`. See {@link WireTap}. */
export function createTap(inner: Socket | TLSSocket, options: TapOptions = {}): WireTap {
  return new WireTap(inner, options);
}

export class WireTap extends Duplex {
  /** The real socket under the tap. */
  readonly inner: Socket | TLSSocket;
  /** Every frame event, in order, when created with `record: true`; otherwise empty. */
  readonly events: TapEvent[] = [];
  /** Every decode error (at most one per direction), when created with `record: true`. */
  readonly decodeErrors: TapDecodeError[] = [];
  /** Bytes that crossed the tap so far. */
  readonly bytes: TapBytes = { sent: 0, received: 0 };

  /** Frame decoders for both directions. */
  private readonly decoder: TapDecoder;
  /** Injected time source; `t` of each event is `clock.now() - origin`. */
  private readonly clock: Clock;
  /** Clock reading when the tap was created. */
  private readonly origin: number;
  private readonly record: boolean;
  private readonly frameListeners = new Set<(e: TapEvent) => void>();
  private readonly errorListeners = new Set<(e: TapDecodeError) => void>();
  /** Inner socket is connected (and, for TLS clients, the handshake finished). */
  private ready: boolean;
  /** Callback of a write the inner socket has not yet drained; called on drain or close. */
  private pendingWrite: ((err?: Error | null) => void) | null = null;

  constructor(inner: Socket | TLSSocket, options: TapOptions = {}) {
    // allowHalfOpen: the inner socket decides when a received FIN ends its own writable side;
    // the tap mirrors what the inner socket does rather than adding its own rule.
    super({ allowHalfOpen: true });
    this.inner = inner;
    this.clock = options.clock ?? monotonicClock;
    this.origin = this.clock.now();
    this.record = options.record ?? false;
    this.decoder = new TapDecoder({ role: options.role ?? 'client', keepData: options.keepData ?? true });
    this.ready = !innerConnecting(inner);
    this.attach();
  }

  /** Subscribes to decoded frames; returns the unsubscribe function. */
  onFrame(listener: (e: TapEvent) => void): () => void {
    this.frameListeners.add(listener);
    return () => this.frameListeners.delete(listener);
  }

  /** Subscribes to decode errors (decoding of that direction has stopped); returns the unsubscribe. */
  onDecodeError(listener: (e: TapDecodeError) => void): () => void {
    this.errorListeners.add(listener);
    return () => this.errorListeners.delete(listener);
  }

  /** Milliseconds since the tap was created, on the injected clock. */
  elapsed(): number {
    return this.clock.now() - this.origin;
  }

  /** ALPN, TLS version, cipher, resumption and the peer chain; null when the inner socket is plain TCP. */
  tlsFacts(): TlsFacts | null {
    return readTlsFacts(this.inner);
  }

  /** True until the inner socket is connected (and its TLS handshake done): node:http2 waits for `connect`. */
  get connecting(): boolean {
    return !this.ready;
  }

  // ------------------------------------------------------------ socket properties node:http2 and users read

  get remoteAddress(): string | undefined {
    return this.inner.remoteAddress;
  }
  get remotePort(): number | undefined {
    return this.inner.remotePort;
  }
  get remoteFamily(): string | undefined {
    return this.inner.remoteFamily;
  }
  get localAddress(): string | undefined {
    return this.inner.localAddress;
  }
  get localPort(): number | undefined {
    return this.inner.localPort;
  }
  /** The TLS server name the client asked for, when the inner socket is TLS. */
  get servername(): string | false | undefined {
    return this.inner instanceof TLSSocket ? (this.inner as TLSSocket & { servername?: string | false }).servername : undefined;
  }
  address(): ReturnType<Socket['address']> {
    return this.inner.address();
  }
  setNoDelay(noDelay?: boolean): this {
    this.inner.setNoDelay(noDelay);
    return this;
  }
  setKeepAlive(enable?: boolean, initialDelay?: number): this {
    this.inner.setKeepAlive(enable, initialDelay);
    return this;
  }
  /** Idle timeout on the inner socket; its `timeout` event is re-emitted by the tap. */
  setTimeout(ms: number, callback?: () => void): this {
    this.inner.setTimeout(ms);
    if (callback) {
      if (ms === 0) this.removeListener('timeout', callback);
      else this.once('timeout', callback);
    }
    return this;
  }
  ref(): this {
    this.inner.ref();
    return this;
  }
  unref(): this {
    this.inner.unref();
    return this;
  }

  // ------------------------------------------------------------ Duplex plumbing

  override _read(): void {
    // Backpressure towards the peer: the inner socket was paused when our buffer filled.
    this.inner.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
    this.observe('send', chunk);
    this.forward(chunk, callback);
  }

  override _writev(chunks: { chunk: Buffer }[], callback: (err?: Error | null) => void): void {
    for (const { chunk } of chunks) this.observe('send', chunk);
    this.inner.cork();
    let drained = true;
    for (const { chunk } of chunks) drained = this.inner.write(chunk);
    this.inner.uncork();
    this.afterWrite(drained, callback);
  }

  override _final(callback: (err?: Error | null) => void): void {
    if (this.inner.writableEnded || this.inner.destroyed) {
      callback();
      return;
    }
    this.inner.end(() => callback());
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    this.releaseWrite(err ?? null);
    if (!this.inner.destroyed) this.inner.destroy();
    callback(err);
  }

  private forward(chunk: Buffer, callback: (err?: Error | null) => void): void {
    this.afterWrite(this.inner.write(chunk), callback);
  }

  /** Backpressure towards node:http2: its write completes when the inner socket has room. */
  private afterWrite(drained: boolean, callback: (err?: Error | null) => void): void {
    if (drained) callback();
    else this.pendingWrite = callback;
  }

  /** Completes a write held for drain. */
  private releaseWrite(err: Error | null = null): void {
    const cb = this.pendingWrite;
    this.pendingWrite = null;
    cb?.(err);
  }

  /** The inner socket is connected: node:http2 starts its session on `connect`. */
  private markReady(): void {
    if (this.ready) return;
    this.ready = true;
    // node:http2 waits for `connect` (the tap is no TLSSocket to it); a TLS inner socket's
    // `secureConnect` is passed on as well, for callers that wait on that.
    this.emit('connect');
    if (this.inner instanceof TLSSocket) this.emit('secureConnect');
    this.emit('ready');
  }

  /** Decodes a chunk that crossed the tap and tells the subscribers. */
  private observe(dir: TapDirection, chunk: Uint8Array): void {
    if (dir === 'send') this.bytes.sent += chunk.length;
    else this.bytes.received += chunk.length;
    if (!this.decoder.decoding(dir)) return;
    const { events, error } = this.decoder.push(dir, chunk, this.elapsed());
    for (const e of events) {
      if (this.record) this.events.push(e);
      for (const listener of this.frameListeners) listener(e);
    }
    if (error) {
      if (this.record) this.decodeErrors.push(error);
      for (const listener of this.errorListeners) listener(error);
    }
  }

  /** Wires the inner socket's events to the tap. Listeners are named so stack traces read well. */
  private attach(): void {
    const tap = this;
    const inner = this.inner;
    // node:http2 reads `connecting` synchronously: a socket already connected needs no event.
    if (tap.connecting) {
      inner.once(inner instanceof TLSSocket ? 'secureConnect' : 'connect', function onInnerConnect() {
        tap.markReady();
      });
    }

    inner.on('data', function onInnerData(chunk: Buffer) {
      tap.observe('recv', chunk);
      // Backpressure towards the peer: stop reading until node:http2 asks for more (_read).
      if (!tap.push(chunk)) inner.pause();
    });
    let innerEnded = false;
    inner.on('end', function onInnerEnd() {
      innerEnded = true;
      tap.push(null);
    });
    inner.on('drain', function onInnerDrain() {
      tap.releaseWrite();
    });
    inner.on('timeout', function onInnerTimeout() {
      tap.emit('timeout');
    });
    inner.on('error', function onInnerError(err: Error) {
      tap.destroy(err);
    });
    inner.on('close', function onInnerClose() {
      tap.releaseWrite();
      if (tap.destroyed) return;
      // After a clean FIN, let node:http2 read what is buffered (and see the end) before the tap
      // closes behind it; after a reset there is nothing more to deliver.
      if (innerEnded && !tap.readableEnded && tap.readableFlowing === true) tap.once('end', () => tap.destroy());
      else tap.destroy();
    });
  }
}

/** A plain socket still connecting, or a TLS client socket whose handshake is not done. */
function innerConnecting(inner: Socket | TLSSocket): boolean {
  if (inner.connecting) return true;
  return inner instanceof TLSSocket && (inner as TLSSocket & { secureConnecting?: boolean }).secureConnecting === true;
}
