import type { CliIO } from '../io.js';
import { BenchRecorder, RemoteWriter, type RecorderSnapshot } from '../../bench/runtime.js';

/**
 * `--prometheus-remote-write`: pushes the live figures every interval (when worker 0's snapshot
 * arrives, the others' latest merged in) and the final ones after the run. A failed push is
 * one warning line on stderr and never stops the bench; the final push is awaited, so when the
 * command exits its numbers are in the receiver.
 */
export function startRemoteWrite(p: { url: string; labels: Record<string, string> }, io: CliIO) {
  const writer = new RemoteWriter(p.url, p.labels);
  const latest = new Map<number, RecorderSnapshot>();
  let warned = false;
  let inFlight: Promise<void> = Promise.resolve();
  const warn = (err: unknown) => {
    if (warned) return;
    warned = true;
    io.stderr.write(`warning: prometheus remote write to ${p.url} failed: ${(err as Error).message}\n`);
  };
  const push = (s: RecorderSnapshot) => {
    // One push at a time, in order: the receiver takes samples of a series only in time order.
    inFlight = inFlight.then(() => writer.push(s)).catch(warn);
    return inFlight;
  };
  return {
    onLive(snapshot: RecorderSnapshot, worker: number): void {
      latest.set(worker, snapshot);
      if (worker !== 0) return;
      if (latest.size === 1) void push(snapshot);
      else {
        const merged = new BenchRecorder(0);
        for (const s of latest.values()) merged.merge(s);
        void push(merged.snapshot());
      }
    },
    async finish(final: BenchRecorder): Promise<void> {
      await push(final.snapshot());
    },
  };
}
