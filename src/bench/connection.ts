import type { Socket } from 'node:net';
import { FrameDecoder } from '../codec/frame-decoder.js';
import { encodeGoaway, encodePing, encodeRstStream, encodeSettings, encodeWindowUpdate } from '../codec/frame-encoder.js';
import { HpackDecoder } from '../codec/hpack/decoder.js';
import { DEFAULT_INITIAL_WINDOW_SIZE, DEFAULT_MAX_FRAME_SIZE, SettingId, type Frame, type Setting } from '../codec/types.js';
import { CodecError, ConfigError, ConnectionClosedError, H2DoctorError, H2ErrorCode, NotHttp2Error, fromSystemError } from '../errors.js';
import type { BenchOptions } from './options.js';
import { Outcome, type ConnectionRecord, type OutcomeCode } from './recorder.js';
import type { ConnectionOwner } from './connection-owner.js';
import { dial } from './dial.js';
import { ConnectionHealth } from './connection-health.js';
import { grpcStatusFromRstCode, streamEndOutcome } from './grpc-call.js';
import { statusOf } from './response-status.js';
import { patchStreamId, writeRequestBody, type RequestTemplate } from './request-template.js';
import { WriteBatch } from './write-batch.js';
import { afterServerPreface, alpnNotH2, answeredWithHttp1, clientPreface, handshakeTimeout, serverClosedError } from './handshake.js';
import type { StreamSlot } from './stream-slot.js';
import { PushStreams } from './push-streams.js';

/**
 * One HTTP/2 connection driven directly with the codec: no node:http2 session, no stream
 * objects. Requests are written from a pre-encoded template; responses are decoded frame by
 * frame and reported to the owner (the engine) as plain numbers.
 */

export type { ConnectionOwner };

type State = 'connecting' | 'handshake' | 'open' | 'draining' | 'closed';

const MAX_STREAM_ID = 2 ** 31 - 1;

export class BenchConnection {
  state: State = 'connecting';
  /** TCP connect and TLS handshake times, ms. */
  connectMs = 0;
  tlsMs = 0;
  /** ALPN protocol chosen (TLS only). */
  alpn = '';
  /** Requests started on this connection (for --requests-per-connection). */
  issued = 0;
  /** Streams open now. */
  active = 0;
  /** min(-m, the server's SETTINGS_MAX_CONCURRENT_STREAMS). */
  maxStreams: number;
  /** Bytes read. */
  bytesIn = 0;
  /** Clock reading when `open` was called. */
  openedAt = 0;
  /** The engine's statistics row for this connection (set when it is ready). */
  record: ConnectionRecord | undefined;
  private socket!: Socket;
  private batch!: WriteBatch;
  private readonly decoder: FrameDecoder;
  private readonly hpackDecoder: HpackDecoder;
  private template: RequestTemplate | undefined;
  /** `-i`: one template per target, sent round-robin from `targetOffset`; undefined with one target. */
  private targetTemplates: RequestTemplate[] | undefined;
  /** `-i`: the target this connection's first request carries (spreads targets over connections). */
  readonly targetOffset: number;
  private readonly streams = new Map<number, StreamSlot>();
  private readonly pool: StreamSlot[] = [];
  /** Server push: promised streams, and the last-stream-id of our GOAWAY (push-streams.ts). */
  private readonly push: PushStreams;
  private nextStreamId = 1;
  /** Send side: connection window and the server's initial stream window (only bodies use them). */
  private sendWindow = DEFAULT_INITIAL_WINDOW_SIZE;
  private peerInitialWindow = DEFAULT_INITIAL_WINDOW_SIZE;
  private peerMaxFrameSize = DEFAULT_MAX_FRAME_SIZE;
  private handshakeTimer: NodeJS.Timeout | undefined;
  private sawBytes = false;
  /** Connection receive window and the client health check (connection-health.ts). */
  private readonly health: ConnectionHealth;

  constructor(readonly id: number, private readonly o: BenchOptions, private readonly owner: ConnectionOwner) {
    this.maxStreams = o.streams;
    this.targetOffset = o.targets !== undefined ? id % o.targets.length : 0;
    this.hpackDecoder = new HpackDecoder({ maxTableSize: o.headerTableSize });
    this.decoder = new FrameDecoder({ headerDecoder: this.hpackDecoder });
    this.push = new PushStreams(o, this, owner);
    this.health = new ConnectionHealth(o, owner, {
      append: (bytes) => this.batch.append(bytes),
      flush: () => this.batch.flush(),
      live: () => this.state === 'open' || this.state === 'draining',
      abandon: (why) => this.abandon(why),
    });
  }

