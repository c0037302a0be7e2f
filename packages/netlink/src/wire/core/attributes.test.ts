import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { align } from './align.js';
import { AttributeDecoder, AttributeEncoder, NLA_F_NESTED } from './attributes.js';
import { ByteWriter } from './byte-writer.js';
import { HOST_LE } from './endian.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('align', () => {
  it('rounds up to 4', () => {
    expect([0, 1, 2, 3, 4, 5, 7, 8, 9].map(align)).toEqual([0, 4, 4, 4, 4, 8, 8, 8, 12]);
  });
});

describe.skipIf(!HOST_LE)('AttributeEncoder', () => {
  it('encodes each type with its length and 4-byte padding', () => {
    const ae = new AttributeEncoder();
    ae.u8(1, 0xab).u16(2, 0x1234).u16be(3, 4789).u32(4, 42).string(5, 'va').string(6, 'veth', false).flag(7).bytes(8, new Uint8Array([1, 2, 3, 4, 5, 6]));
    expect(hex(ae.encode())).toBe(
      [
        '05000100ab000000', // u8: len 5, padded to 8
        '060002003412' + '0000', // u16
        '0600030012b5' + '0000', // u16be 4789 = 0x12b5
        '080004002a000000', // u32
        '070005007661' + '0000', // "va\0"
        '0800060076657468', // "veth", no NUL
        '04000700', // flag
        '0a000800010203040506' + '0000', // 6 bytes
      ].join(''),
    );
  });

  it('nests, with the outer length covering the padded children', () => {
    const ae = new AttributeEncoder();
    ae.nested(18, (info) => {
      info.string(1, 'vxlan', false);
      info.nested(2 | NLA_F_NESTED, (data) => data.u32(1, 42));
    });
    // 18: len 4 + (9+3) + (4 + 8) = 28
    expect(hex(ae.encode())).toBe('1c001200' + '0900010076786c616e000000' + '0c000280' + '080001002a000000');
  });

  it('appends after a fixed header in the same writer', () => {
    const w = new ByteWriter();
    w.u8(2).u8(24).u16(0);
    new AttributeEncoder(w).u32(1, 7);
    expect(hex(w.finish())).toBe('0218000008000100' + '07000000');
  });

  it('rejects values out of range', () => {
    const ae = new AttributeEncoder();
    expect(() => ae.u8(1, 256)).toThrow(/0\.\.255/);
    expect(() => ae.u16(1, -1)).toThrow();
    expect(() => ae.u32(1, 2 ** 32)).toThrow();
    expect(() => ae.u32(1, 1.5)).toThrow();
    expect(() => ae.string(1, 'a\0b')).toThrow(/NUL/);
    expect(() => ae.u32(0x10000, 1)).toThrow();
    expect(() => ae.bytes(1, new Uint8Array(70000))).toThrow(/too long/);
  });
});

type Attr =
  | { kind: 'u8' | 'u16' | 'u16be' | 'u32' | 'u32be'; type: number; v: number }
  | { kind: 'bytes'; type: number; v: Uint8Array }
  | { kind: 'string'; type: number; v: string }
  | { kind: 'nested'; type: number; v: Attr[] };

const attrType = fc.integer({ min: 0, max: 0x3fff });
const attr: fc.Arbitrary<Attr> = fc.letrec<{ attr: Attr }>((tie) => ({
  attr: fc.oneof(
    { depthSize: 'small' },
    fc.record({ kind: fc.constant('u8' as const), type: attrType, v: fc.integer({ min: 0, max: 0xff }) }),
    fc.record({ kind: fc.constantFrom('u16' as const, 'u16be' as const), type: attrType, v: fc.integer({ min: 0, max: 0xffff }) }),
    fc.record({ kind: fc.constantFrom('u32' as const, 'u32be' as const), type: attrType, v: fc.integer({ min: 0, max: 0xffffffff }) }),
    fc.record({ kind: fc.constant('bytes' as const), type: attrType, v: fc.uint8Array({ maxLength: 40 }) }),
    fc.record({ kind: fc.constant('string' as const), type: attrType, v: fc.string({ maxLength: 20 }).filter((s) => !s.includes('\0')) }),
    fc.record({ kind: fc.constant('nested' as const), type: attrType, v: fc.array(tie('attr'), { maxLength: 4 }) }),
  ),
})).attr;

