/**
 * Reads the frame log that `nghttp -v` prints, so our tap can be checked against nghttp2's own
 * view of the same exchange (and the lab can compare a run of nghttp with a run of ours).
 *
 * Lines this understands (nghttp2 1.4x–1.6x layout):
 *   [  0.001] recv SETTINGS frame <length=6, flags=0x00, stream_id=0>
 *             (niv=1)
 *             [SETTINGS_MAX_CONCURRENT_STREAMS(0x03):100]
 *   [  0.001] recv (stream_id=13) :status: 200          ← a received field, before its frame
 *             :method: GET                              ← a sent field, under its frame
 * Anything else (`Connected`, response bodies without `-n`, notes like `; END_HEADERS`) is
 * skipped. Pure: text in, values out.
 */
import type { HeaderField, Setting } from '../codec/types.js';

/** One frame as nghttp printed it. Only the fields its frame type prints are set. */
export interface NghttpFrame {
  /** Milliseconds since nghttp started, at millisecond resolution. */
  t: number;
  dir: 'send' | 'recv';
  /** Frame type name as printed: `SETTINGS`, `HEADERS`, `UNKNOWN`… */
  type: string;
  length: number;
  flags: number;
  streamId: number;
  /** SETTINGS parameters, in the printed order. */
  settings?: Setting[];
  /** Header fields of HEADERS / PUSH_PROMISE. */
  headers?: HeaderField[];
  promisedStreamId?: number;
  /** RST_STREAM or GOAWAY error code. */
  errorCode?: number;
  lastStreamId?: number;
  /** GOAWAY debug data as nghttp printed it (non-printable bytes shown as `.`). */
  debugData?: string;
  windowSizeIncrement?: number;
  /** PING opaque data, hex. */
  opaqueData?: string;
}

const FRAME_LINE = /^\[\s*(\d+)\.(\d{3})\] (send|recv) (\w+) frame <length=(\d+), flags=0x([0-9a-f]+), stream_id=(\d+)>$/;
const RECV_FIELD_LINE = /^\[\s*\d+\.\d{3}\] recv \(stream_id=(\d+)(, sensitive)?\) (:?[^:]*): (.*)$/;
const DETAIL_LINE = /^ {10}(.*)$/;
const SETTING_LINE = /^\[\w+\(0x([0-9a-f]+)\):(\d+)\]$/;

/** Parses `nghttp -v` output into frames, in the order nghttp printed them. */
export function parseNghttpLog(text: string): NghttpFrame[] {
  const frames: NghttpFrame[] = [];
  let current: NghttpFrame | null = null;
  /** Received fields wait for the HEADERS / PUSH_PROMISE frame line that follows them. */
  let pendingFields: HeaderField[] = [];

  for (const line of text.split('\n')) {
    const frameMatch = FRAME_LINE.exec(line);
    if (frameMatch) {
      const [, sec, ms, dir, type, length, flags, streamId] = frameMatch;
      current = {
        t: Number(sec) * 1000 + Number(ms),
        dir: dir as 'send' | 'recv',
        type: type!,
        length: Number(length),
        flags: parseInt(flags!, 16),
        streamId: Number(streamId),
      };
      if (type === 'HEADERS' || type === 'PUSH_PROMISE') {
        current.headers = dir === 'recv' ? pendingFields : [];
        pendingFields = [];
      }
      if (type === 'SETTINGS') current.settings = [];
      frames.push(current);
      continue;
    }
    const fieldMatch = RECV_FIELD_LINE.exec(line);
    if (fieldMatch) {
      const [, , sensitive, name, value] = fieldMatch;
      pendingFields.push(sensitive ? { name: name!, value: value!, sensitive: true } : { name: name!, value: value! });
      current = null;
      continue;
    }
    const detailMatch = DETAIL_LINE.exec(line);
    if (detailMatch && current) {
      readDetail(current, detailMatch[1]!);
      continue;
    }
    if (!line.startsWith(' ')) current = null;
  }
  return frames;
}

function readDetail(frame: NghttpFrame, detail: string): void {
  if (detail.startsWith(';')) return;
  const setting = SETTING_LINE.exec(detail);
  if (setting && frame.settings) {
    frame.settings.push({ id: parseInt(setting[1]!, 16), value: Number(setting[2]) });
    return;
  }
  if (detail.startsWith('(')) {
    readAttributes(frame, detail);
    return;
  }
  // A sent header field listed under its frame: `name: value` (pseudo-headers start with ':').
  if (frame.headers && frame.dir === 'send') {
    const sep = detail.indexOf(': ', detail.startsWith(':') ? 1 : 0);
    if (sep > 0) frame.headers.push({ name: detail.slice(0, sep), value: detail.slice(sep + 2) });
  }
}

/** `(last_stream_id=2, error_code=NO_ERROR(0x00), opaque_data(0)=[])` and friends. */
function readAttributes(frame: NghttpFrame, detail: string): void {
  const num = (key: string): number | undefined => {
    const m = new RegExp(`[(, ]${key}=(\\d+)`).exec(detail);
    return m ? Number(m[1]) : undefined;
  };
  const code = /error_code=\w+\(0x([0-9a-f]+)\)/.exec(detail);
  if (code) frame.errorCode = parseInt(code[1]!, 16);
  const promised = num('promised_stream_id');
  if (promised !== undefined) frame.promisedStreamId = promised;
  const last = num('last_stream_id');
  if (last !== undefined) frame.lastStreamId = last;
  const increment = num('window_size_increment');
  if (increment !== undefined) frame.windowSizeIncrement = increment;
  const debug = /opaque_data\(\d+\)=\[(.*)\]\)$/.exec(detail);
  if (debug) frame.debugData = debug[1];
  const ping = /^\(opaque_data=([0-9a-f]+)\)$/.exec(detail);
  if (ping) frame.opaqueData = ping[1];
}
