import { CONNECTION_PREFACE_BYTES, encodeSettings, encodeWindowUpdate } from '../codec/frame-encoder.js';
import { DEFAULT_INITIAL_WINDOW_SIZE, SettingId, type Setting } from '../codec/types.js';
import { ConnectionClosedError, NotHttp2Error } from '../errors.js';
import type { BenchOptions } from './options.js';

/**
 * The start of a bench connection: what the client sends first, and what to call a server
 * that hangs up before or after its own preface.
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