function encodeAll(ae: AttributeEncoder, attrs: Attr[]): void {
  for (const a of attrs) {
    if (a.kind === 'nested') ae.nested(a.type | NLA_F_NESTED, (c) => encodeAll(c, a.v));
    else if (a.kind === 'bytes') ae.bytes(a.type, a.v);
    else if (a.kind === 'string') ae.string(a.type, a.v);
    else ae[a.kind](a.type, a.v);
  }
}

function decodeAll(ad: AttributeDecoder, shape: Attr[]): Attr[] {
  const out: Attr[] = [];
  let i = 0;
  while (ad.next()) {
    const s = shape[i++]!;
    const type = ad.type();
    if (s.kind === 'nested') {
      let v: Attr[] = [];
      ad.nested((c) => (v = decodeAll(c, s.v)));
      out.push({ kind: 'nested', type, v });
    } else if (s.kind === 'bytes') out.push({ kind: 'bytes', type, v: ad.bytes().slice() });
    else if (s.kind === 'string') out.push({ kind: 'string', type, v: ad.string() });
    else out.push({ kind: s.kind, type, v: ad[s.kind]() });
  }
  return out;
}

describe('attributes round-trip (property)', () => {
  it('decode(encode(attrs)) === attrs, every attribute 4-byte aligned', () => {
    fc.assert(
      fc.property(fc.array(attr, { maxLength: 8 }), (attrs) => {
        const ae = new AttributeEncoder();
        encodeAll(ae, attrs);
        const bytes = ae.encode();
        expect(bytes.length % 4).toBe(0);
        const ad = new AttributeDecoder(bytes);
        expect(decodeAll(ad, attrs)).toEqual(attrs);
        expect(ad.err()).toBeUndefined();
      }),
    );
  });

  it('arbitrary bytes never throw: the decoder stops with a sticky error instead', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const ad = new AttributeDecoder(bytes);
        let n = 0;
        while (ad.next()) {
          ad.u32();
          ad.string();
          ad.nested((c) => {
            while (c.next()) c.u64();
          });
          n++;
        }
        expect(n).toBeLessThanOrEqual(bytes.length / 4);
        if (ad.err()) expect(ad.next()).toBe(false);
      }),
    );
  });
});

describe.skipIf(!HOST_LE)('AttributeDecoder', () => {
  it('reads typed values and strips flag bits from the type', () => {
    const ae = new AttributeEncoder();
    ae.u32(1, 42).nested(2 | NLA_F_NESTED, (c) => c.string(3, 'br0')).u64(4, 2n ** 40n).i32(5, -2);
    const ad = new AttributeDecoder(ae.encode());
    expect(ad.next()).toBe(true);
    expect([ad.type(), ad.len(), ad.u32()]).toEqual([1, 4, 42]);
    expect(ad.next()).toBe(true);
    expect([ad.type(), ad.rawType()]).toEqual([2, 2 | NLA_F_NESTED]);
    let name = '';
    ad.nested((c) => {
      while (c.next()) name = c.string();
    });
    expect(name).toBe('br0');
    expect(ad.next() && ad.u64()).toBe(2n ** 40n);
    expect(ad.next() && ad.i32()).toBe(-2);
    expect(ad.next()).toBe(false);
    expect(ad.err()).toBeUndefined();
  });

  it('a too-short payload is a sticky error and reads as zero', () => {
    const ad = new AttributeDecoder(new AttributeEncoder().u8(1, 7).u32(2, 9).encode());
    expect(ad.next()).toBe(true);
    expect(ad.u32()).toBe(0);
    expect(ad.err()?.message).toMatch(/attribute 1: want 4 bytes, got 1/);
    expect(ad.next()).toBe(false);
  });

  it('a length overrunning the buffer is an error', () => {
    const ad = new AttributeDecoder(new Uint8Array([0x20, 0, 1, 0, 0, 0, 0, 0]));
    expect(ad.next()).toBe(false);
    expect(ad.err()?.code).toBe('FLYNN_NETLINK_DECODE');
  });

  it('an error inside a nested list becomes the parent error', () => {
    const ae = new AttributeEncoder();
    ae.nested(1, (c) => c.u8(2, 1));
    const ad = new AttributeDecoder(ae.encode());
    ad.next();
    ad.nested((c) => {
      c.next();
      c.u16();
    });
    expect(ad.err()?.message).toMatch(/in attribute 1: attribute 2: want 2 bytes/);
  });

  it('the last attribute may omit its padding', () => {
    const ad = new AttributeDecoder(new Uint8Array([5, 0, 1, 0, 9]));
    expect(ad.next() && ad.u8()).toBe(9);
    expect(ad.next()).toBe(false);
    expect(ad.err()).toBeUndefined();
  });
});
