/**
 * Formats tap events one frame at a time in the layout of `nghttp -v`, so a reader who knows
 * nghttp2's output reads ours without a legend:
 *
 *   [  0.001] recv SETTINGS frame <length=6, flags=0x00, stream_id=0>
 *             (niv=1)
 *             [SETTINGS_MAX_CONCURRENT_STREAMS(0x03):100]
 *
 * As in nghttp, received header fields come first, one timestamped line each
 * (`recv (stream_id=13) :status: 200`), then the frame; sent header fields are listed under the
 * frame. Padding lengths count the Pad Length octet and priority weights are the effective
 * weight (wire value + 1), as nghttp2 reports them (RFC 9113 §6.1, §5.3.2).
 *
 * Pure: events in, strings out. Stateful only in remembering which streams have had their first
 * HEADERS, for the "; Open new stream" / "; First response header" notes.
 */
import { Flag, type Frame, type HeaderField } from '../codec/types.js';
import { errorCodeName, extensionFrameName, settingName } from '../codec/names.js';
import type { TapDecodeError, TapEvent } from './tap-decoder.js';

export interface FrameLogOptions {
  /** The tapped endpoint: decides whether `send` frames come from the client or the server. Default `client`. */
  role?: 'client' | 'server';
}

/** Continuation lines are indented under the frame name, as nghttp does. */
const INDENT = '          ';

/** `[  0.060]`: seconds and milliseconds since the tap started, truncated like nghttp. */
export function formatTimestamp(t: number): string {
  const ms = Math.max(0, Math.floor(t));
  return `[${String(Math.floor(ms / 1000)).padStart(3, ' ')}.${String(ms % 1000).padStart(3, '0')}]`;
}

/** `CANCEL(0x08)`: an HTTP/2 error code (RFC 9113 §7) the way nghttp prints it. */
export function formatErrorCode(code: number): string {
  return `${errorCodeName(code) ?? 'UNKNOWN'}(0x${hex2(code)})`;
}

/** Formats a sequence of events; one {@link FrameLog} for the whole connection. */
export function formatFrameLog(events: readonly TapEvent[], options: FrameLogOptions = {}): string {
  const log = new FrameLog(options);
  return events.map((e) => log.format(e)).join('');
}

/** A decode error line: decoding of that direction stopped here. */
export function formatDecodeError(e: TapDecodeError): string {
  return `${formatTimestamp(e.t)} ${e.dir} [DECODE ERROR; ${e.error.code}] ${e.error.message}\n${INDENT}; no more frames decoded in this direction\n`;
}

/** Formats the frames of one connection, in order. */
export class FrameLog {
  private readonly role: 'client' | 'server';
  /** Streams whose first HEADERS from the client has been seen (requests and their opening). */
  private readonly opened = new Set<number>();
  /** Streams whose first HEADERS from the server has been seen (responses and push responses). */
  private readonly answered = new Set<number>();

  constructor(options: FrameLogOptions = {}) {
    this.role = options.role ?? 'client';
  }

  /** The lines for one event, each ending in a newline. */
  format(e: TapEvent): string {
    const ts = formatTimestamp(e.t);
    const f = e.frame;
    let out = '';
    const fields = f.type === 'HEADERS' || f.type === 'PUSH_PROMISE' ? f.headers ?? [] : [];
    if (e.dir === 'recv') {
      for (const h of fields) out += `${ts} recv (stream_id=${f.streamId}${h.sensitive ? ', sensitive' : ''}) ${h.name}: ${h.value}\n`;
    }
    out += `${ts} ${e.dir} ${f.type} frame <length=${f.length}, flags=0x${hex2(f.flags)}, stream_id=${f.streamId}>\n`;
    if (f.flags !== 0) out += `${INDENT}; ${flagNames(f).join(' | ')}\n`;
    out += this.details(e, f);
    if (e.dir === 'send') out += fieldLines(fields);
    return out;
  }

