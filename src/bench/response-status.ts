/** The :status of a response header list (RFC 9113 §8.3.2), 0 when missing or malformed. */
export function statusOf(headers: { name: string; value: string }[] | undefined): number {
  if (headers === undefined) return 0;
  for (let i = 0; i < headers.length; i++) {
    if (headers[i]!.name === ':status') {
      const v = headers[i]!.value;
      return v.length === 3 ? (v.charCodeAt(0) - 48) * 100 + (v.charCodeAt(1) - 48) * 10 + (v.charCodeAt(2) - 48) : 0;
    }
  }
  return 0;
}

