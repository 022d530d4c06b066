import type { BenchOptions, LoadStage } from './options.js';
import { Outcome, outcomeNames, type BenchRecorder, type OutcomeCode } from './recorder.js';
import { RequestLog } from './request-log.js';
import { stageIndexAt } from './stages.js';

/**
 * The per-request work that only some options need (`-i` per-target figures, `--stages`
 * per-stage completions, `--log-file` lines). The engine creates one only when such an option
 * is on and otherwise skips it with one `undefined` check, so a plain run pays nothing.
 */
export class RequestObserver {
  private readonly log: RequestLog | undefined;
  private readonly stages: readonly LoadStage[] | undefined;
  /** `-i`: number of targets (1 when off). */
  private readonly targetCount: number;

  constructor(o: BenchOptions, wallOffsetMs: number) {
    this.log = o.logFile !== undefined ? new RequestLog(o.logFile, wallOffsetMs) : undefined;
    this.stages = o.stages;
    this.targetCount = o.targets?.length ?? 1;
  }

  static wanted(o: BenchOptions): boolean {
    return o.logFile !== undefined || o.stages !== undefined || (o.targets !== undefined && o.targets.length > 1);
  }

  /** One measured request; `targetOffset` is the connection's first target (see targetOf). */
  request(
    rec: BenchRecorder, connectionId: number, targetOffset: number, streamId: number, measureStart: number,
    createdAt: number, sentAt: number, firstByteAt: number, endAt: number, status: number, outcome: OutcomeCode,
  ): void {
    if (rec.targets !== undefined) rec.targets[targetOf(streamId, targetOffset, this.targetCount)]!.record(endAt - createdAt, status, outcome !== Outcome.OK);
    if (this.stages !== undefined && rec.stageCompleted !== undefined) rec.stageCompleted[stageIndexAt(this.stages, endAt - measureStart)]!++;
    this.log?.line(connectionId, streamId, createdAt, sentAt, firstByteAt, endAt, status, outcomeNames[outcome]);
  }

  close(): void {
    this.log?.close();
  }
}

/**
 * Which target a stream carried. Each connection sends the targets round-robin starting at its
 * own offset, and client stream ids go 1, 3, 5 … one per request (RFC 9113 §5.1.1), so the
 * stream id alone says where in the round it was: nothing is stored per request.
 */
export function targetOf(streamId: number, offset: number, count: number): number {
  return (((streamId - 1) >>> 1) + offset) % count;
}
