/**
 * A fixed-size set of small integers backed by a Uint32Array, with an
 * incrementally maintained hash (an XOR of one mixed word per member), so that
 * hashing costs nothing in the checker's inner loop.
 */
export class Bitset {
  readonly size: number;
  private readonly words: Uint32Array;
  private hashValue = 0;
  private count = 0;

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 0) throw new RangeError(`Bitset: size must be a non-negative integer, got ${size}`);
    this.size = size;
    this.words = new Uint32Array(Math.ceil(size / 32));
  }

  has(i: number): boolean {
    this.check(i);
    return ((this.words[i >>> 5]! >>> (i & 31)) & 1) === 1;
  }

  /** Adds `i`; returns this for chaining. */
  set(i: number): this {
    if (!this.has(i)) {
      this.words[i >>> 5] = this.words[i >>> 5]! | (1 << (i & 31));
      this.hashValue = (this.hashValue ^ mix(i)) >>> 0;
      this.count++;
    }
    return this;
  }

  /** Removes `i`; returns this for chaining. */
  clear(i: number): this {
    if (this.has(i)) {
      this.words[i >>> 5] = this.words[i >>> 5]! & ~(1 << (i & 31));
      this.hashValue = (this.hashValue ^ mix(i)) >>> 0;
      this.count--;
    }
    return this;
  }

  /** The number of members. */
  popcount(): number {
    return this.count;
  }

  /** A uint32 hash; equal sets have equal hashes. */
  hash(): number {
    return this.hashValue;
  }

  equals(other: Bitset): boolean {
    if (other.size !== this.size || other.hashValue !== this.hashValue || other.count !== this.count) return false;
    for (let w = 0; w < this.words.length; w++) {
      if (this.words[w] !== other.words[w]) return false;
    }
    return true;
  }

  clone(): Bitset {
    const copy = new Bitset(this.size);
    copy.words.set(this.words);
    copy.hashValue = this.hashValue;
    copy.count = this.count;
    return copy;
  }

  /** The members in increasing order. */
  values(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.size; i++) if (this.has(i)) out.push(i);
    return out;
  }

  private check(i: number): void {
    if (!Number.isInteger(i) || i < 0 || i >= this.size) {
      throw new RangeError(`Bitset: index ${i} out of range [0, ${this.size})`);
    }
  }
}

/** A 32-bit finaliser (murmur3 fmix32) so that member hashes spread well under XOR. */
function mix(i: number): number {
  let h = (i + 0x9e3779b9) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}
