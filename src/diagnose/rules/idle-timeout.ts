import type { Finding, Rule } from '../finding.js';
import { describeEnd } from './connection-churn.js';

export const idleTimeoutRule: Rule = {
  id: 'idle-timeout',
  check(facts): Finding | null {
    const idle = facts.idle;
    if (!idle || idle.closedAfterMs === null) return null;
    const seconds = idle.closedAfterMs / 1000;
    // Leave a margin for clock drift and a request written just before the close arrives.
    const advised = Math.max(0.5, Math.min(seconds - 1, seconds * 0.8));
    return {
      id: 'idle-timeout',
      severity: 'info',
      title: `The server closes idle connections after about ${seconds.toFixed(1)} s`,
      evidence: [`an idle connection was ${describeEnd(idle.end)} after ${seconds.toFixed(2)} s`],
      why:
        'A client that keeps an idle connection longer than the server will sooner or later write a request into a connection the server is closing; that request fails or is retried.',
      fix:
        `Keep client pools' idle timeout below the server's: about ${advised.toFixed(1)} s here. Node: close idle sessions with session.setTimeout(); undici: keepAliveTimeout; ` +
        'Go: Transport.IdleConnTimeout (and http2 ReadIdleTimeout/PingTimeout to detect dead connections); nginx upstream: keepalive_timeout; Envoy: common_http_protocol_options.idle_timeout.',
    };
  },
};
