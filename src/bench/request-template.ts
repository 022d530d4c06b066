import { encodeHeaders } from '../codec/frame-encoder.js';
import type { HeaderField } from '../codec/types.js';
import type { BenchOptions } from './options.js';
import type { WriteBatch } from './write-batch.js';
import { grpcHeaderList } from './grpc-call.js';

/**
 * The request every stream sends, encoded once per connection: a HEADERS frame (plus
 * CONTINUATION frames if the block is long) whose bytes are copied per request with only the
 * stream identifier patched. Nothing about a request is built on the hot path.
 *
 * HPACK state (RFC 7541 §2.3): the first request's block inserts the fields into the server's
 * dynamic table; every later request sends a second block that only references those entries,
 * so it never changes the table and the same bytes stay valid for the whole connection.
 */
export interface RequestTemplate {
  /** Frame bytes of the first request (inserting into the dynamic table). */
  first: Uint8Array;
  /** Frame bytes of every later request (indexed references only). */
  repeat: Uint8Array;
  /** Byte offsets at which the 31-bit stream id sits (one per frame in the bytes). */
  firstIdOffsets: number[];
  repeatIdOffsets: number[];
}

/** The request's header list: pseudo-headers first (RFC 9113 §8.3.1), then the user's. */
export function requestHeaderList(o: Pick<BenchOptions, 'url' | 'method' | 'headers' | 'body' | 'grpc'>): HeaderField[] {
  if (o.grpc !== undefined) return grpcHeaderList(o.url, o.grpc, o.headers);
  const fields: HeaderField[] = [
    { name: ':method', value: o.method },
    { name: ':scheme', value: o.url.protocol === 'https:' ? 'https' : 'http' },
    { name: ':authority', value: o.url.host },
    { name: ':path', value: `${o.url.pathname}${o.url.search}` || '/' },
  ];
  const user = new Set(o.headers.map((h) => h.name));
  if (!user.has('user-agent')) fields.push({ name: 'user-agent', value: 'h2doctor-bench' });
  if (o.body && !user.has('content-length')) fields.push({ name: 'content-length', value: String(o.body.length) });
  for (const h of o.headers) fields.push({ name: h.name.toLowerCase(), value: h.value });
  return fields;
}

/** Offsets of each frame's stream id in a run of frames. */
function streamIdOffsets(frames: Uint8Array): number[] {
  const out: number[] = [];
  for (let at = 0; at + 9 <= frames.length; ) {
    out.push(at + 5);
    at += 9 + ((frames[at]! << 16) | (frames[at + 1]! << 8) | frames[at + 2]!);
  }
  return out;
}

/**
 * Builds the template with `encode`, an HPACK encoder bound to this connection's table.
 * `endStream` is false when a body follows in DATA frames.
 */
export function buildRequestTemplate(
  fields: HeaderField[], encode: (fields: HeaderField[]) => Uint8Array, endStream: boolean, maxFrameSize: number,
): RequestTemplate {
  // Stream id 1 is a placeholder: `patchStreamId` overwrites it per request.
  const first = encodeHeaders(1, encode(fields), { endStream, maxFrameSize });
  const repeat = encodeHeaders(1, encode(fields), { endStream, maxFrameSize });
  return { first, repeat, firstIdOffsets: streamIdOffsets(first), repeatIdOffsets: streamIdOffsets(repeat) };
}

/** Writes `streamId` (reserved bit clear) at each offset in `buf` starting at `base`. */
export function patchStreamId(buf: Uint8Array, base: number, offsets: number[], streamId: number): void {
  for (let i = 0; i < offsets.length; i++) {
    const at = base + offsets[i]!;
    buf[at] = (streamId >>> 24) & 0x7f;
    buf[at + 1] = (streamId >>> 16) & 0xff;
    buf[at + 2] = (streamId >>> 8) & 0xff;
    buf[at + 3] = streamId & 0xff;
  }
}

/**
 * Queues the request body as DATA frames of at most `maxFrameSize` (the server's
 * SETTINGS_MAX_FRAME_SIZE), END_STREAM on the last (RFC 9113 §6.1). The caller has checked
 * the flow-control windows.
 */
export function writeRequestBody(batch: WriteBatch, streamId: number, body: Uint8Array, maxFrameSize: number): void {
  for (let off = 0; ; off += maxFrameSize) {
    const n = Math.min(maxFrameSize, body.length - off);
    const last = off + n >= body.length;
    const [buf, at] = batch.reserve(9 + n);
    buf[at] = n >>> 16;
    buf[at + 1] = (n >>> 8) & 0xff;
    buf[at + 2] = n & 0xff;
    buf[at + 3] = 0x0; // DATA
    buf[at + 4] = last ? 0x1 : 0; // END_STREAM
    buf[at + 5] = (streamId >>> 24) & 0x7f;
    buf[at + 6] = (streamId >>> 16) & 0xff;
    buf[at + 7] = (streamId >>> 8) & 0xff;
    buf[at + 8] = streamId & 0xff;
    // A gRPC message of a few bytes (`bench --grpc`): a plain loop beats subarray + set.
    if (n <= 64) for (let i = 0; i < n; i++) buf[at + 9 + i] = body[off + i]!;
    else buf.set(body.subarray(off, off + n), at + 9);
    batch.commit(9 + n);
    if (last) break;
  }
}

/**
 * `-i`: one template per target path, for a connection whose first request carries target
 * `first`. The first block inserts the common fields into the server's dynamic table; `:path`
 * is sent as a never-indexed literal (RFC 7541 §6.2.3), so every later block only references
 * the table and never changes it, whichever target it carries: the bytes stay valid for the
 * connection's life, as with one target. Only `first`'s entry has a meaningful `first` frame.
 */
export function buildTargetTemplates(
  fields: HeaderField[], paths: readonly string[], first: number,
  encode: (fields: HeaderField[]) => Uint8Array, endStream: boolean, maxFrameSize: number,
): RequestTemplate[] {
  const withPath = (path: string) => fields.map((f) => (f.name === ':path' ? { name: ':path', value: path, sensitive: true } : f));
  const firstFrame = encodeHeaders(1, encode(withPath(paths[first]!)), { endStream, maxFrameSize });
  const firstIdOffsets = streamIdOffsets(firstFrame);
  return paths.map((path) => {
    const repeat = encodeHeaders(1, encode(withPath(path)), { endStream, maxFrameSize });
    return { first: firstFrame, repeat, firstIdOffsets, repeatIdOffsets: streamIdOffsets(repeat) };
  });
}
