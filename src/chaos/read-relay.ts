/**
 * Reads into a reused buffer for sockets the proxy opens itself (the upstream side).
 *
 * A stream socket reads at most 64 KiB at a time into a freshly allocated Buffer and pushes it
 * through the Readable machinery; on a bulk transfer that is a syscall, an allocation and a
 * `data` event per 64 KiB, the main cost of a `socket.pipe` proxy. With `onread` (a
 * net.Socket option) the kernel fills a buffer we own, up to its size, and we get (bytes,
 * buffer) straight from the handle. The bytes are only valid until the
 * buffer is read into again, so the target either hands them to the kernel at once or copies
 * them (DirectionPipe.onRead).
 *
 * Accepted sockets cannot take `onread` (net.Server creates them), so only the upstream socket,
 * which carries the responses, reads this way.
 */

/**
 * Read buffer sizes. A connection starts with a stream socket's 64 KiB; the first read that
 * fills it shows more was waiting (a bulk transfer), and from then on it reads up to 1 MiB at
 * a time: in bench/chaos.ts that took the proxy from 60–100 ms of CPU per 64 MB to 23–31 ms.
 * Request/response traffic never fills 64 KiB and keeps the small buffer.
 */
export const FIRST_READ_BUFFER_BYTES = 64 * 1024;
export const BULK_READ_BUFFER_BYTES = 1024 * 1024;

/** Where a relay delivers reads; returns false to stop reading (the socket is then paused). */
export interface ReadTarget {
  onRead(n: number, buffer: Buffer): boolean;
}

/** The `onread` option of one socket, bound later to the pipe that reads it. */
export class ReadRelay {
  private target: ReadTarget | undefined;
  /** The buffer the next read goes into (Node asks for it after every read). */
  private buffer = Buffer.allocUnsafe(FIRST_READ_BUFFER_BYTES);
  /** Reads that arrived before a target was attached, copied (the buffer is reused). */
  private early: Buffer[] = [];
  readonly onread = {
    buffer: (): Buffer => this.buffer,
    callback: (n: number, buffer: Buffer): boolean => this.deliver(n, buffer),
  };

  /** Binds the reader; reads that came before it are delivered first. */
  attach(target: ReadTarget): void {
    this.target = target;
    const early = this.early;
    this.early = [];
    for (const b of early) target.onRead(b.length, b);
  }

  private deliver(n: number, buffer: Buffer): boolean {
    // A new buffer, not a grown one: a write may still point into this one (DirectionPipe.onRead).
    if (n === buffer.length && buffer.length < BULK_READ_BUFFER_BYTES) this.buffer = Buffer.allocUnsafe(BULK_READ_BUFFER_BYTES);
    if (this.target) return this.target.onRead(n, buffer);
    // Node starts reading after the 'connect' listeners ran, where the pipe is made, so this
    // is only a safety net.
    this.early.push(Buffer.from(buffer.subarray(0, n)));
    return true;
  }
}