  /** Opens the socket; the owner hears `ready` or `closed`. */
  open(): void {
    const { url } = this.o;
    this.openedAt = this.owner.clock.now();
    this.socket = dial(url, this.o, this.owner.clock, {
      connected: (connectMs, tlsMs, alpn) => {
        this.connectMs = connectMs;
        this.tlsMs = tlsMs;
        this.alpn = alpn;
        const notH2 = alpnNotH2(url, alpn);
        if (notH2 !== undefined) this.fail(notH2);
        else this.start();
      },
      data: (chunk) => this.onData(chunk),
    });
    this.batch = new WriteBatch(this.socket);
    this.socket.on('error', (err) => this.fail(fromSystemError(err, `${this.state === 'connecting' ? 'connect' : 'connection to'} ${url.host}`)));
    this.socket.on('close', () => this.onSocketClose());
    this.handshakeTimer = handshakeTimeout(this.o, (err) => this.fail(err));
  }

  /** Sends the preface, our SETTINGS and the connection window (handshake.ts). */
  private start(): void {
    this.state = 'handshake';
    for (const chunk of clientPreface(this.o)) this.batch.append(chunk);
    this.health.prefaceSent();
    this.batch.flush();
  }

  private onData(chunk: Uint8Array): void {
    this.bytesIn += chunk.length;
    if (!this.sawBytes) {
      this.sawBytes = true;
      if (answeredWithHttp1(chunk)) {
        this.fail(new NotHttp2Error(`${this.o.url.host}: the server answered with HTTP/1.x: it does not speak HTTP/2 with prior knowledge (h2c)`));
        return;
      }
    }
    let frames: Frame[];
    try {
      frames = this.decoder.push(chunk);
    } catch (err) {
      if (this.state === 'handshake') {
        this.fail(new NotHttp2Error(`${this.o.url.host}: the server's first bytes are not HTTP/2 frames (${(err as Error).message})`, { cause: err }));
      } else {
        this.connectionError(err as H2DoctorError);
      }
      return;
    }
    const now = this.owner.clock.now();
    for (let i = 0; i < frames.length && this.state !== 'closed'; i++) this.onFrame(frames[i]!, now);
    if (this.state === 'closed') return;
    this.owner.slotsFreed(this, now);
    this.batch.flush();
  }

  private onFrame(f: Frame, now: number): void {
    switch (f.type) {
      case 'HEADERS': {
        const s = this.streams.get(f.streamId);
        if (s === undefined) {
          this.push.headers(f.streamId, f.endStream);
          return;
        }
        this.owner.bodyBytes(0, f.length);
        if (s.status === 0) {
          const status = statusOf(f.headers);
          // 1xx responses are interim (RFC 9110 §15.2): the final HEADERS follows.
          if (status >= 200 || status === 0) {
            s.status = status;
            s.firstByteAt = now;
          }
        }
        if (f.endStream) this.finish(f.streamId, s, now, streamEndOutcome(s, f.headers, this.o.grpc !== undefined));
        return;
      }
      case 'DATA': {
        this.health.data(f.streamId, f.length, now);
        const s = this.streams.get(f.streamId);
        if (s !== undefined) {
          this.owner.bodyBytes(f.data.length, 0);
          if (f.endStream) {
            this.finish(f.streamId, s, now, streamEndOutcome(s, undefined, this.o.grpc !== undefined));
          } else if ((s.unacked += f.length) >= this.o.windowSize / 2) {
            this.batch.append(encodeWindowUpdate(f.streamId, s.unacked));
            s.unacked = 0;
          }
        } else this.push.data(f.streamId, f.length, f.data.length, f.endStream, this.batch);
        return;
      }
      case 'RST_STREAM': {
        const s = this.streams.get(f.streamId);
        if (s !== undefined) {
          this.owner.resetReceived(this, f.errorCode);
          s.grpc = grpcStatusFromRstCode(f.errorCode); // used with --grpc only
          this.finish(f.streamId, s, now, Outcome.RESET);
        } else this.push.reset(f.streamId);
        return;
      }
      case 'PUSH_PROMISE': {
        const parent = this.streams.get(f.streamId);
        if (parent !== undefined) parent.pushes++;
        const refused = this.push.promised(f.promisedStreamId, this.batch);
        if (refused !== undefined) this.connectionError(refused, H2ErrorCode.PROTOCOL_ERROR);
        return;
      }
      case 'SETTINGS':
        if (!f.ack) this.onSettings(f.settings);
        return;
      case 'PING':
        if (!f.ack) this.batch.append(encodePing(f.opaqueData, true));
        else this.health.pingAck(now);
        return;
      case 'GOAWAY':
        this.onGoaway(f.errorCode, f.lastStreamId, f.debugData);
        return;
      case 'WINDOW_UPDATE':
        if (f.streamId === 0) this.sendWindow += f.windowSizeIncrement;
        return;
      default:
        return;
    }
  }

