import { Counter, Histogram, type Registry } from 'prom-client';
import { ConfigError } from '../errors.js';
import { grpcCodeLabel } from '../grpc/prometheus-code.js';

/**
 * Prometheus metrics of `client.unary()`, named and labelled as go-grpc-prometheus names its
 * client metrics (the names dashboards and alerts for gRPC services already use; `grpc_code`
 * is grpc-go's code name, `Unavailable`), plus the keep-alive GOAWAYs and the streams opened
 * per peer: grpc_client_started_total, grpc_client_handled_total, grpc_client_handling_seconds,
 * grpc_client_keepalive_too_many_pings_total, grpc_client_stream_created_total. See
 * docs/metrics.md.
 *
 * `grpc_client_stream_created_total{service, peer}` is the counter the incident's dashboards
 * watched. Neither go-grpc-prometheus nor grpc-go's OpenTelemetry metrics (gRFC A66) have that
 * name; the nearest standard one is A66's `grpc.client.attempt.started` (per method and
 * channel target). It is kept under the incident's name and labels because it answers a
 * question the per-call counters cannot: how many HTTP/2 streams each server address took,
 * retries, hedges and transparent re-sends included.
 */

export interface GrpcClientMetricsOptions {
  /** Registry to register into (required: the caller scrapes it). */
  registry: Registry;
  /** Handling-time buckets, seconds (go-grpc-prometheus's default: prometheus.DefBuckets). */
  buckets?: number[];
}

const defaultBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const labels = ['grpc_type', 'grpc_service', 'grpc_method'] as const;

/** Streams opened for calls to one gRPC service, by peer address (plain numbers, read at scrape). */
type StreamsByPeer = Map<string, number>;

export class GrpcClientMetrics {
  private readonly started: Counter<string>;
  private readonly handled: Counter<string>;
  private readonly handling: Histogram<string>;
  /** Streams opened, by gRPC service, then peer. */
  private readonly streams = new Map<string, StreamsByPeer>();
  /** The `onStream` function of each service, made once. */
  private readonly streamCounters = new Map<string, (peer: string) => void>();

  constructor(options: GrpcClientMetricsOptions, tooManyPings: () => number) {
    const registers = [options.registry];
    const streams = this.streams;
    try {
      this.started = new Counter({ name: 'grpc_client_started_total', help: 'RPCs started on the client.', labelNames: labels, registers });
      this.handled = new Counter({ name: 'grpc_client_handled_total', help: 'RPCs completed on the client, regardless of success or failure.', labelNames: [...labels, 'grpc_code'], registers });
      this.handling = new Histogram({
        name: 'grpc_client_handling_seconds', help: 'Time from the start of an RPC to its end, retries included.', labelNames: labels, buckets: options.buckets ?? defaultBuckets, registers,
      });
      new Counter({
        name: 'grpc_client_keepalive_too_many_pings_total', help: 'GOAWAY ENHANCE_YOUR_CALM "too_many_pings" received (the keep-alive interval doubled each time).', registers,
        collect() { this.reset(); this.inc(tooManyPings()); },
      });
      new Counter({
        name: 'grpc_client_stream_created_total', help: 'HTTP/2 streams opened for RPCs (every attempt: retries, hedges, transparent re-sends), by gRPC service and peer address.',
        labelNames: ['service', 'peer'], registers,
        collect() {
          this.reset();
          for (const [service, byPeer] of streams) for (const [peer, n] of byPeer) this.inc({ service, peer }, n);
        },
      });
    } catch (err) {
      throw new ConfigError(`grpcMetrics: ${(err as Error).message} (one client per registry)`, { cause: err });
    }
  }

  /** An RPC began; returns its labels for `end`. */
  start(method: string): Record<string, string> {
    const slash = method.lastIndexOf('/');
    const l = { grpc_type: 'unary', grpc_service: method.slice(1, slash), grpc_method: method.slice(slash + 1) };
    this.started.inc(l);
    return l;
  }

  /** The counter of streams opened for calls to `service`, for the request's `onStream`. */
  streamCounter(service: string): (peer: string) => void {
    let counter = this.streamCounters.get(service);
    if (counter === undefined) {
      const counts: StreamsByPeer = new Map();
      this.streams.set(service, counts);
      counter = function streamCreated(peer: string) {
        counts.set(peer, (counts.get(peer) ?? 0) + 1);
      };
      this.streamCounters.set(service, counter);
    }
    return counter;
  }

  /** The RPC ended with `code` after `seconds`. */
  end(l: Record<string, string>, code: number, seconds: number): void {
    this.handled.inc({ ...l, grpc_code: grpcCodeLabel(code) });
    this.handling.observe(l, seconds);
  }
}
