/**
 * HTTP/2 frame model (RFC 9113 §4, §6). Pure data: the decoder produces these, the encoder
 * consumes them, the tap and the bench engine read them.
 *
 * Byte payloads are `Uint8Array` views; a decoder may return views into its own buffers, so a
 * consumer that keeps a payload past the next `push()` must copy it.
 */

/** Frame type codes, RFC 9113 §6. */
export const FrameType = {
  DATA: 0x0,
  HEADERS: 0x1,
  PRIORITY: 0x2,
  RST_STREAM: 0x3,
  SETTINGS: 0x4,
  PUSH_PROMISE: 0x5,
  PING: 0x6,
  GOAWAY: 0x7,
  WINDOW_UPDATE: 0x8,
  CONTINUATION: 0x9,
} as const;
export type FrameTypeName = keyof typeof FrameType;

/** Flag bits, RFC 9113 §6. */
export const Flag = {
  END_STREAM: 0x1,
  ACK: 0x1,
  END_HEADERS: 0x4,
  PADDED: 0x8,
  PRIORITY: 0x20,
} as const;

/** SETTINGS identifiers, RFC 9113 §6.5.2. */
export const SettingId = {
  HEADER_TABLE_SIZE: 0x1,
  ENABLE_PUSH: 0x2,
  MAX_CONCURRENT_STREAMS: 0x3,
  INITIAL_WINDOW_SIZE: 0x4,
  MAX_FRAME_SIZE: 0x5,
  MAX_HEADER_LIST_SIZE: 0x6,
  /** RFC 8441 */
  ENABLE_CONNECT_PROTOCOL: 0x8,
  /** RFC 9218 */
  NO_RFC7540_PRIORITIES: 0x9,
} as const;

/** The client connection preface, RFC 9113 §3.4. */
export const CONNECTION_PREFACE = 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n';

/** Defaults from RFC 9113 §6.5.2. */
export const DEFAULT_MAX_FRAME_SIZE = 16_384;
export const MAX_ALLOWED_FRAME_SIZE = 16_777_215;
export const DEFAULT_INITIAL_WINDOW_SIZE = 65_535;
export const DEFAULT_HEADER_TABLE_SIZE = 4_096;

/** One header field. `sensitive` marks a never-indexed literal (RFC 7541 §6.2.3). */
export interface HeaderField {
  name: string;
  value: string;
  sensitive?: boolean;
}

/** One SETTINGS parameter exactly as it appeared on the wire, in order. */
export interface Setting {
  id: number;
  value: number;
}

/** Stream dependency and weight (RFC 9113 §5.3.2, deprecated but still on the wire). */
export interface PriorityInfo {
  exclusive: boolean;
  dependsOn: number;
  /** Weight as sent on the wire (0–255); the effective weight is this plus one. */
  weight: number;
}

interface FrameCommon {
  /** Stream identifier (reserved bit cleared). */
  streamId: number;
  /** The flags byte as received. */
  flags: number;
  /**
   * Payload length on the wire. For HEADERS/PUSH_PROMISE assembled from CONTINUATION frames,
   * the sum of all their payload lengths.
   */
  length: number;
}

export interface DataFrame extends FrameCommon {
  type: 'DATA';
  endStream: boolean;
  /** Application data with padding removed. */
  data: Uint8Array;
  /** Pad Length field (0 when not PADDED). Padding counts against flow control (§6.1). */
  padLength: number;
}

export interface HeadersFrame extends FrameCommon {
  type: 'HEADERS';
  endStream: boolean;
  priority?: PriorityInfo;
  /** The complete header block fragment, CONTINUATION frames already appended. */
  headerBlock: Uint8Array;
  /** Decoded fields, when the decoder was given an HPACK decoder. */
  headers?: HeaderField[];
  /** How many CONTINUATION frames followed the HEADERS frame. */
  continuations: number;
  padLength: number;
}

export interface PriorityFrame extends FrameCommon {
  type: 'PRIORITY';
  priority: PriorityInfo;
}

export interface RstStreamFrame extends FrameCommon {
  type: 'RST_STREAM';
  errorCode: number;
}

export interface SettingsFrame extends FrameCommon {
  type: 'SETTINGS';
  ack: boolean;
  /** Parameters in wire order, unknown ids included (RFC 9113 §6.5.2: ignore, but show). */
  settings: Setting[];
}

export interface PushPromiseFrame extends FrameCommon {
  type: 'PUSH_PROMISE';
  promisedStreamId: number;
  headerBlock: Uint8Array;
  headers?: HeaderField[];
  continuations: number;
  padLength: number;
}

export interface PingFrame extends FrameCommon {
  type: 'PING';
  ack: boolean;
  /** Exactly 8 bytes. */
  opaqueData: Uint8Array;
}

export interface GoawayFrame extends FrameCommon {
  type: 'GOAWAY';
  lastStreamId: number;
  errorCode: number;
  debugData: Uint8Array;
}

export interface WindowUpdateFrame extends FrameCommon {
  type: 'WINDOW_UPDATE';
  windowSizeIncrement: number;
}

/** A frame of a type this codec does not know; passed through untouched (RFC 9113 §4.1, §5.5). */
export interface UnknownFrame extends FrameCommon {
  type: 'UNKNOWN';
  /** The numeric frame type. */
  frameType: number;
  payload: Uint8Array;
}

export type Frame =
  | DataFrame
  | HeadersFrame
  | PriorityFrame
  | RstStreamFrame
  | SettingsFrame
  | PushPromiseFrame
  | PingFrame
  | GoawayFrame
  | WindowUpdateFrame
  | UnknownFrame;

/**
 * What the frame decoder needs from an HPACK decoder (RFC 7541): decode one complete header
 * block, in connection order, against the shared dynamic table. `HpackDecoder` implements it.
 */
export interface HeaderBlockDecoder {
  decode(block: Uint8Array): HeaderField[];
}
