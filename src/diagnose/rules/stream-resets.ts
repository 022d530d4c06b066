import type { Finding, Rule } from '../finding.js';
import { H2ErrorCode } from '../../errors.js';
import { h2ErrorName } from '../../codec/names.js';

export const streamResetsRule: Rule = {
  id: 'stream-resets',
  check(facts): Finding | null {
    // RST_STREAM(NO_ERROR) after a complete response is allowed (RFC 9113 §8.1): not a failure.
    const resets = facts.resets.filter((r) => r.errorCode !== H2ErrorCode.NO_ERROR);
    if (resets.length === 0) return null;
    const byCode = new Map<number, number[]>();
    for (const r of resets) byCode.set(r.errorCode, [...(byCode.get(r.errorCode) ?? []), r.streamId]);
    return {
      id: 'stream-resets',
      severity: 'warn',
      title: `The server reset ${resets.length} stream(s)`,
      evidence: [...byCode].map(([code, ids]) => `${h2ErrorName(code)} on stream(s) ${ids.slice(0, 10).join(', ')}${ids.length > 10 ? ` (+${ids.length - 10})` : ''}`),
      why:
        'A reset request fails or is retried after it already waited: REFUSED_STREAM means the server was over its stream limit, ENHANCE_YOUR_CALM that it judged the client abusive, ' +
        'INTERNAL_ERROR a crash in the handler. Each retry doubles that request\'s latency.',
      fix:
        'Find the cause by code. REFUSED_STREAM: raise MAX_CONCURRENT_STREAMS or make clients respect it (Go: Transport StrictMaxConcurrentStreams). ENHANCE_YOUR_CALM: stop pushing, ' +
        'lower the client\'s reset rate, check rapid-reset limits (Node maxSessionRejectedStreams/maxSessionInvalidFrames, nginx http2 limits, Envoy max_requests_per_io_cycle). ' +
        'INTERNAL_ERROR: read the server logs for handler errors.',
    };
  },
};
