/**
 * The HPACK dynamic table (RFC 7541 §2.3.2, §4): a FIFO of (name, value) entries, newest at
 * dynamic index 1, bounded by a size in octets; inserting evicts from the oldest end.
 *
 * Held as a ring buffer of two string arrays, so insertion and eviction are O(1) and a lookup
 * by index is one mask. Encoder and decoder each keep one; the encoder also needs to know when
 * an entry leaves (to drop it from its lookup maps), hence `onEvict`.
 */

/** Per-entry overhead in the size computation (RFC 7541 §4.1). */
export const ENTRY_OVERHEAD = 32;

/** Size of one entry in RFC 7541 §4.1 octets; names and values are latin1, one char per octet. */
export function entrySize(name: string, value: string): number {
  return name.length + value.length + ENTRY_OVERHEAD;
}

export class DynamicTable {
  /** Entry names by ring slot. */
  private names: string[];
  /** Entry values by ring slot. */
  private values: string[];
  /** Ring capacity − 1 (capacity is a power of two). */
  private mask: number;
  /** Ring slot of the oldest entry. */
  private oldest = 0;
  /** Number of entries. */
  private count = 0;
  /** Sum of entry sizes (§4.1). */
  private octets = 0;
  /** Current maximum size (§4.2): the last size update, or the initial size. */
  private max: number;
  /** Entries ever inserted; the newest entry's id is `inserted − 1` (ids never repeat). */
  private inserted = 0;
  /** Called for each entry as it is evicted, with the id it was inserted under. */
  onEvict: ((name: string, value: string, id: number) => void) | undefined;

  constructor(maxSize: number) {
    this.max = maxSize;
    this.names = new Array<string>(16).fill('');
    this.values = new Array<string>(16).fill('');
    this.mask = 15;
  }

  /** Current size in §4.1 octets. */
  get size(): number {
    return this.octets;
  }

  /** Number of entries. */
  get length(): number {
    return this.count;
  }

  /** Current maximum size. */
  get maxSize(): number {
    return this.max;
  }

  /** Entries ever inserted (the next entry's id); an entry too large to insert does not count. */
  get insertCount(): number {
    return this.inserted;
  }

  /** Name of the entry at dynamic index `index` (1 = newest); the caller checks 1 ≤ index ≤ length. */
  nameAt(index: number): string {
    return this.names[(this.oldest + this.count - index) & this.mask]!;
  }

  /** Value of the entry at dynamic index `index` (1 = newest). */
  valueAt(index: number): string {
    return this.values[(this.oldest + this.count - index) & this.mask]!;
  }

  /**
   * Inserts an entry (§4.4): evicts from the oldest end until it fits. An entry larger than
   * the maximum size empties the table and is not inserted — not an error.
   */
  add(name: string, value: string): void {
    const size = entrySize(name, value);
    if (size > this.max) {
      while (this.count > 0) this.evictOldest();
      return;
    }
    while (this.octets + size > this.max) this.evictOldest();
    if (this.count > this.mask) this.grow();
    const slot = (this.oldest + this.count) & this.mask;
    this.names[slot] = name;
    this.values[slot] = value;
    this.count++;
    this.octets += size;
    this.inserted++;
  }

  /** Sets the maximum size (§4.3), evicting entries until the table fits. */
  setMaxSize(maxSize: number): void {
    this.max = maxSize;
    while (this.octets > maxSize) this.evictOldest();
  }

  private evictOldest(): void {
    const slot = this.oldest;
    const name = this.names[slot]!;
    const value = this.values[slot]!;
    // Drop the references so evicted strings can be collected.
    this.names[slot] = '';
    this.values[slot] = '';
    this.oldest = (slot + 1) & this.mask;
    this.count--;
    this.octets -= entrySize(name, value);
    this.onEvict?.(name, value, this.inserted - this.count - 1);
  }

  private grow(): void {
    const capacity = (this.mask + 1) * 2;
    const names = new Array<string>(capacity).fill('');
    const values = new Array<string>(capacity).fill('');
    for (let i = 0; i < this.count; i++) {
      names[i] = this.names[(this.oldest + i) & this.mask]!;
      values[i] = this.values[(this.oldest + i) & this.mask]!;
    }
    this.names = names;
    this.values = values;
    this.oldest = 0;
    this.mask = capacity - 1;
  }
}
