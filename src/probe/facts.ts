/**
 * What `h2doctor probe` observed about a server: plain data, gathered by the checks in this
 * folder and judged by the pure rules in src/diagnose. Times are milliseconds from the start
 * of the probe (monotonic clock) unless a field says otherwise.
 */
import type { Setting } from '../codec/types.js';
import type { GrpcCallResult, GrpcFacts } from './grpc-facts.js';

/** One certificate as the server presented it (RFC 8446 §4.4.2 order: leaf first). */
export interface CertFacts {
  /** Subject common name (or the whole subject when there is no CN). */
  subject: string;
  /** Issuer common name. */
  issuer: string;
  /** Not-before, ISO 8601. */
  validFrom: string;
  /** Not-after, ISO 8601. */
  validTo: string;
  /** True when subject and issuer are the same (a root sent along with the chain). */
  selfSigned: boolean;
}

export interface TlsFacts {
  /** ALPN protocols the probe offered, in preference order. */
  alpnOffered: string[];
  /** Negotiated TLS version, e.g. `TLSv1.3`. */
  version: string | null;
  /** Negotiated cipher suite name. */
  cipher: string | null;
  /** The chain exactly as presented (leaf first); empty when the server sent none. */
  chain: CertFacts[];
  /** True when the chain verified against the system store plus `--ca` and matched the host. */
  verified: boolean;
  /** OpenSSL verification code (e.g. `UNABLE_TO_VERIFY_LEAF_SIGNATURE`) or null when verified. */
  verifyError: string | null;
  /** Full TLS handshake time of the first connection. */
  handshakeMs: number;
}

/** How one connection ended. */
export interface ConnectionEnd {
  /**
   * `goaway`: the server sent GOAWAY; `fin`: the server closed the socket without GOAWAY;
   * `reset`: the socket was reset (ECONNRESET); `client`: the probe closed it;
   * `open`: still open when the probe finished with it.
   */
  by: 'goaway' | 'fin' | 'reset' | 'client' | 'open';
  /** When it ended. */
  atMs: number | null;
  /** GOAWAY contents when one was received (RFC 9113 §6.8). */
  goaway: { errorCode: number; lastStreamId: number; debugData: string } | null;
}

export interface ConnectionFacts {
  /** 1-based number of the connection within the probe. */
  index: number;
  /** Which check opened it (`grpc-detect`: the plain requests that revealed a gRPC server; the gRPC calls replaced them). */
  purpose: 'requests' | 'resumption' | 'push-disabled' | 'idle' | 'grpc' | 'grpc-keepalive' | 'grpc-watch' | 'grpc-detect';
  /** Requests that completed with a response on it. */
  requests: number;
  /** Client streams opened on it. */
  streams: number;
  end: ConnectionEnd;
}

export interface RequestFacts {
  /** 1-based request number. */
  index: number;
  /** `sequential` (one at a time) or `concurrent` (-m in flight). */
  phase: 'sequential' | 'concurrent';
  /** Connection index it ran on. */
  connection: number;
  /** Client stream id (odd, RFC 9113 §5.1.1); null when no stream was opened. */
  streamId: number | null;
  /** `:status`, or null when no response arrived. */
  status: number | null;
  /** Response `content-type`, lower-cased, or null. */
  contentType: string | null;
  /** From the request being issued to the response HEADERS (includes any wait for a stream slot). */
  ttfbMs: number | null;
  /** From the request being issued to END_STREAM. */
  totalMs: number | null;
  /** Response body bytes. */
  bytes: number;
  /** RST_STREAM code the server sent for this stream, if any. */
  resetCode: number | null;
  /** One line saying why the request failed, or null when it succeeded. */
  error: string | null;
  /** Retried on a new connection after a GOAWAY or close left it unprocessed. */
  retried: boolean;
  /** gRPC mode: how the call ended at the gRPC level (src/probe/grpc-facts.ts). */
  grpc?: GrpcCallResult;
}

