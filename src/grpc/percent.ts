/**
 * `grpc-message` is percent-encoded UTF-8 (PROTOCOL-HTTP2.md): bytes outside 0x20–0x7E, and
 * '%' itself, travel as %XX. A receiver must not fail on a bad encoding: a '%' not followed by
 * two hex digits is kept as it is, and invalid UTF-8 decodes to U+FFFD.
 */
const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: false });

export function percentEncodeGrpcMessage(text: string): string {
  let out = '';
  for (const b of utf8.encode(text)) {
    out += b >= 0x20 && b <= 0x7e && b !== 0x25 ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

export function percentDecodeGrpcMessage(text: string): string {
  if (!text.includes('%')) return text;
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x25 && i + 2 < text.length && hexValue(text.charCodeAt(i + 1)) >= 0 && hexValue(text.charCodeAt(i + 2)) >= 0) {
      bytes.push(hexValue(text.charCodeAt(i + 1)) * 16 + hexValue(text.charCodeAt(i + 2)));
      i += 2;
    } else if (c < 0x80) {
      bytes.push(c);
    } else {
      // Not legal in a header value, but keep what came rather than fail.
      for (const b of utf8.encode(text[i]!)) bytes.push(b);
    }
  }
  return utf8Decoder.decode(new Uint8Array(bytes));
}
