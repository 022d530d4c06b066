/**
 * HdrHistogram's compressed V2 encoding (the `HISTF…` base64 strings of HdrHistogram's Java,
 * Go, Rust, Python, C and JS libraries), written from our histogram's counts.
 *
 * Why our own writer and not `hdr-histogram-js`'s: loading that package costs about 50 ms of
 * CPU (it brings pako, base64-js and a WebAssembly build), paid by every `bench --json`, whose
 * whole-process CPU per request is compared with h2load's. This writer is a header and a loop
 * over the counts. The zlib stream around it uses deflate's *stored* blocks (RFC 1951 §3.2.4):
 * valid zlib that every HdrHistogram reader inflates, written without loading node:zlib
 * (importing it and deflating cost about 5 ms of CPU per run, measured on the shared dev
 * machine). The price is size: about 2–3 bytes per non-empty bucket before base64, instead of
 * roughly a third of that. `hdr-histogram-js` still reads the strings in `bench merge` and
 * checks this writer in portable-histograms.test.ts.
 *
 * Our histogram's counts array (histogram.ts, 11 sub-bucket bits) *is* HdrHistogram's counts
 * array at 3 significant digits with a unit of 1: 2048 sub-buckets, bucket b ≥ 1 using the upper
 * half, index = (b + 1)·1024 + (v >> b) − 1024. So the counts go out as they are.
 *
 * Layout (big-endian): cookie 0x1c849314, length of the zlib data, then zlib(V2 payload). The V2
 * payload: cookie 0x1c849313, payload length, normalizing index offset (0), significant digits,
 * lowest discernible value (int64), highest trackable value (int64), integer-to-double ratio
 * (float64 1.0), then the counts as ZigZag LEB128 varints, a run of k > 1 zeros written as −k.
 */
const V2_COOKIE = 0x1c849303 | 0x10;
const V2_COMPRESSED_COOKIE = 0x1c849304 | 0x10;
/** Compressed frame (8) + zlib header (2) + stored-block headers (5 each) come before the payload. */
const HEADER_BYTES = 40;
const STORED_BLOCK = 65_535;

/**
 * @param counts our histogram's counts (trailing zeros trimmed or not)
 * @param significantDigits 3 for 11 sub-bucket bits
 * @param maxValue the largest recorded value (sizes the decoder's array)
 *
 * Plain Uint8Array writes rather than Buffer's write methods: a `--json` run encodes each
 * histogram once, cold, and Buffer's methods are JavaScript that would run interpreted.
 */
export function encodeHdrV2Compressed(counts: ArrayLike<number>, significantDigits: number, maxValue: number): string {
  let end = counts.length;
  while (end > 0 && counts[end - 1] === 0) end--;
  // The V2 payload (header + varints), worst case 9 bytes per count.
  const payload = new Uint8Array(HEADER_BYTES + end * 9);
  let at = HEADER_BYTES;
  for (let i = 0; i < end; ) {
    let value = counts[i]!;
    if (value !== 0) i++;
    else {
      let zeros = 0;
      while (i < end && counts[i] === 0) zeros++, i++;
      value = zeros > 1 ? -zeros : 0;
    }
    // ZigZag (n ≥ 0 → 2n, n < 0 → −2n − 1), then LEB128, 7 bits a byte. Integer ops below
    // 2^31 (every count of a real run); plain arithmetic above (counts stay below 2^53).
    let v = value >= 0 ? value * 2 : -value * 2 - 1;
    if (v < 0x80000000) {
      while (v >= 0x80) {
        payload[at++] = (v & 0x7f) | 0x80;
        v >>>= 7;
      }
    } else {
      while (v >= 0x80) {
        payload[at++] = (v % 0x80) | 0x80;
        v = Math.floor(v / 0x80);
      }
    }
    payload[at++] = v;
  }
  putInt(payload, 0, V2_COOKIE);
  putInt(payload, 4, at - HEADER_BYTES);
  putInt(payload, 8, 0); // normalizing index offset
  putInt(payload, 12, significantDigits);
  putLong(payload, 16, 1); // lowest discernible value
  putLong(payload, 24, Math.max(2, Math.ceil(maxValue))); // highest trackable value
  putLong(payload, 32, 0x3ff00000 * 2 ** 32); // integer-to-double ratio: the bits of float64 1.0
  const zlib = zlibStored(payload.subarray(0, at));
  const framed = new Uint8Array(8 + zlib.length);
  putInt(framed, 0, V2_COMPRESSED_COOKIE);
  putInt(framed, 4, zlib.length);
  framed.set(zlib, 8);
  return Buffer.from(framed.buffer, framed.byteOffset, framed.length).toString('base64');
}

/** Big-endian 32 bits. */
function putInt(b: Uint8Array, at: number, v: number): void {
  b[at] = (v >>> 24) & 0xff;
  b[at + 1] = (v >>> 16) & 0xff;
  b[at + 2] = (v >>> 8) & 0xff;
  b[at + 3] = v & 0xff;
}

/** Big-endian 64 bits of a non-negative integer below 2^53. */
function putLong(b: Uint8Array, at: number, v: number): void {
  putInt(b, at, Math.floor(v / 2 ** 32));
  putInt(b, at + 4, v % 2 ** 32);
}

/**
 * A zlib stream (RFC 1950) holding `data` in deflate stored blocks (RFC 1951 §3.2.4): header
 * 0x78 0x01, blocks of at most 65535 bytes each with LEN and its complement (little-endian),
 * then the Adler-32 of the data (big-endian).
 */
export function zlibStored(data: Uint8Array): Uint8Array {
  const blocks = Math.max(1, Math.ceil(data.length / STORED_BLOCK));
  const out = new Uint8Array(2 + blocks * 5 + data.length + 4);
  out[0] = 0x78;
  out[1] = 0x01;
  let at = 2;
  for (let b = 0, from = 0; b < blocks; b++, from += STORED_BLOCK) {
    const len = Math.min(STORED_BLOCK, data.length - from);
    const nlen = ~len & 0xffff;
    out[at] = b === blocks - 1 ? 1 : 0; // BFINAL on the last, BTYPE 00 (stored)
    out[at + 1] = len & 0xff;
    out[at + 2] = len >>> 8;
    out[at + 3] = nlen & 0xff;
    out[at + 4] = nlen >>> 8;
    out.set(data.subarray(from, from + len), at + 5);
    at += 5 + len;
  }
  // Adler-32 (RFC 1950 §8.2), the modulo taken every 5552 bytes as zlib does (no overflow below 2^53).
  let a = 1;
  let s2 = 0;
  for (let i = 0; i < data.length; ) {
    const stop = Math.min(data.length, i + 5552);
    for (; i < stop; i++) {
      a += data[i]!;
      s2 += a;
    }
    a %= 65_521;
    s2 %= 65_521;
  }
  putInt(out, at, s2 * 65_536 + a);
  return out;
}
