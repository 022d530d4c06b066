import { closeSync, openSync, writeSync } from 'node:fs';

/**
 * `--log-file FILE`: one tab-separated line per measured request. The first three columns are
 * h2load's (`--log-file`): start time in µs since the epoch, HTTP status (0 when none
 * arrived), duration in µs. Then ours: connection id, stream id, queue time in µs (waiting for
 * a stream slot or a connection), time to first byte in µs (−1 without a response), outcome.
 *
 * Start time and duration follow the report's `total`: from the created time, or with
 * `--rate`/`--stages` from the *intended* send time (coordinated omission corrected); h2load's
 * request time (from the HEADERS write) is duration − queue. Durations are rounded to whole µs
 * exactly as the histograms round them, so a histogram rebuilt from the log matches the report's.
 *
 * Lines are buffered and written with one `write` per 64 KiB to a file opened for appending, so
 * worker threads (each with its own RequestLog on the same file) never interleave within a line.
 */
export const REQUEST_LOG_COLUMNS = ['start_us', 'status', 'duration_us', 'connection', 'stream', 'queue_us', 'ttfb_us', 'outcome'] as const;

const FLUSH_AT = 64 * 1024;

export class RequestLog {
  private readonly fd: number;
  private buffer = '';

  /** `wallOffsetMs`: add it to a clock reading to get ms since the epoch. */
  constructor(path: string, private readonly wallOffsetMs: number) {
    this.fd = openSync(path, 'a');
  }

  line(connectionId: number, streamId: number, createdAt: number, sentAt: number, firstByteAt: number, endAt: number, status: number, outcome: string): void {
    const startUs = Math.round((createdAt + this.wallOffsetMs) * 1000);
    const durationUs = Math.max(0, Math.round((endAt - createdAt) * 1000));
    const queueUs = Math.max(0, Math.round((sentAt - createdAt) * 1000));
    const ttfbUs = firstByteAt === firstByteAt ? Math.max(0, Math.round((firstByteAt - sentAt) * 1000)) : -1;
    this.buffer += `${startUs}\t${status}\t${durationUs}\t${connectionId}\t${streamId}\t${queueUs}\t${ttfbUs}\t${outcome}\n`;
    if (this.buffer.length >= FLUSH_AT) this.flush();
  }

  flush(): void {
    if (this.buffer.length === 0) return;
    writeSync(this.fd, this.buffer);
    this.buffer = '';
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

/** One parsed log line (tests, tools). */
export interface RequestLogLine {
  startUs: number; status: number; durationUs: number; connection: number; stream: number; queueUs: number; ttfbUs: number; outcome: string;
}

export function parseRequestLog(text: string): RequestLogLine[] {
  return text.split('\n').filter(Boolean).map((l) => {
    const [startUs, status, durationUs, connection, stream, queueUs, ttfbUs, outcome] = l.split('\t');
    return {
      startUs: Number(startUs), status: Number(status), durationUs: Number(durationUs), connection: Number(connection),
      stream: Number(stream), queueUs: Number(queueUs), ttfbUs: Number(ttfbUs), outcome: outcome ?? '',
    };
  });
}
