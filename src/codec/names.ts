/**
 * Names for HTTP/2 numbers, in one place: frame types (RFC 9113 §6), error codes (§7) and
 * SETTINGS parameters (§6.5.2). Every module that prints one takes it from here, so a code
 * reads the same in a probe report, a bench result, a metric label and a frame log.
 *
 * The spelling is the RFC's identifier (`REFUSED_STREAM`, `SETTINGS_MAX_CONCURRENT_STREAMS`,
 * `WINDOW_UPDATE`). Two display forms exist for error codes: `h2ErrorName` for text
 * (`CANCEL(0x8)`) and `h2ErrorLabel` for bounded label values (`CANCEL`, or `0x1f` for a code
 * the RFC does not define). The nghttp-style frame log pads the hex to two digits, as
 * nghttp does (src/tap/frame-log.ts), and the probe JSON names unknown settings `UNKNOWN_0x..`
 * (its schema, docs/json.md): both format these names, they do not repeat them.
 */
import { H2ErrorCode } from '../errors.js';
import { FrameType, SettingId } from './types.js';

const frameTypeNames = new Map<number, string>(Object.entries(FrameType).map(([name, type]) => [type, name]));

/** Extension frames a tap may see but this codec does not decode (RFC 7838, RFC 8336, RFC 9218). */
const extensionFrameNames = new Map<number, string>([
  [0xa, 'ALTSVC'],
  [0xc, 'ORIGIN'],
  [0x10, 'PRIORITY_UPDATE'],
]);

const errorCodeNames = new Map<number, string>(Object.entries(H2ErrorCode).map(([name, code]) => [code, name]));

const settingNames = new Map<number, string>(Object.entries(SettingId).map(([name, id]) => [id, `SETTINGS_${name}`]));

/** `HEADERS` for 0x1, `type 0x2a` for a type this codec does not know. */
export function frameTypeName(type: number): string {
  return frameTypeNames.get(type) ?? `type 0x${type.toString(16)}`;
}

/** `ALTSVC`, `ORIGIN`, `PRIORITY_UPDATE` for the extension frames we can name; else undefined. */
export function extensionFrameName(type: number): string | undefined {
  return extensionFrameNames.get(type);
}

/** The RFC 9113 §7 name of an error code (`CANCEL`), or undefined for a code it does not define. */
export function errorCodeName(code: number): string | undefined {
  return errorCodeNames.get(code);
}

/** `CANCEL(0x8)` style name for an HTTP/2 error code; unknown codes print as `UNKNOWN(0x..)`. */
export function h2ErrorName(code: number): string {
  return `${errorCodeNames.get(code) ?? 'UNKNOWN'}(0x${code.toString(16)})`;
}

/**
 * Label value for an HTTP/2 error code: `CANCEL`, `NO_ERROR`…; codes the RFC does not define
 * become `0x…`, so an odd peer cannot invent label values beyond the 32-bit code space.
 */
export function h2ErrorLabel(code: number): string {
  return errorCodeNames.get(code) ?? `0x${code.toString(16)}`;
}

/** `SETTINGS_MAX_CONCURRENT_STREAMS` for 0x3; undefined for an id we do not know. */
export function settingName(id: number): string | undefined {
  return settingNames.get(id);
}
