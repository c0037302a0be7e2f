/**
 * A FIFO of byte chunks with peeks across chunk borders, so a decoder can wait
 * for a whole frame without re-copying the buffer on every chunk. Pure.
 */
export class ByteQueue {
  private chunks: Uint8Array[] = [];
  /** Read offset into chunks[0]. */
  private head = 0;
  private total = 0;

  get length(): number {
    return this.total;
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.total += chunk.length;
  }

  /** The byte at `offset` from the read position; the caller checks `length` first. */
  peek(offset: number): number {
    let i = this.head + offset;
    for (const c of this.chunks) {
      if (i < c.length) return c[i]!;
      i -= c.length;
    }
    throw new RangeError(`ByteQueue.peek(${offset}) past the end (${this.total} bytes)`);
  }

  /** Big-endian uint of `bytes` (2 or 4) at `offset`. */
  peekUint(offset: number, bytes: 2 | 4): number {
    let n = 0;
    for (let i = 0; i < bytes; i++) n = n * 256 + this.peek(offset + i);
    return n;
  }

  /** Removes and returns the next `n` bytes (a copy when they span chunks). */
  read(n: number): Uint8Array {
    if (n > this.total) throw new RangeError(`ByteQueue.read(${n}) with ${this.total} bytes`);
    const first = this.chunks[0];
    if (first && first.length - this.head >= n) {
      const out = first.subarray(this.head, this.head + n);
      this.skipInFirst(n);
      return out;
    }
    const out = new Uint8Array(n);
    let off = 0;
    while (off < n) {
      const c = this.chunks[0]!;
      const take = Math.min(c.length - this.head, n - off);
      out.set(c.subarray(this.head, this.head + take), off);
      off += take;
      this.skipInFirst(take);
    }
    return out;
  }

  skip(n: number): void {
    this.read(n);
  }

  private skipInFirst(n: number): void {
    this.head += n;
    this.total -= n;
    if (this.head === this.chunks[0]!.length) {
      this.chunks.shift();
      this.head = 0;
    }
  }
}
