/**
 * h2doctor/tap: a Duplex between node:http2 and its socket that passes bytes through unchanged
 * and reports every frame in both directions, plus an `nghttp -v` style formatter.
 */
export { createTap, tapOf, WireTap } from './wire-tap.js';
export type { TapBytes, TapOptions } from './wire-tap.js';
export { TapDecoder, ownedFrame } from './tap-decoder.js';
export type { TapDecodeError, TapDecodeResult, TapDecoderOptions, TapDirection, TapEvent } from './tap-decoder.js';
export { readTlsFacts } from './tls-facts.js';
export type { PeerCert, TlsFacts } from './tls-facts.js';
export { FrameLog, formatDecodeError, formatErrorCode, formatFrameLog, formatTimestamp } from './frame-log.js';
export type { FrameLogOptions } from './frame-log.js';
export { parseNghttpLog } from './nghttp-log.js';
export type { NghttpFrame } from './nghttp-log.js';