  private details(e: TapEvent, f: Frame): string {
    switch (f.type) {
      case 'DATA':
        return f.padLength > 0 || (f.flags & Flag.PADDED) !== 0 ? `${INDENT}(padlen=${padlen(f.flags, f.padLength)})\n` : '';
      case 'HEADERS': {
        let line = `${INDENT}(padlen=${padlen(f.flags, f.padLength)}`;
        if (f.priority) line += `, dep_stream_id=${f.priority.dependsOn}, weight=${f.priority.weight + 1}, exclusive=${f.priority.exclusive ? 1 : 0}`;
        line += ')\n';
        const note = this.headersCategory(e.dir, f.streamId);
        return note ? `${line}${INDENT}; ${note}\n` : line;
      }
      case 'PRIORITY':
        return `${INDENT}(dep_stream_id=${f.priority.dependsOn}, weight=${f.priority.weight + 1}, exclusive=${f.priority.exclusive ? 1 : 0})\n`;
      case 'RST_STREAM':
        return `${INDENT}(error_code=${formatErrorCode(f.errorCode)})\n`;
      case 'SETTINGS':
        return `${INDENT}(niv=${f.settings.length})\n` +
          f.settings.map((s) => `${INDENT}[${settingName(s.id) ?? 'UNKNOWN'}(0x${hex2(s.id)}):${s.value}]\n`).join('');
      case 'PUSH_PROMISE':
        return `${INDENT}(padlen=${padlen(f.flags, f.padLength)}, promised_stream_id=${f.promisedStreamId})\n`;
      case 'PING':
        return `${INDENT}(opaque_data=${Buffer.from(f.opaqueData).toString('hex')})\n`;
      case 'GOAWAY':
        return `${INDENT}(last_stream_id=${f.lastStreamId}, error_code=${formatErrorCode(f.errorCode)}, opaque_data(${f.debugData.length})=[${asciiDump(f.debugData)}])\n`;
      case 'WINDOW_UPDATE':
        return `${INDENT}(window_size_increment=${f.windowSizeIncrement})\n`;
      case 'UNKNOWN':
        return `${INDENT}(type=0x${hex2(f.frameType)}${extensionFrameName(f.frameType) !== undefined ? ` ${extensionFrameName(f.frameType)}` : ''})\n`;
    }
  }

  /**
   * nghttp2's header categories: the client's first HEADERS on a stream opens it; the server's
   * first HEADERS answers it (a push response on an even, server-initiated stream, RFC 9113
   * §5.1.1); later blocks (informational, trailers) get no note.
   */
  private headersCategory(dir: TapEvent['dir'], streamId: number): string | null {
    const fromClient = (dir === 'send') === (this.role === 'client');
    if (fromClient) {
      if (streamId % 2 === 1 && !this.opened.has(streamId)) {
        this.opened.add(streamId);
        return 'Open new stream';
      }
      return null;
    }
    if (this.answered.has(streamId)) return null;
    this.answered.add(streamId);
    return streamId % 2 === 0 ? 'First push response header' : 'First response header';
  }
}

function flagNames(f: Frame): string[] {
  const names: string[] = [];
  const has = (bit: number) => (f.flags & bit) !== 0;
  switch (f.type) {
    case 'DATA':
      if (has(Flag.END_STREAM)) names.push('END_STREAM');
      if (has(Flag.PADDED)) names.push('PADDED');
      break;
    case 'HEADERS':
      if (has(Flag.END_STREAM)) names.push('END_STREAM');
      if (has(Flag.END_HEADERS)) names.push('END_HEADERS');
      if (has(Flag.PADDED)) names.push('PADDED');
      if (has(Flag.PRIORITY)) names.push('PRIORITY');
      break;
    case 'PUSH_PROMISE':
      if (has(Flag.END_HEADERS)) names.push('END_HEADERS');
      if (has(Flag.PADDED)) names.push('PADDED');
      break;
    case 'SETTINGS':
    case 'PING':
      if (has(Flag.ACK)) names.push('ACK');
      break;
    default:
      break;
  }
  return names;
}

function fieldLines(fields: readonly HeaderField[]): string {
  return fields.map((h) => `${INDENT}${h.name}: ${h.value}\n`).join('');
}

/** nghttp2 counts the Pad Length octet in `padlen`: 0 when not PADDED, else padding + 1. */
function padlen(flags: number, padLength: number): number {
  return (flags & Flag.PADDED) !== 0 ? padLength + 1 : 0;
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}

/** Printable ASCII as is, anything else as `.`: GOAWAY debug data is opaque (RFC 9113 §6.8). */
function asciiDump(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
  return s;
}
