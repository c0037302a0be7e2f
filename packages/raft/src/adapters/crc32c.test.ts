import { describe, expect, it } from 'vitest';
import { crc32c } from './crc32c.js';

/** Bit-at-a-time reference implementation. */
function slowCrc32c(data: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of data) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return ~c >>> 0;
}

describe('crc32c', () => {
  it('matches the check value of CRC-32C', () => {
    expect(crc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283);
  });

  it('matches published vectors (RFC 3720 B.4)', () => {
    expect(crc32c(new Uint8Array(0))).toBe(0);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    expect(crc32c(new Uint8Array(32).map((_, i) => i))).toBe(0x46dd794e);
    expect(crc32c(new Uint8Array(32).map((_, i) => 31 - i))).toBe(0x113fdb5c);
  });

  it('agrees with the bitwise reference at every length and alignment', () => {
    const buf = new Uint8Array(300).map((_, i) => (i * 167 + 13) & 0xff);
    for (let start = 0; start < 9; start++) {
      for (let len = 0; len < 200; len += 7) {
        const part = buf.subarray(start, start + len);
        expect(crc32c(part)).toBe(slowCrc32c(part));
      }
    }
  });

  it('continues from a seed as if the pieces were one buffer', () => {
    const buf = new TextEncoder().encode('a write-ahead log record, checksummed in two pieces');
    for (const cut of [0, 1, 8, 13, buf.length]) {
      expect(crc32c(buf.subarray(cut), crc32c(buf.subarray(0, cut)))).toBe(crc32c(buf));
    }
  });
});