  private onSettings(settings: Setting[]): void {
    for (const { id, value } of settings) {
      if (id === SettingId.MAX_CONCURRENT_STREAMS) this.maxStreams = Math.min(this.o.streams, value);
      else if (id === SettingId.INITIAL_WINDOW_SIZE) this.peerInitialWindow = value;
      else if (id === SettingId.MAX_FRAME_SIZE) this.peerMaxFrameSize = value;
    }
    this.batch.append(encodeSettings([], true));
    if (this.state !== 'handshake') return;
    // The first SETTINGS is the server's preface (RFC 9113 §3.4): now we know its limits.
    clearTimeout(this.handshakeTimer);
    const templates = afterServerPreface(this.o, settings, this.targetOffset, this.peerInitialWindow, this.peerMaxFrameSize);
    if (templates instanceof ConfigError) {
      this.fail(templates);
      return;
    }
    this.template = templates.template;
    this.targetTemplates = templates.targets;
    this.state = 'open';
    this.health.opened();
    this.owner.ready(this);
  }

  /**
   * The client gives up on this connection: its requests go back to the front of the queue
   * (sent again on another connection), then it closes.
   */
  private abandon(why: string): void {
    this.requeue([...this.streams]);
    this.owner.health('abandoned-ping', 1);
    this.close(`abandoned: ${why}`);
  }

  /** Starts as many waiting requests as free stream slots allow (`now`: the caller's clock reading); the owner flushes after. */
  startStreams(now: number): void {
    if (this.state !== 'open') return;
    const limit = this.o.requestsPerConnection;
    const body = this.o.body;
    while (this.active < this.maxStreams && (limit === 0 || this.issued < limit)) {
      if (this.nextStreamId > MAX_STREAM_ID) break;
      if (body !== undefined && this.sendWindow < body.length) break;
      const startedAt = this.owner.takePending();
      if (startedAt !== startedAt) break; // NaN: nothing waits
      const id = this.nextStreamId;
      this.nextStreamId += 2;
      const first = this.issued === 0;
      if (this.targetTemplates !== undefined) this.template = this.targetTemplates[(this.issued + this.targetOffset) % this.targetTemplates.length];
      const frame = first ? this.template!.first : this.template!.repeat;
      const [buf, at] = this.batch.reserve(frame.length);
      // A repeat HEADERS frame is a few dozen bytes: a plain loop beats TypedArray#set's setup.
      if (frame.length <= 64) for (let i = 0; i < frame.length; i++) buf[at + i] = frame[i]!;
      else buf.set(frame, at);
      patchStreamId(buf, at, first ? this.template!.firstIdOffsets : this.template!.repeatIdOffsets, id);
      this.batch.commit(frame.length);
      if (body !== undefined) {
        writeRequestBody(this.batch, id, body, this.peerMaxFrameSize);
        this.sendWindow -= body.length;
      }
      this.issued++;
      this.active++;
      const s = this.pool.pop() ?? { startedAt: 0, sentAt: 0, firstByteAt: NaN, status: 0, pushes: 0, unacked: 0, grpc: -1 };
      s.startedAt = startedAt;
      s.sentAt = now;
      s.firstByteAt = NaN;
      s.status = 0;
      s.pushes = 0;
      s.unacked = 0;
      s.grpc = -1;
      this.streams.set(id, s);
    }
    if (this.active === 0 && ((limit > 0 && this.issued >= limit) || this.nextStreamId > MAX_STREAM_ID)) this.close('limit');
  }

  flush(): void {
    if (this.state !== 'closed') this.batch.flush();
  }

  /** Bytes written so far. */
  get bytesOut(): number {
    return this.batch?.written ?? 0;
  }

  private finish(id: number, s: StreamSlot, now: number, outcome: OutcomeCode): void {
    this.streams.delete(id);
    this.active--;
    this.owner.requestDone(this, id, s.startedAt, s.sentAt, s.firstByteAt, now, s.status, outcome, s.pushes, s.grpc);
    this.pool.push(s);
    if (this.state === 'draining' && this.active === 0) this.close('goaway');
    else if (this.active === 0 && this.o.requestsPerConnection > 0 && this.issued >= this.o.requestsPerConnection) this.close('limit');
  }

