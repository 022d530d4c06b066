/**
 * Which header fields a client may add to an HTTP/2 request it generates, by RFC 9113:
 *
 * - §8.2.2: no connection-specific fields (Connection, Proxy-Connection, Keep-Alive,
 *   Transfer-Encoding, Upgrade); TE only with the value "trailers".
 * - §8.3: pseudo-header fields (`:method`, `:path` …) come from the request itself, not from
 *   extra fields; §8.3.1: `:authority` carries the host, and a Host that differs from it makes
 *   the request malformed, so Host is not an extra field either.
 * - §8.2.1: names are lowercase tokens (RFC 9110 §5.1); values carry no NUL, CR or LF and no
 *   leading or trailing whitespace.
 *
 * Pure: a name and a value in, the reason it is refused (or undefined) out.
 */

const connectionSpecific = new Set(['connection', 'proxy-connection', 'keep-alive', 'transfer-encoding', 'upgrade']);

/** RFC 9110 §5.1 field-name = token. */
const token = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;

/**
 * Why `name: value` cannot be an extra field of an HTTP/2 request, or undefined when it can.
 * `name` must already be lowercase (HTTP/2 sends names in lowercase, §8.2.1).
 */
export function requestFieldProblem(name: string, value: string): string | undefined {
  if (name.startsWith(':')) return 'is a pseudo-header field; the request line sets these (RFC 9113 §8.3)';
  if (!token.test(name)) return 'is not a field name (RFC 9110 §5.1)';
  if (connectionSpecific.has(name)) return 'is connection-specific and not allowed in HTTP/2 (RFC 9113 §8.2.2)';
  if (name === 'te' && value.toLowerCase() !== 'trailers') return `may only be 'trailers' in HTTP/2 (RFC 9113 §8.2.2)`;
  if (name === 'host') return 'comes from the URL, as :authority (RFC 9113 §8.3.1)';
  if (/[\0\r\n]/.test(value)) return 'has a NUL, CR or LF in its value (RFC 9113 §8.2.1)';
  return undefined;
}
