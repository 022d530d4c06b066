import { Counter, Histogram, type Registry } from 'prom-client';
import { ConfigError } from '../errors.js';
import { grpcStatusName } from '../grpc/index.js';

/**
 * Prometheus metrics of `client.unary()`, named and labelled as go-grpc-prometheus names its
 * client metrics (the names dashboards and alerts for gRPC services already use), plus the
 * keep-alive GOAWAYs: grpc_client_started_total, grpc_client_handled_total (by grpc_code),
 * grpc_client_handling_seconds, grpc_client_keepalive_too_many_pings_total. See docs/metrics.md.
 */

export interface GrpcClientMetricsOptions {
  /** Registry to register into (required: the caller scrapes it). */
  registry: Registry;
  /** Handling-time buckets, seconds (go-grpc-prometheus's default: prometheus.DefBuckets). */
  buckets?: number[];
}

const defaultBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const labels = ['grpc_type', 'grpc_service', 'grpc_method'] as const;

export class GrpcClientMetrics {
  private readonly started: Counter<string>;
  private readonly handled: Counter<string>;
  private readonly handling: Histogram<string>;

  constructor(options: GrpcClientMetricsOptions, tooManyPings: () => number) {
    const registers = [options.registry];
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

  /** The RPC ended with `code` after `seconds`. */
  end(l: Record<string, string>, code: number, seconds: number): void {
    this.handled.inc({ ...l, grpc_code: grpcStatusName(code) });
    this.handling.observe(l, seconds);
  }
}