export interface PushFacts {
  connection: number;
  /** The request stream the PUSH_PROMISE was sent on. */
  associatedStreamId: number;
  /** The even stream id it reserved (RFC 9113 §8.4). */
  promisedStreamId: number;
  /** `:path` of the promised request. */
  path: string;
  /** DATA bytes received on the promised stream. */
  bytes: number;
  /** True when the probe later requested the same path on that connection (it never does by design unless the path is the target). */
  used: boolean;
}

export interface ResetFacts {
  connection: number;
  streamId: number;
  /** RST_STREAM error code (RFC 9113 §7). */
  errorCode: number;
  atMs: number;
}

/** A window that reached zero while its stream still had data to move (RFC 9113 §6.9). */
export interface FlowControlStallFacts {
  connection: number;
  /** 0 for the connection window. */
  streamId: number;
  /** `recv`: the server waited on the probe's WINDOW_UPDATE; `send`: the probe waited on the server's. */
  direction: 'send' | 'recv';
  atMs: number;
  /** How long until a WINDOW_UPDATE reopened it; null when none came. */
  waitedMs: number | null;
}

export interface SessionFacts {
  /** SETTINGS the server sent first, exactly as on the wire (RFC 9113 §3.4). */
  serverSettings: Setting[];
  /** SETTINGS the probe sent. */
  clientSettings: Setting[];
  /** From the probe's SETTINGS to the server's ACK. */
  settingsAckMs: number | null;
  /** Connection-level (stream 0) WINDOW_UPDATEs the server sent. */
  connectionWindowUpdates: { count: number; bytes: number };
  /** PING round trip. */
  pingRttMs: number | null;
}

export interface ResumptionFacts {
  /** Whether the first connection received a session or ticket to offer. */
  ticketReceived: boolean;
  /** Whether the second connection resumed. */
  resumed: boolean;
  /** Full handshake time (first connection). */
  fullHandshakeMs: number;
  /** Handshake time of the second connection. */
  secondHandshakeMs: number | null;
}

export interface PushDisabledFacts {
  /** ENABLE_PUSH value the probe really sent (read from the tap). */
  enablePushSent: number | null;
  /** PUSH_PROMISE frames received anyway. */
  promises: number;
  /** Promised paths. */
  paths: string[];
  /** How the connection ended (a compliant client must end it with PROTOCOL_ERROR, RFC 9113 §8.4). */
  error: string | null;
}

export interface IdleFacts {
  /** How long the probe was willing to wait. */
  waitedMs: number;
  /** Idle time after which the server closed; null when it stayed open. */
  closedAfterMs: number | null;
  /** How it closed. */
  end: ConnectionEnd;
}

export interface StepTiming {
  /** Step name: dns, connect, tls, settings, ping, requests, resumption, push-disabled, idle. */
  step: string;
  ms: number;
}

export interface ProbeFacts {
  /** The URL probed. */
  target: string;
  /** Wall-clock time of the probe, ISO 8601: certificate expiry is judged against it. */
  checkedAt: string;
  /** `tls` (https) or `h2c` (prior knowledge over plain TCP). */
  transport: 'tls' | 'h2c';
  /** Resolved address. */
  address: string | null;
  /** ALPN selected (`h2`, `http/1.1`, null for none), or `h2c` for prior knowledge. */
  alpn: string | null;
  /** True when the server answered HTTP/1.x (no ALPN h2, or an HTTP/1 reply to the h2c preface). */
  http1Only: boolean;
  /** Why the probe stopped early, or null when every step ran. */
  stoppedEarly: string | null;
  tls: TlsFacts | null;
  session: SessionFacts | null;
  connections: ConnectionFacts[];
  requests: RequestFacts[];
  pushes: PushFacts[];
  resets: ResetFacts[];
  flowControlStalls: FlowControlStallFacts[];
  resumption: ResumptionFacts | null;
  pushDisabled: PushDisabledFacts | null;
  idle: IdleFacts | null;
  timings: StepTiming[];
  /** Checks after the requests that could not run (the server refused a new connection…): the rest of the facts stand. */
  stepErrors: { step: string; error: string }[];
  /** Whole probe duration. */
  durationMs: number;
  /** gRPC mode (--grpc, or gRPC detected): the gRPC-level facts. Absent otherwise. */
  grpc?: GrpcFacts;
}
