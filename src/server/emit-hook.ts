import type { Http2SecureServer, Http2Server, IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import type { RequestTracker } from './request-tracker.js';
import { swapEmittingTrace, traceContextWanted, traceStorage } from './trace.js';

type AnyServer = Http2Server | Http2SecureServer;

/**
 * The one hook on the server object: its own `emit`, so the bookkeeping runs before every
 * 'stream' listener (the compat layer's included, which is itself a 'stream' listener) and
 * the handlers run inside the trace context. Returns the unhook, which restores `emit` when
 * nobody has wrapped it since (and otherwise makes the wrapper pass everything through).
 *
 * `trace`: 'off' runs handlers with no trace context; 'async' enters the AsyncLocalStorage
 * context for every request; 'lazy' enters it only once someone has called getTraceId()
 * (trace.ts explains the cost).
 */
export function hookStreamEmit(server: AnyServer, requests: RequestTracker, trace: 'off' | 'lazy' | 'async'): () => void {
  const baseEmit = server.emit;
  let unhooked = false;
  // Fixed parameters rather than rest arguments: 'stream' carries (stream, headers, flags,
  // rawHeaders), and this runs for every event the server emits.
  function instrumentedEmit(this: AnyServer, event: string | symbol, a?: unknown, b?: unknown, c?: unknown, d?: unknown): boolean {
    // eslint-disable-next-line prefer-rest-params -- forwards exactly what was emitted
    if (event !== 'stream' || unhooked) return baseEmit.apply(this, arguments as never);
    const rec = requests.start(a as ServerHttp2Stream, b as IncomingHttpHeaders);
    if (trace === 'off') return baseEmit.call(this, event, a, b, c, d);
    if (trace === 'async' || traceContextWanted()) return traceStorage.run(rec, emitStream, this, a, b, c, d);
    const previous = swapEmittingTrace(rec);
    try {
      return baseEmit.call(this, event, a, b, c, d);
    } finally {
      swapEmittingTrace(previous);
    }
  }
  function emitStream(self: AnyServer, a: unknown, b: unknown, c: unknown, d: unknown): boolean {
    return baseEmit.call(self, 'stream', a, b, c, d);
  }
  server.emit = instrumentedEmit as typeof server.emit;
  return function unhookStreamEmit() {
    unhooked = true;
    if (server.emit === instrumentedEmit) server.emit = baseEmit;
  };
}
