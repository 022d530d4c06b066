/**
 * The HPACK static table (RFC 7541 Appendix A): 61 fixed entries, index 1..61. Dynamic table
 * entries follow at 62 and up (RFC 7541 §2.3.3).
 */

/** Number of static entries; the first dynamic index is one more (RFC 7541 §2.3.3). */
export const STATIC_TABLE_LENGTH = 61;

/** Names by index; slot 0 is unused so that `STATIC_NAMES[i]` is entry i. */
export const STATIC_NAMES: readonly string[] = [
  '',
  ':authority', ':method', ':method', ':path', ':path', ':scheme', ':scheme',
  ':status', ':status', ':status', ':status', ':status', ':status', ':status',
  'accept-charset', 'accept-encoding', 'accept-language', 'accept-ranges', 'accept',
  'access-control-allow-origin', 'age', 'allow', 'authorization', 'cache-control',
  'content-disposition', 'content-encoding', 'content-language', 'content-length',
  'content-location', 'content-range', 'content-type', 'cookie', 'date', 'etag', 'expect',
  'expires', 'from', 'host', 'if-match', 'if-modified-since', 'if-none-match', 'if-range',
  'if-unmodified-since', 'last-modified', 'link', 'location', 'max-forwards',
  'proxy-authenticate', 'proxy-authorization', 'range', 'referer', 'refresh', 'retry-after',
  'server', 'set-cookie', 'strict-transport-security', 'transfer-encoding', 'user-agent',
  'vary', 'via', 'www-authenticate',
];

/** Values by index; only entries 2..14 and 16 carry one (Appendix A). */
export const STATIC_VALUES: readonly string[] = (() => {
  const values = new Array<string>(STATIC_TABLE_LENGTH + 1).fill('');
  const withValue: Array<[number, string]> = [
    [2, 'GET'], [3, 'POST'], [4, '/'], [5, '/index.html'], [6, 'http'], [7, 'https'],
    [8, '200'], [9, '204'], [10, '206'], [11, '304'], [12, '400'], [13, '404'], [14, '500'],
    [16, 'gzip, deflate'],
  ];
  for (const [index, value] of withValue) values[index] = value;
  return values;
})();

/** Name → lowest static index with that name, for literals with an indexed name (§6.2). */
export const STATIC_NAME_INDEX: ReadonlyMap<string, number> = (() => {
  const map = new Map<string, number>();
  for (let i = 1; i <= STATIC_TABLE_LENGTH; i++) {
    if (!map.has(STATIC_NAMES[i]!)) map.set(STATIC_NAMES[i]!, i);
  }
  return map;
})();
