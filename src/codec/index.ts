/**
 * `h2doctor/codec`: HTTP/2 frames (RFC 9113) and HPACK (RFC 7541), pure bytes in, values out.
 */
export {
  CONNECTION_PREFACE,
  DEFAULT_HEADER_TABLE_SIZE,
  DEFAULT_INITIAL_WINDOW_SIZE,
  DEFAULT_MAX_FRAME_SIZE,
  Flag,
  FrameType,
  MAX_ALLOWED_FRAME_SIZE,
  SettingId,
} from './types.js';
export type {
  DataFrame,
  Frame,
  FrameTypeName,
  GoawayFrame,
  HeaderBlockDecoder,
  HeaderField,
  HeadersFrame,
  PingFrame,
  PriorityFrame,
  PriorityInfo,
  PushPromiseFrame,
  RstStreamFrame,
  Setting,
  SettingsFrame,
  UnknownFrame,
  WindowUpdateFrame,
} from './types.js';
export { DEFAULT_MAX_CONTINUATIONS, DEFAULT_MAX_HEADER_BLOCK_SIZE, FrameDecoder } from './frame-decoder.js';
export type { FrameDecoderOptions } from './frame-decoder.js';
export {
  CONNECTION_PREFACE_BYTES,
  encodeData,
  encodeFrame,
  encodeGoaway,
  encodeHeaders,
  encodePing,
  encodePriority,
  encodePushPromise,
  encodeRstStream,
  encodeSettings,
  encodeWindowUpdate,
  writeFrameHeader,
} from './frame-encoder.js';
export type { EncodeDataOptions, EncodeFrameOptions, EncodeHeadersOptions, EncodePushPromiseOptions, FrameToEncode } from './frame-encoder.js';
export { frameTypeName } from './names.js';
export { HpackDecoder } from './hpack/decoder.js';
export type { HpackDecoderOptions } from './hpack/decoder.js';
export { HpackEncoder } from './hpack/encoder.js';
export type { HpackEncoderOptions } from './hpack/encoder.js';
export { huffmanDecode, huffmanEncode } from './hpack/huffman.js';
