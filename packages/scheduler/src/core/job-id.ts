/** Job ids: RFC 4122 version-4 UUIDs drawn from the injected Random. */
import type { Random } from '@flynn-ts/core';

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** A v4 UUID from four `uint32` draws; deterministic for a seeded Random. */
export function newJobId(random: Random): string {
  const b = new Array<number>(16);
  for (let i = 0; i < 16; i += 4) {
    const w = random.uint32();
    b[i] = w >>> 24;
    b[i + 1] = (w >>> 16) & 0xff;
    b[i + 2] = (w >>> 8) & 0xff;
    b[i + 3] = w & 0xff;
  }
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.map((x) => HEX[x]!);
  return `${h.slice(0, 4).join('')}-${h.slice(4, 6).join('')}-${h.slice(6, 8).join('')}-${h.slice(8, 10).join('')}-${h.slice(10, 16).join('')}`;
}
