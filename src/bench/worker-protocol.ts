import {
  ConnectError, ConnectionClosedError, DnsError, H2DoctorError, NotHttp2Error, TimeoutError, TlsError, ConfigError,
} from '../errors.js';
import type { BenchProgress } from './engine.js';
import type { BenchOptions } from './options.js';
import type { RecorderSnapshot } from './recorder.js';
import type { SelfCheckSample } from './self-check.js';

/** Messages between the main thread and bench workers (structured-clone safe). */
export interface WorkerStart {
  options: Omit<BenchOptions, 'url'> & { url: string };
  workerIndex: number;
  workerCount: number;
}

export type WorkerMessage =
  | { type: 'progress'; progress: BenchProgress }
  | { type: 'live'; snapshot: RecorderSnapshot }
  | { type: 'done'; snapshot: RecorderSnapshot; selfCheck: SelfCheckSample; error: SerializedError | undefined; aborted: boolean; startedAtMs: number }
  | { type: 'crash'; error: SerializedError };

export interface SerializedError {
  code: string;
  message: string;
}

export function serializeError(err: unknown): SerializedError {
  if (err instanceof H2DoctorError) return { code: err.code, message: err.message };
  return { code: 'ERR_INTERNAL', message: (err as Error)?.message ?? String(err) };
}

const byCode: Record<string, new (message: string) => H2DoctorError> = {
  ERR_CONNECT: ConnectError,
  ERR_DNS: DnsError,
  ERR_TLS: TlsError,
  ERR_TIMEOUT: TimeoutError,
  ERR_NOT_H2: NotHttp2Error,
  ERR_CONNECTION_CLOSED: ConnectionClosedError,
};

/** Rebuilds a worker's error in the main thread, keeping its class (and so its code). */
export function deserializeError(e: SerializedError): H2DoctorError {
  const Class = byCode[e.code] ?? ConfigError;
  return new Class(e.message);
}
