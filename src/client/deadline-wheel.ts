import type { Clock } from '../clock.js';

/**
 * Request deadlines without a timer per request. A timer per request costs a Timeout object,
 * a closure and two trips through node's timer lists, for a deadline that nearly never fires.
 * Here each client keeps one list per distinct timeout (node's own timers do the same):
 * requests with the same timeout join in deadline order, so adding is an append and removing
 * an unlink, both O(1) and allocation-free (the links live on the entry). Each list has one
 * timer, armed for its oldest deadline; when it fires it expires what is due by the injected
 * clock and re-arms for the next one. Entries removed early never touch the timer: it wakes
 * at most once per timeout period to find a later head.
 */

/** node's largest timer delay (2^31 − 1 ms). */
const MAX_TIMER_MS = 2_147_483_647;

/** What the wheel links; the request's own object, so registering allocates nothing. */
export interface DeadlineEntry {
  /** Clock time the entry expires. */
  deadline: number;
  /** The list holding it; undefined when not registered. */
  deadlineList: DeadlineList | undefined;
  /** Neighbours in the list (older, newer). */
  deadlinePrev: DeadlineEntry | undefined;
  deadlineNext: DeadlineEntry | undefined;
  /** Called once when the deadline passes, after the entry was removed. */
  expire(): void;
}

/** The entries with one timeout, oldest first, and the timer for the oldest. */
export class DeadlineList {
  head: DeadlineEntry | undefined = undefined;
  tail: DeadlineEntry | undefined = undefined;
  /** Entries now; the timer keeps the process alive only while this is above 0. */
  size = 0;
  timer: NodeJS.Timeout | undefined = undefined;

  constructor(
    private readonly wheel: DeadlineWheel,
    readonly timeoutMs: number,
  ) {}

  append(entry: DeadlineEntry): void {
    entry.deadlineList = this;
    entry.deadlinePrev = this.tail;
    entry.deadlineNext = undefined;
    if (this.tail === undefined) this.head = entry;
    else this.tail.deadlineNext = entry;
    this.tail = entry;
    if (this.size++ === 0 && this.timer !== undefined) this.timer.ref();
  }

  remove(entry: DeadlineEntry): void {
    const prev = entry.deadlinePrev;
    const next = entry.deadlineNext;
    if (prev === undefined) this.head = next;
    else prev.deadlineNext = next;
    if (next === undefined) this.tail = prev;
    else next.deadlinePrev = prev;
    entry.deadlineList = undefined;
    entry.deadlinePrev = undefined;
    entry.deadlineNext = undefined;
    // An empty list must not hold the process open until its timer's next wake-up.
    if (--this.size === 0 && this.timer !== undefined) this.timer.unref();
  }

  /** Arms the timer for `ms` from now. */
  arm(ms: number): void {
    // Beyond node's limit setTimeout fires after 1 ms; waking early just re-arms.
    this.timer = setTimeout(this.onTimer, Math.min(ms, MAX_TIMER_MS));
    if (this.size === 0) this.timer.unref();
  }

  private readonly onTimer = (): void => {
    this.timer = undefined;
    this.wheel.expireDue(this);
  };
}

export class DeadlineWheel {
  private readonly lists = new Map<number, DeadlineList>();

  constructor(private readonly clock: Clock) {}

  /**
   * Registers `entry` to expire `timeoutMs` after `now` (a reading of the same clock); sets
   * `entry.deadline`. A timeout that is not a positive finite number means no deadline.
   */
  add(entry: DeadlineEntry, timeoutMs: number, now: number): void {
    entry.deadline = now + timeoutMs;
    if (!(timeoutMs > 0 && timeoutMs < Infinity)) return;
    let list = this.lists.get(timeoutMs);
    if (list === undefined) {
      list = new DeadlineList(this, timeoutMs);
      this.lists.set(timeoutMs, list);
    }
    // Same timeout, monotonic clock: appending keeps the list in deadline order. A clock
    // stepped backwards only makes a later entry expire no earlier than the one before it.
    list.append(entry);
    if (list.timer === undefined) list.arm(timeoutMs);
  }

  /** Unregisters `entry` if registered. */
  remove(entry: DeadlineEntry): void {
    entry.deadlineList?.remove(entry);
  }

  /** Expires the entries of `list` that are due and re-arms for the next; called by its timer. */
  expireDue(list: DeadlineList): void {
    const now = this.clock.now();
    let head = list.head;
    while (head !== undefined && head.deadline <= now) {
      list.remove(head);
      head.expire();
      head = list.head;
    }
    if (head === undefined) {
      // Idle: drop the list, so one-off timeouts do not accumulate.
      if (this.lists.get(list.timeoutMs) === list) this.lists.delete(list.timeoutMs);
      return;
    }
    // node's timers may wake a little before the clock says (libuv's cached loop time).
    list.arm(Math.max(1, Math.ceil(head.deadline - now)));
  }
}
