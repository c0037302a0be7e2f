/**
 * The in-flight append messages to one follower, for flow control (etcd
 * `tracker/inflights.go`). Each entry records the last log index a message
 * carried and its payload bytes. The window is full when it holds `size`
 * messages, or (if `maxBytes > 0`) at least `maxBytes` bytes.
 */
import { invariant } from '@flynn-ts/core';

export class Inflights {
  private readonly indexes: number[];
  private readonly sizes: number[];
  private start = 0;
  private n = 0;
  private totalBytes = 0;

  constructor(
    readonly size: number,
    readonly maxBytes = 0,
  ) {
    invariant(Number.isInteger(size) && size > 0, 'inflights size must be a positive integer', { size });
    this.indexes = new Array<number>(size).fill(0);
    this.sizes = new Array<number>(size).fill(0);
  }

  /** Records a message whose last entry is `index`; indexes must increase. */
  add(index: number, bytes: number): void {
    invariant(!this.full(), 'cannot add into a full inflights window', { index, count: this.n, bytes: this.totalBytes });
    if (this.n > 0) {
      const last = this.indexes[(this.start + this.n - 1) % this.size]!;
      invariant(index > last, 'inflight indexes must increase', { index, last });
    }
    const slot = (this.start + this.n) % this.size;
    this.indexes[slot] = index;
    this.sizes[slot] = bytes;
    this.n++;
    this.totalBytes += bytes;
  }

  /** Frees every message whose last index is <= `to` (they were acknowledged). */
  freeLE(to: number): void {
    while (this.n > 0 && this.indexes[this.start]! <= to) {
      this.totalBytes -= this.sizes[this.start]!;
      this.start = (this.start + 1) % this.size;
      this.n--;
    }
    if (this.n === 0) this.start = 0;
  }

  full(): boolean {
    return this.n === this.size || (this.maxBytes > 0 && this.totalBytes >= this.maxBytes);
  }

  count(): number {
    return this.n;
  }

  bytes(): number {
    return this.totalBytes;
  }

  reset(): void {
    this.start = 0;
    this.n = 0;
    this.totalBytes = 0;
  }
}
