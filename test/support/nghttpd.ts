/**
 * nghttpd (nghttp2's server) as a real peer for the socket tests: a fresh docroot, a free
 * port, started and waited for. The code is `bench/support.ts`'s, shared with the benchmarks.
 */
export { startNghttpd, type Nghttpd, type NghttpdOptions } from '../../bench/support.js';
