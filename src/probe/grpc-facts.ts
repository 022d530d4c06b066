/**
 * What `probe --grpc` observed at the gRPC level: plain data for the rules in src/diagnose.
 * Times are milliseconds; `atMs` fields count from the probe's start.
 */
import type { GrpcStatusName } from '../grpc/status.js';

/** How one gRPC call ended, kept on its RequestFacts. */
export interface GrpcCallResult {
  /** grpc-status 0–16. */
  code: number;
  status: GrpcStatusName;
  /** grpc-message (decoded), or why the client side set the status (framing, size). */
  message: string;
  /** Where the status came from: trailers, a Trailers-Only response, the HTTP status, RST_STREAM, a decode error, or nowhere. */
  source: 'trailers' | 'trailers-only' | 'http-status' | 'rst-stream' | 'missing' | 'decode';
  /** Response messages received. */
  messages: number;
  /** The answer was gRPC (content-type application/grpc*, or a grpc-status came). */
  isGrpc: boolean;
}

/** Health Check result (grpc.health.v1). */
export interface GrpcHealthFacts {
  /** The service asked about ('' = the whole server). */
  service: string;
  /**
   * SERVING, NOT_SERVING, UNKNOWN (from the response), SERVICE_UNKNOWN (grpc-status NOT_FOUND:
   * the server does not know the service), UNIMPLEMENTED (no health service), or FAILED (the
   * call ended with another status).
   */
  status: 'SERVING' | 'NOT_SERVING' | 'UNKNOWN' | 'SERVICE_UNKNOWN' | 'UNIMPLEMENTED' | 'FAILED' | `UNRECOGNIZED(${number})`;
  grpcStatus: GrpcStatusName;
  message: string;
  ms: number | null;
}

export interface GrpcReflectionFacts {
  /** Which reflection API answered; null when neither did. */
  version: 'v1' | 'v1alpha' | null;
  /** Services listed; null without reflection. */
  services: string[] | null;
  /** Why reflection gave no list (UNIMPLEMENTED, an error response…), or null. */
  error: string | null;
}

/** Keep-alive enforcement: PINGs with no call active on a fresh connection. */
export interface GrpcKeepaliveFacts {
  pingsSent: number;
  pingsAcked: number;
  /** Gap between PINGs. */
  intervalMs: number;
  /** The server sent GOAWAY ENHANCE_YOUR_CALM. */
  rejected: boolean;
  /** GOAWAY received (any code), with the PING count at that moment and the time since the first PING. */
  goaway: { errorCode: number; lastStreamId: number; debugData: string; afterPings: number; afterMs: number } | null;
  /** The server closed the connection without GOAWAY during the check. */
  closedWithoutGoaway: boolean;
  /** How long the check took. */
  durationMs: number;
}

/** One GOAWAY seen while watching connection age. */
export interface GrpcWatchGoaway {
  connection: number;
  atMs: number;
  errorCode: number;
  lastStreamId: number;
  debugData: string;
}

/** `--watch`: one connection at a time held with calls in flight. */
export interface GrpcWatchFacts {
  watchedMs: number;
  /** Connections used (a new one after each close). */
  connections: number;
  /** Connections the server closed while watched. */
  serverCloses: number;
  goaways: GrpcWatchGoaway[];
  /**
   * Every server close began with GOAWAY last-stream-id 2^31-1 and ended with a second GOAWAY
   * (RFC 9113 §6.8); null when the server closed nothing.
   */
  graceful: boolean | null;
  /** Connections closed without any GOAWAY. */
  closesWithoutGoaway: number;
  calls: number;
  /** Calls the server had accepted but that ended without a response (the ones a client loses). */
  lost: number;
  /** Calls the server had provably not processed (above last-stream-id, REFUSED_STREAM): a client may retry them. */
  unprocessed: number;
  /** First few loss reasons. */
  lostReasons: string[];
}

export interface GrpcFacts {
  /** `flag`: --grpc; `detected`: the plain requests came back `application/grpc`. */
  mode: 'flag' | 'detected';
  /** Detected mode: what gave gRPC away (an application/grpc answer, or a 415 or a method-like path confirmed by a gRPC health Check); null with --grpc. */
  detectedBy: string | null;
  /** Set when the server does not speak gRPC: why, in one line. */
  notGrpc: string | null;
  /** The method the calls used. */
  method: string;
  health: GrpcHealthFacts | null;
  reflection: GrpcReflectionFacts | null;
  /** Calls by grpc-status name, e.g. `{ OK: 18, UNAVAILABLE: 2 }`. */
  statusCounts: Record<string, number>;
  keepalive: GrpcKeepaliveFacts | null;
  watch: GrpcWatchFacts | null;
}
