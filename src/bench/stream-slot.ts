/** One in-flight request of a BenchConnection. Objects are pooled per connection. */
export interface StreamSlot {
  /** Clock time the request was created (or its intended send time with --rate). */
  startedAt: number;
  /** Clock time its HEADERS were written. */
  sentAt: number;
  /** Clock time the response HEADERS arrived; NaN until then. */
  firstByteAt: number;
  /** Response status; 0 until the response HEADERS arrived. */
  status: number;
  /** PUSH_PROMISEs received on this stream. */
  pushes: number;
  /** DATA bytes received since our last WINDOW_UPDATE for this stream. */
  unacked: number;
  /** `--grpc`: the call's grpc-status once known, -1 until then (grpc-call.ts). */
  grpc: number;
}
