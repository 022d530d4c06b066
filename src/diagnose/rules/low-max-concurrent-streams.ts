import type { Finding, Rule } from '../finding.js';
import { SettingId } from '../../codec/types.js';

/** RFC 9113 §6.5.2 recommends a limit no smaller than 100, so as not to limit parallelism. */
const RECOMMENDED = 100;

export const lowMaxConcurrentStreamsRule: Rule = {
  id: 'low-max-concurrent-streams',
  check(facts): Finding | null {
    const sent = facts.session?.serverSettings.filter((s) => s.id === SettingId.MAX_CONCURRENT_STREAMS) ?? [];
    if (sent.length === 0) return null; // never sent: unlimited
    const value = sent[sent.length - 1]!.value;
    if (value >= RECOMMENDED) return null;
    return {
      id: 'low-max-concurrent-streams',
      severity: 'warn',
      title: `The server allows only ${value} concurrent streams per connection`,
      evidence: [`SETTINGS_MAX_CONCURRENT_STREAMS=${value} in the server's SETTINGS (RFC 9113 §6.5.2 recommends at least ${RECOMMENDED})`],
      why:
        'Requests beyond the limit wait for a free stream slot or force the client to open more connections; that queueing time is invisible in most load tools ' +
        'but lands directly in the tail when traffic bursts. Some clients exceed the limit and get REFUSED_STREAM.',
      fix:
        'Raise the limit to 100 or more unless a measured reason says otherwise. Node: http2.createServer({ settings: { maxConcurrentStreams: 100 } }) (the default is 4294967295); ' +
        'Go: http2.Server{MaxConcurrentStreams: 250} (default 250); nginx: http2_max_concurrent_streams 128; Envoy: http2_protocol_options.max_concurrent_streams.',
    };
  },
};
