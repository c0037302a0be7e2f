/**
 * A fixed-capacity circular buffer that keeps the newest items: pushing to a
 * full buffer evicts the oldest. O(1) per push. Pure; index 0 is the oldest.
 */
import { invariant } from '@flynn-ts/core';

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

  /** Appends as the newest item; returns the oldest when it was pushed out. */
  push(item: T): T | undefined {
    if (this.size < this.capacity) {
      this.slots[(this.head + this.size) % this.capacity] = item;
      this.size++;
      return undefined;
    }
    const evicted = this.slots[this.head] as T;
    this.slots[this.head] = item;
    this.head = (this.head + 1) % this.capacity;
    return evicted;
  }

  /** Items from `start` (0 = oldest) to the newest, as a new array. */
  toArray(start = 0): T[] {
    const from = Math.max(0, Math.min(start, this.size));
    const out = new Array<T>(this.size - from);
    for (let i = from; i < this.size; i++) out[i - from] = this.slots[(this.head + i) % this.capacity] as T;
    return out;
  }
}
