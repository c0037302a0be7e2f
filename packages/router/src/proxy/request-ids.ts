/**
 * Random UUIDs (v4) for `X-Request-Id`, made with one string allocation each:
 * random bytes come from a prefetched block (node:crypto), hex digits are
 * written into a reused byte template and read out as one latin1 string.
 * `crypto.randomUUID()` builds the string from many small pieces, and was a
 * noticeable share of the router's garbage per request.
 */
import { randomFillSync } from 'node:crypto';

const HEX = Buffer.from('0123456789abcdef');
/** Byte positions of the 32 hex digits in `xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx`. */
const DIGITS = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];

export class RequestIds {
  private readonly pool = Buffer.allocUnsafe(16 * 256);
  private offset = this.pool.length;
  private readonly out = Buffer.from('00000000-0000-4000-8000-000000000000');

  next(): string {
    if (this.offset === this.pool.length) {
      randomFillSync(this.pool);
      this.offset = 0;
    }
    const pool = this.pool;
    const out = this.out;
    const base = this.offset;
    this.offset += 16;
    for (let i = 0; i < 16; i++) {
      let b = pool[base + i]!;
      if (i === 6) b = (b & 0x0f) | 0x40; // version 4
      else if (i === 8) b = (b & 0x3f) | 0x80; // RFC 4122 variant
      const at = DIGITS[i]!;
      out[at] = HEX[b >> 4]!;
      out[at + 1] = HEX[b & 15]!;
    }
    return out.toString('latin1', 0, 36);
  }
}
