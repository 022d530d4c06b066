/**
 * Decodes both directions of one HTTP/2 connection for the wire tap: bytes in, timed frame
 * events out. Pure: no sockets, no timers; the caller passes the time of each chunk.
 *
 * The tap is an observer, not an enforcer. Its decoders are lenient (frames up to the RFC's
 * 2^24-1 ceiling whatever SETTINGS_MAX_FRAME_SIZE says) so that a peer which bends a limit is
 * shown, not hidden; the endpoints themselves decide whether that is an error. A byte stream
 * that cannot be framed at all stops decoding for that direction only, once, with one
 * decode-error event; the bytes keep flowing because the tap never sits in the data path's way.
 */
import { CodecError, ProtocolError } from '../errors.js';
import { FrameDecoder } from '../codec/frame-decoder.js';
import { HpackDecoder } from '../codec/hpack/decoder.js';
import {
  DEFAULT_HEADER_TABLE_SIZE,
  FrameType,
  MAX_ALLOWED_FRAME_SIZE,
  SettingId,
  type Frame,
} from '../codec/types.js';

/** Which way a frame travelled, seen from the tapped endpoint. */
export type TapDirection = 'send' | 'recv';

/** One frame seen on the wire. */
export interface TapEvent {
  /** Milliseconds since the tap was created (monotonic, from the injected clock). */
  t: number;
  /** `send`: written by the tapped endpoint; `recv`: written by its peer. */
  dir: TapDirection;
  /** The frame with header fields decoded; byte fields are copies the event owns. */
  frame: Frame;
}

/** Decoding of one direction stopped: the bytes after this point were not framed. */
export interface TapDecodeError {
  /** Milliseconds since the tap was created. */
  t: number;
  dir: TapDirection;
  error: CodecError;
}

export interface TapDecoderOptions {
  /**
   * Which endpoint is tapped. The client→server direction starts with the connection preface
   * (RFC 9113 §3.4): that is `send` for a client and `recv` for a server. Default `client`.
   */
  role?: 'client' | 'server';
  /**
   * Keep DATA payload bytes in events. Default true. With false, DATA events carry an empty
   * `data` (the wire length stays in `frame.length`), which keeps a long recording small.
   */
  keepData?: boolean;
}

/** Result of feeding one chunk: frames decoded, and the error if decoding stopped here. */
export interface TapDecodeResult {
  events: TapEvent[];
  error?: TapDecodeError;
}

/**
 * Bounds on header blocks. Generous, because the tap must show what endpoints tolerate, but
 * finite, so a hostile peer still cannot make the tap hold unbounded memory (RFC 9113 §10.5).
 */
const TAP_MAX_HEADER_BLOCK = 16 * 1024 * 1024;
const TAP_MAX_CONTINUATIONS = 100_000;
const TAP_MAX_HEADER_LIST = 64 * 1024 * 1024;
const TAP_MAX_FIELDS = 100_000;

/** The decoding state of one direction. */
interface DirectionState {
  /** Frame decoder for the bytes this direction carries; null once it has failed. */
  frames: FrameDecoder | null;
  /** HPACK decoder for header blocks in this direction (its own dynamic table, RFC 7541 §2.2). */
  hpack: HpackDecoder;
  /**
   * The largest SETTINGS_HEADER_TABLE_SIZE the *receiver* of this direction has advertised:
   * the encoder on this side may grow its table up to that (RFC 7541 §4.2, RFC 9113 §6.5.2).
   */
  tableSizeLimit: number;
  /**
   * Octets still to pass before the type octet of this direction's first frame, or -1 once
   * checked. The server's preface is a SETTINGS frame (RFC 9113 §3.4); checking its type lets
   * the tap say at once that a peer does not speak HTTP/2 (an HTTP/1.1 reply would otherwise
   * read as a frame megabytes long, and the tap would wait for it forever).
   */
  untilFirstType: number;
}

/** Decodes both directions of one connection into {@link TapEvent}s. */
export class TapDecoder {
  /** Per direction. */
  private readonly state: Record<TapDirection, DirectionState>;
  private readonly keepData: boolean;

  constructor(options: TapDecoderOptions = {}) {
    const role = options.role ?? 'client';
    this.keepData = options.keepData ?? true;
    this.state = {
      send: newDirection(role === 'client'),
      recv: newDirection(role === 'server'),
    };
  }

  /** True while this direction is still being decoded (no decode error yet). */
  decoding(dir: TapDirection): boolean {
    return this.state[dir].frames !== null;
  }