  /**
   * Resets streams with no complete response after `timeoutMs` on this connection, or
   * `callTimeoutMs` since the request first started (retries included; 0 = none): timeouts.
   */
  sweepTimeouts(now: number, timeoutMs: number, callTimeoutMs: number): void {
    if (this.state !== 'open' && this.state !== 'draining') return;
    let any = false;
    for (const [id, s] of this.streams) {
      if ((timeoutMs === 0 || now - s.sentAt < timeoutMs) && (callTimeoutMs === 0 || now - s.startedAt < callTimeoutMs)) continue;
      this.batch.append(encodeRstStream(id, H2ErrorCode.CANCEL));
      this.finish(id, s, now, Outcome.TIMEOUT);
      any = true;
      // finish() may have closed the connection (--requests-per-connection reached).
      if ((this.state as State) === 'closed') return;
    }
    if (any) {
      this.owner.slotsFreed(this, now);
      this.flush();
    }
  }

  /** RFC 9113 §6.8: streams above last-stream-id were never processed, so they are safe to retry elsewhere. */
  private onGoaway(code: number, lastStreamId: number, debugData: Uint8Array): void {
    if (this.state === 'open') this.state = 'draining';
    const retry: [number, StreamSlot][] = [];
    for (const [id, s] of this.streams) if (id > lastStreamId) retry.push([id, s]);
    this.requeue(retry);
    // The owner hears it after the requeue, so it can open the replacement for those requests.
    this.owner.goawayReceived(this, code, lastStreamId, Buffer.from(debugData).toString('utf8'));
    if (this.active === 0) this.close('goaway');
  }

  /** Takes these streams off the connection and puts their requests back at the front of the queue, in their original order. */
  private requeue(retry: [number, StreamSlot][]): void {
    // Last first: each goes in front of the one before it, so the oldest ends up first.
    for (let i = retry.length - 1; i >= 0; i--) {
      const [id, s] = retry[i]!;
      this.streams.delete(id);
      this.active--;
      this.owner.requeue(s.startedAt);
      this.pool.push(s);
    }
  }

  /** Ends the connection politely: GOAWAY(NO_ERROR), then FIN. */
  close(reason: string): void {
    if (this.state === 'closed') return;
    const established = this.state !== 'connecting' && this.state !== 'handshake';
    this.batch.append(encodeGoaway(this.push.lastPromised, H2ErrorCode.NO_ERROR));
    this.batch.flush();
    this.state = 'closed';
    this.health.stop(this.owner.clock.now());
    this.socket.end();
    this.failStreams(this.owner.clock.now());
    this.owner.closed(this, reason, undefined, established);
  }

  /** A connection error of ours (RFC 9113 §5.4.1): GOAWAY with the code, streams fail. */
  private connectionError(err: H2DoctorError, code = err instanceof CodecError ? err.h2Code : H2ErrorCode.PROTOCOL_ERROR): void {
    if (this.state === 'closed') return;
    this.batch.append(encodeGoaway(this.push.lastPromised, code));
    this.batch.flush();
    this.fail(err);
  }

  /** Abrupt end: every open stream is counted as errored. */
  private fail(err: H2DoctorError): void {
    if (this.state === 'closed') return;
    const established = this.state !== 'connecting' && this.state !== 'handshake';
    clearTimeout(this.handshakeTimer);
    this.state = 'closed';
    this.health.stop(this.owner.clock.now());
    this.socket.destroy();
    this.failStreams(this.owner.clock.now());
    this.owner.closed(this, `error: ${err.message}`, err, established);
  }

  private failStreams(now: number): void {
    for (const [id, s] of this.streams) {
      this.active--;
      this.owner.requestDone(this, id, s.startedAt, s.sentAt, s.firstByteAt, now, s.status, Outcome.ERRORED, s.pushes, s.grpc);
    }
    this.streams.clear();
  }

  private onSocketClose(): void {
    if (this.state === 'closed') return;
    const established = this.state === 'open' || this.state === 'draining';
    this.fail(serverClosedError(this.o.url.host, established, this.state === 'handshake', this.sawBytes, this.streams.size));
  }

  /** Closes now without ceremony (end of run / abort). */
  destroy(): void {
    if (this.state === 'closed') return;
    if (this.state === 'open' || this.state === 'draining') this.close('done');
    else this.fail(new ConnectionClosedError('bench stopped'));
  }
}
