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
const HEADER_BYTES = 40;

/**
 * @param counts our histogram's counts (trailing zeros trimmed or not)
 * @param significantDigits 3 for 11 sub-bucket bits
 * @param maxValue the largest recorded value (sizes the decoder's array)
 */
export function encodeHdrV2Compressed(counts: ArrayLike<number>, significantDigits: number, maxValue: number): string {
  let end = counts.length;
  while (end > 0 && counts[end - 1] === 0) end--;
  // Worst case 9 bytes per count.
  const out = Buffer.allocUnsafe(HEADER_BYTES + end * 9);
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
        out[at++] = (v & 0x7f) | 0x80;
        v >>>= 7;
      }
    } else {
      while (v >= 0x80) {
        out[at++] = (v % 0x80) | 0x80;
        v = Math.floor(v / 0x80);
      }
    }
    out[at++] = v;
  }
  out.writeInt32BE(V2_COOKIE, 0);
  out.writeInt32BE(at - HEADER_BYTES, 4);
  out.writeInt32BE(0, 8);
  out.writeInt32BE(significantDigits, 12);
  out.writeBigInt64BE(1n, 16);
  out.writeBigInt64BE(BigInt(Math.max(2, Math.ceil(maxValue))), 24);
  out.writeDoubleBE(1, 32);
  const compressed = zlibStored(out.subarray(0, at));
  const framed = Buffer.allocUnsafe(8 + compressed.length);
  framed.writeInt32BE(V2_COMPRESSED_COOKIE, 0);
  framed.writeInt32BE(compressed.length, 4);
  compressed.copy(framed, 8);
  return framed.toString('base64');
}

/**
 * A zlib stream (RFC 1950) holding `data` in deflate stored blocks (RFC 1951 §3.2.4): header
 * 0x78 0x01, blocks of at most 65535 bytes each with LEN and its complement (little-endian),
 * then the Adler-32 of the data (big-endian).
 */
export function zlibStored(data: Uint8Array): Buffer {
  const blocks = Math.max(1, Math.ceil(data.length / 65_535));
  const out = Buffer.allocUnsafe(2 + blocks * 5 + data.length + 4);
  out[0] = 0x78;
  out[1] = 0x01;
  let at = 2;
  for (let b = 0, from = 0; b < blocks; b++, from += 65_535) {
    const len = Math.min(65_535, data.length - from);
    out[at] = b === blocks - 1 ? 1 : 0; // BFINAL on the last, BTYPE 00 (stored)
    out.writeUInt16LE(len, at + 1);
    out.writeUInt16LE(~len & 0xffff, at + 3);
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
  out.writeUInt32BE(((s2 << 16) | a) >>> 0, at);
  return out;
}
