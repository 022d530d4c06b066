import type { Finding, Rule } from '../finding.js';
import { formatBytes } from '../../units.js';

/** A document is the one kind of response push was designed for (RFC 9113 §8.4: pushing subresources of a page). */
function isDocument(contentType: string | null): boolean {
  return contentType !== null && /^(text\/html|application\/xhtml\+xml)\b/.test(contentType);
}

export const pushOnApiRule: Rule = {
  id: 'push-on-api',
  check(facts): Finding | null {
    const apiRequests = facts.requests.filter((r) => r.streamId !== null && !isDocument(r.contentType));
    const pushed = apiRequests
      .map((r) => facts.pushes.filter((p) => p.connection === r.connection && p.associatedStreamId === r.streamId))
      .filter((ps) => ps.length > 0);
    if (pushed.length === 0) return null;
    const promises = pushed.reduce((n, ps) => n + ps.length, 0);
    const bytes = pushed.flat().reduce((n, p) => n + p.bytes, 0);
    const paths = [...new Set(pushed.flat().map((p) => p.path))];
    const unused = pushed.flat().filter((p) => !p.used).length;
    return {
      id: 'push-on-api',
      severity: 'warn',
      title: 'The server pushes resources alongside API responses',
      evidence: [
        `${pushed.length} of ${apiRequests.length} non-document responses came with pushes: ${(promises / pushed.length).toFixed(1)} promises and ${formatBytes(Math.round(bytes / pushed.length))} per response`,
        `promised paths: ${paths.slice(0, 8).join(', ')}${paths.length > 8 ? ` (+${paths.length - 8} more)` : ''}`,
        `${unused} of ${promises} pushed streams were never requested by the client`,
      ],
      why:
        'Every push opens a server stream and sends bytes the API client did not ask for, on the same connection and flow-control windows as the real responses. ' +
        'Responses queue behind pushed bytes, and under load peers start resetting streams (ENHANCE_YOUR_CALM) or dropping connections, so the tail grows first.',
      fix:
        'Stop pushing on API routes. Node: remove stream.pushStream() calls (or wrap the server so push is refused). ' +
        'Go net/http: do not call http.Pusher.Push; wrap the ResponseWriter so Push returns http.ErrNotSupported. ' +
        'nginx: remove http2_push / http2_push_preload (gone since 1.25.1). Envoy: does not push; look at the upstream behind it. ' +
        'Use 103 Early Hints or <link rel=preload> for pages instead.',
    };
  },
};