  /**
   * Feeds the bytes that travelled in `dir` at time `t`. Never throws: a decoder failure comes
   * back once as `error`, after which this direction's bytes are ignored.
   */
  push(dir: TapDirection, chunk: Uint8Array, t: number): TapDecodeResult {
    const st = this.state[dir];
    if (st.frames === null || chunk.length === 0) return { events: [] };
    if (st.untilFirstType >= 0) {
      if (chunk.length <= st.untilFirstType) {
        st.untilFirstType -= chunk.length;
      } else {
        const type = chunk[st.untilFirstType]!;
        st.untilFirstType = -1;
        if (type !== FrameType.SETTINGS) {
          st.frames = null;
          const error = new ProtocolError(`not HTTP/2: the first frame is type 0x${type.toString(16)}, not SETTINGS (RFC 9113 §3.4)`);
          return { events: [], error: { t, dir, error } };
        }
      }
    }
    // pushInto keeps the frames completed before a violation in the same chunk, so what the
    // tap shows does not depend on where the socket happened to split the bytes.
    const frames: Frame[] = [];
    let error: TapDecodeError | undefined;
    try {
      st.frames.pushInto(chunk, frames);
    } catch (err) {
      st.frames = null;
      const codecError = err instanceof CodecError ? err : new ProtocolError(`tap decoder failed: ${String((err as Error)?.message ?? err)}`, { cause: err });
      error = { t, dir, error: codecError };
    }
    const events: TapEvent[] = [];
    for (const frame of frames) {
      if (frame.type === 'SETTINGS' && !frame.ack) this.noteSettings(dir, frame.settings);
      events.push({ t, dir, frame: ownedFrame(frame, this.keepData) });
    }
    if (error) return { events, error };
    return { events };
  }

  /**
   * SETTINGS_HEADER_TABLE_SIZE sent in `dir` bounds the table of the encoder writing the
   * *opposite* direction. Only ever raised: between the SETTINGS and its ACK the old, larger
   * size may still be in use, and the tap must not reject what the peer may accept.
   */
  private noteSettings(dir: TapDirection, settings: readonly { id: number; value: number }[]): void {
    const opposite = this.state[dir === 'send' ? 'recv' : 'send'];
    for (const s of settings) {
      if (s.id === SettingId.HEADER_TABLE_SIZE && s.value > opposite.tableSizeLimit) {
        opposite.tableSizeLimit = s.value;
        opposite.hpack.setMaxTableSize(s.value);
      }
    }
  }
}

function newDirection(expectPreface: boolean): DirectionState {
  const hpack = new HpackDecoder({
    maxTableSize: DEFAULT_HEADER_TABLE_SIZE,
    maxHeaderListSize: TAP_MAX_HEADER_LIST,
    maxFields: TAP_MAX_FIELDS,
    maxStringLength: TAP_MAX_HEADER_LIST,
  });
  const frames = new FrameDecoder({
    expectPreface,
    maxFrameSize: MAX_ALLOWED_FRAME_SIZE,
    maxHeaderBlockSize: TAP_MAX_HEADER_BLOCK,
    maxContinuations: TAP_MAX_CONTINUATIONS,
    headerDecoder: hpack,
  });
  // The preface direction is checked by the frame decoder itself (expectPreface).
  return { frames, hpack, tableSizeLimit: DEFAULT_HEADER_TABLE_SIZE, untilFirstType: expectPreface ? -1 : 3 };
}

const EMPTY = new Uint8Array(0);

function copy(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}

/**
 * A copy of `frame` whose byte fields the event owns: the decoder's payloads are views into
 * its buffers, valid only until the next push. `new Uint8Array(view)` copies into a plain
 * Uint8Array (`Buffer#slice` would only make another view).
 */
export function ownedFrame(frame: Frame, keepData = true): Frame {
  switch (frame.type) {
    case 'DATA':
      return { ...frame, data: keepData ? copy(frame.data) : EMPTY };
    case 'HEADERS':
    case 'PUSH_PROMISE':
      return {
        ...frame,
        headerBlock: copy(frame.headerBlock),
        ...(frame.headers ? { headers: frame.headers.map((h) => ({ ...h })) } : {}),
      };
    case 'PING':
      return { ...frame, opaqueData: copy(frame.opaqueData) };
    case 'GOAWAY':
      return { ...frame, debugData: copy(frame.debugData) };
    case 'UNKNOWN':
      return { ...frame, payload: copy(frame.payload) };
    case 'SETTINGS':
      return { ...frame, settings: frame.settings.map((s) => ({ ...s })) };
    case 'PRIORITY':
      return { ...frame, priority: { ...frame.priority } };
    default:
      return { ...frame };
  }
}
