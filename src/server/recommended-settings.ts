import type { SecureServerOptions } from 'node:http2';

/**
 * Server options for an API served over HTTP/2, each with the reason for its value. Spread
 * them under your own: `http2.createSecureServer({ ...recommendedSettings(), key, cert })`,
 * then `server.setTimeout(recommendedIdleTimeoutMs)`.
 *
 * Values are starting points measured against the pitfalls in docs/server.md, not laws:
 * change them when your traffic says so, and watch the metrics when you do.
 */
export function recommendedSettings(): SecureServerOptions {
  return {
    settings: {
      // RFC 9113 §6.5.2: a server MAY omit ENABLE_PUSH, and if it sends it the value MUST be 0.
      // Saying so explicitly documents the decision; the push guard refuses pushes anyway.
      enablePush: false,
      // Node advertises no limit (2^32-1) by default, so one client can open thousands of
      // streams on one connection and every one of them shares its flow-control window and
      // the event loop. 128 is nginx's default, above what browsers and h2load use (100),
      // and low enough that a flood queues at the client instead of inside the server.
      maxConcurrentStreams: 128,
      // The RFC default window is 65,535 bytes (§6.9.2): one stream's upload throughput is
      // then at most window ÷ RTT (≈1.3 MB/s at 50 ms), the starvation curl#1102 measured.
      // 1 MiB lets a request body flow without waiting on WINDOW_UPDATE round trips;
      // maxSessionMemory below bounds what a connection can buffer.
      initialWindowSize: 1024 * 1024,
      // Bounds the decoded size of one header list, the HPACK-bomb guard (RFC 9113 §6.5.2,
      // CVE-2016-6581): 64 KiB holds any sane cookie set and stops header floods.
      maxHeaderListSize: 64 * 1024,
    },
    // What Node assumes of the client's SETTINGS_MAX_CONCURRENT_STREAMS until its SETTINGS
    // arrive (it caps pushes and reserved streams). 100 is the floor RFC 9113 §6.5.2
    // recommends peers advertise, so it never overestimates a compliant client.
    peerMaxConcurrentStreams: 100,
    // Megabytes a session may buffer before Node refuses new streams with ENHANCE_YOUR_CALM.
    // The default 10 MB is below 128 streams × 1 MiB windows: a busy connection would have
    // its streams reset (the code 11 failures in the push measurements) for lack of memory
    // that the windows above promised. 64 MB keeps the promise with room for headers.
    maxSessionMemory: 64,
    // A TLS connection that negotiates no HTTP/2 is dropped after this long rather than
    // holding a socket open (Node's default is also 10 s; set explicitly so it is visible).
    unknownProtocolTimeout: 10_000,
  };
}

/**
 * Idle timeout for `server.setTimeout()`, ms.
 *
 * A server that drops an idle connection *before* its client does races with the next
 * request: the client writes into a connection the server is closing, and that request
 * fails (nghttp2#2884; the ALB "502 on keep-alive" story). So the server should stay idle
 * longer than the clients and load balancers in front of it: AWS ALB 60 s, nginx
 * keepalive_timeout 75 s, Go's http.Transport IdleConnTimeout 90 s. 95 s outlasts them all.
 * Behind Google Cloud load balancers (600 s) use 620 s instead.
 */
export const recommendedIdleTimeoutMs = 95_000;
