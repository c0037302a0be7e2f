/**
 * A fixed-capacity circular buffer that keeps the newest items: adding to a
 * full buffer evicts the oldest. Items can also be inserted in the middle
 * (an out-of-order log line), which shifts the newer ones by one slot.
 * Pure and synchronous; index 0 is the oldest item.
 */
import { invariant } from '@flynn-ts/core';

export interface InsertResult<T> {
  /** False when the buffer was full and the item would have been the oldest: it is not stored. */
  stored: boolean;
  /** The oldest item, pushed out to make room. */
  evicted?: T;
}

export class RingBuffer<T> {
  private readonly slots: (T | undefined)[];
  private head = 0;
  private size = 0;

  constructor(readonly capacity: number) {
    invariant(Number.isInteger(capacity) && capacity >= 1, 'ring buffer capacity must be a positive integer', { capacity });
    this.slots = new Array<T | undefined>(capacity);
  }

  get length(): number {
    return this.size;
  }

  /** The item at `i` (0 = oldest). Throws on an index outside [0, length). */
  at(i: number): T {
    invariant(Number.isInteger(i) && i >= 0 && i < this.size, 'ring buffer index out of range', { i, length: this.size });
    return this.slots[(this.head + i) % this.capacity] as T;
  }

  /** The newest item, or undefined when empty. */
  last(): T | undefined {
    return this.size === 0 ? undefined : this.at(this.size - 1);
  }

  /** Appends as the newest item. */
  push(item: T): InsertResult<T> {
    return this.insert(this.size, item);
  }

  /**
   * Inserts so that the item ends up just before the one now at `index`
   * (`index = length` appends). When full, the oldest item is evicted first;
   * an item that would itself be the oldest (`index = 0`) is then dropped.
   */
  insert(index: number, item: T): InsertResult<T> {
    invariant(Number.isInteger(index) && index >= 0 && index <= this.size, 'ring buffer insert index out of range', { index, length: this.size });
    let evicted: T | undefined;
    let at = index;
    if (this.size === this.capacity) {
      if (at === 0) return { stored: false };
      evicted = this.slots[this.head] as T;
      this.slots[this.head] = undefined;
      this.head = (this.head + 1) % this.capacity;
      this.size--;
      at--;
    }
    this.shiftTail(at);
    this.slots[(this.head + at) % this.capacity] = item;
    this.size++;
    return evicted === undefined ? { stored: true } : { stored: true, evicted };
  }

  /**
   * Moves the items at logical [at, size) one slot towards the end, in
   * contiguous blocks (`copyWithin`, a memmove) split where the array wraps.
   */
  private shiftTail(at: number): void {
    const cap = this.capacity;
    let n = this.size - at;
    while (n > 0) {
      const src = (this.head + at + n - 1) % cap; // the last item still to move
      if (src === cap - 1) {
        this.slots[0] = this.slots[cap - 1];
        n--;
        continue;
      }
      const run = Math.min(n, src + 1);
      this.slots.copyWithin(src - run + 2, src - run + 1, src + 1);
      n -= run;
    }
  }

  /** Items from `start` (0 = oldest) to the newest, as a new array. */
  toArray(start = 0): T[] {
    const from = Math.max(0, Math.min(start, this.size));
    const out = new Array<T>(this.size - from);
    for (let i = from; i < this.size; i++) out[i - from] = this.slots[(this.head + i) % this.capacity] as T;
    return out;
  }

  /**
   * The smallest index whose item is greater than `probe` by `compare`
   * (items must be sorted by it): where `probe` goes to stay sorted, after
   * its equals.
   */
  upperBound(probe: T, compare: (a: T, b: T) => number): number {
    let lo = 0;
    let hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compare(this.at(mid), probe) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
