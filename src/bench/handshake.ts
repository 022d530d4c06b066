import { CONNECTION_PREFACE_BYTES, encodeSettings, encodeWindowUpdate } from '../codec/frame-encoder.js';
import { HpackEncoder } from '../codec/hpack/encoder.js';
import { DEFAULT_INITIAL_WINDOW_SIZE, SettingId, type HeaderField, type Setting } from '../codec/types.js';
import { ConfigError, ConnectionClosedError, NotHttp2Error, TimeoutError } from '../errors.js';
import type { BenchOptions } from './options.js';
import { buildRequestTemplate, buildTargetTemplates, requestHeaderList, type RequestTemplate } from './request-template.js';

/**
 * The start of a bench connection: what the client sends first, what the server's first
 * SETTINGS decides, and what to call a server that is not HTTP/2 or hangs up before or after
 * its own preface.
 */

/** The preface, our SETTINGS and the connection window (RFC 9113 §3.4, §6.5, §6.9.2), in order. */
export function clientPreface(o: Pick<BenchOptions, 'push' | 'windowSize' | 'headerTableSize'>): Uint8Array[] {
  const settings: Setting[] = [
    { id: SettingId.ENABLE_PUSH, value: o.push === 'refuse' ? 0 : 1 },
    { id: SettingId.INITIAL_WINDOW_SIZE, value: o.windowSize },
  ];
  if (o.headerTableSize !== 4096) settings.unshift({ id: SettingId.HEADER_TABLE_SIZE, value: o.headerTableSize });
  const out = [CONNECTION_PREFACE_BYTES, encodeSettings(settings)];
  // The connection window is not a SETTING: only WINDOW_UPDATE on stream 0 raises it (§6.9.2).
  if (o.windowSize > DEFAULT_INITIAL_WINDOW_SIZE) out.push(encodeWindowUpdate(0, o.windowSize - DEFAULT_INITIAL_WINDOW_SIZE));
  return out;
}

/** Over TLS, the server must choose h2 by ALPN (RFC 9113 §3.2); the error when it did not. */
export function alpnNotH2(url: URL, alpn: string): NotHttp2Error | undefined {
  if (url.protocol !== 'https:' || alpn === 'h2') return undefined;
  return new NotHttp2Error(`${url.host}: TLS ALPN chose ${alpn ? `'${alpn}'` : 'no protocol'}, not h2: the server does not speak HTTP/2 here`);
}

/** Calls `fail` when the server's SETTINGS have not come within `timeoutMs` (no timer when it is 0); clear the timer once they do. */
export function handshakeTimeout(o: Pick<BenchOptions, 'url' | 'timeoutMs'>, fail: (err: TimeoutError) => void): NodeJS.Timeout | undefined {
  if (!(o.timeoutMs > 0)) return undefined;
  const timer = setTimeout(() => fail(new TimeoutError(`${o.url.host}: no HTTP/2 SETTINGS from the server within ${o.timeoutMs} ms`)), o.timeoutMs);
  timer.unref();
  return timer;
}

/**
 * The server closed the socket. Before its SETTINGS and without a byte it is probably not an
 * HTTP/2 server at all; otherwise it closed a connection, with `inFlight` requests open.
 */
export function serverClosedError(host: string, established: boolean, handshaking: boolean, sawBytes: boolean, inFlight: number): NotHttp2Error | ConnectionClosedError {
  const what = established ? 'closed the connection' : sawBytes ? 'closed the connection before its SETTINGS' : 'closed the connection without a byte: not an HTTP/2 server?';
  return handshaking && !sawBytes
    ? new NotHttp2Error(`${host}: server ${what}`)
    : new ConnectionClosedError(`${host}: server ${what}${inFlight ? ` with ${inFlight} requests in flight` : ''}`);
}

/** "HTTP/1.1 400 Bad Request": an HTTP/1 server answering our preface (RFC 9113 §3.3). Checked on the first bytes only. */
export function answeredWithHttp1(chunk: Uint8Array): boolean {
  return chunk.length >= 5 && Buffer.from(chunk.buffer, chunk.byteOffset, 5).toString('latin1') === 'HTTP/';
}

/** A connection's request templates: `targets` holds one per `-i` target, undefined with one target. */
export interface ConnectionTemplates {
  template: RequestTemplate;
  targets: RequestTemplate[] | undefined;
}

/**
 * What the server's first SETTINGS (its preface, RFC 9113 §3.4) decides: the request
 * templates, encoded for its header table, or why the run cannot go on with this server.
 */
export function afterServerPreface(
  o: BenchOptions, settings: Setting[], targetOffset: number, peerInitialWindow: number, peerMaxFrameSize: number,
): ConnectionTemplates | ConfigError {
  if (o.body && o.body.length > peerInitialWindow) {
    // Bodies are sent in one go, without waiting for WINDOW_UPDATE (RFC 9113 §6.9.1).
    return new ConfigError(`request body (${o.body.length} bytes) is larger than the server's initial stream window (${peerInitialWindow} bytes); bench does not send larger bodies`);
  }
  const table = settings.find((s) => s.id === SettingId.HEADER_TABLE_SIZE)?.value ?? 4096;
  const encoder = new HpackEncoder({ huffman: 'auto', maxTableSize: Math.min(table, 4096) });
  const encode = (fields: HeaderField[]) => encoder.encode(fields);
  if (o.targets !== undefined && o.targets.length > 1) {
    const targets = buildTargetTemplates(requestHeaderList(o), o.targets, targetOffset, encode, o.body === undefined, peerMaxFrameSize);
    return { template: targets[targetOffset]!, targets };
  }
  return { template: buildRequestTemplate(requestHeaderList(o), encode, o.body === undefined, peerMaxFrameSize), targets: undefined };
}
