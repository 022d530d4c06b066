import { H2ErrorCode } from '../errors.js';

/**
 * Label value for an HTTP/2 error code (RFC 9113 §7): `CANCEL`, `NO_ERROR`…; codes the RFC
 * does not define become `0x…` so an odd peer cannot invent unbounded label values beyond
 * the 32-bit code space it is given.
 */
const names = new Map<number, string>(Object.entries(H2ErrorCode).map(([name, value]) => [value, name]));

export function h2CodeLabel(code: number): string {
  return names.get(code) ?? `0x${code.toString(16)}`;
}
