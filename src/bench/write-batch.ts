import type { Socket } from 'node:net';

const SLAB = 64 * 1024;
const EMPTY = Buffer.alloc(0);

/**
 * Frames queued during one turn of the event loop, handed to the socket in one `write`.
 *
 * Bytes are appended into a slab; `flush` writes the filled part as a view and moves on, so
 * the slab region the socket still holds is never written again (a bump allocator: a fresh slab
 * is taken only when the current one runs out). One write per tick instead of one per frame
 * is most of the difference between a generator that costs 3 µs per request and one that
 * costs 30.
 */
export class WriteBatch {
  /**
   * Starts empty, so the first `reserve` (the connection preface) takes the refill branch. That
   * is not only lazy: V8 compiles a branch that never ran as a deoptimization exit, so without
   * it the first refill, thousands of requests in, would throw away the optimized request loop
   * this is inlined into and compile it again (measured: ~30 ms of compiler CPU per run).
   */
  private slab: Buffer = EMPTY;
  /** Start of the bytes not yet flushed. */
  private start = 0;
  /** End of the bytes queued. */
  private end = 0;
  /** Bytes handed to the socket so far. */
  written = 0;

  constructor(private readonly socket: Socket) {}

  /** Room for `n` more bytes; returns the buffer and offset to write them at. Call `commit(n)` after. */
  reserve(n: number): [Buffer, number] {
    if (this.end + n > this.slab.length) {
      const pending = this.end - this.start;
      const next = Buffer.allocUnsafe(Math.max(SLAB, (pending + n) * 2));
      this.slab.copy(next, 0, this.start, this.end);
      this.slab = next;
      this.start = 0;
      this.end = pending;
    }
    return [this.slab, this.end];
  }

  commit(n: number): void {
    this.end += n;
  }

  append(bytes: Uint8Array): void {
    const [buf, at] = this.reserve(bytes.length);
    buf.set(bytes, at);
    this.end += bytes.length;
  }

  get pending(): number {
    return this.end - this.start;
  }

  flush(): void {
    if (this.end === this.start) return;
    this.written += this.end - this.start;
    this.socket.write(this.slab.subarray(this.start, this.end));
    this.start = this.end;
  }
}
