import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatIp, formatMac, ipFamily, parseCidr, parseIp, parseMac } from './ip.js';

describe('IP text', () => {
  it('parses and formats IPv4', () => {
    expect([...parseIp('10.0.0.1').bytes]).toEqual([10, 0, 0, 1]);
    expect(formatIp(new Uint8Array([192, 168, 9, 1]))).toBe('192.168.9.1');
    for (const bad of ['10.0.0', '10.0.0.256', '01.0.0.1', '1.2.3.4.5', '', 'a.b.c.d']) expect(() => parseIp(bad)).toThrow(/not an IP address/);
  });

  it('formats IPv6 like inet_ntop (RFC 5952)', () => {
    const cases: [string, string][] = [
      ['fd00:0:0:0:0:0:0:1', 'fd00::1'],
      ['fe80::c0d7:62ff:fefa:7516', 'fe80::c0d7:62ff:fefa:7516'],
      ['::', '::'],
      ['::1', '::1'],
      ['1:0:0:2:0:0:0:3', '1:0:0:2::3'],
      ['1:0:2:0:3:0:4:0', '1:0:2:0:3:0:4:0'],
      ['FD01::', 'fd01::'],
      ['::ffff:10.1.2.3', '::ffff:10.1.2.3'],
      ['2001:db8::1:0:0:1', '2001:db8::1:0:0:1'],
    ];
    for (const [input, text] of cases) expect(formatIp(parseIp(input).bytes)).toBe(text);
    for (const bad of [':::', '1:2:3:4:5:6:7:8:9', '1::2::3', 'g::1', '12345::', ':1:2:3:4:5:6:7']) expect(() => parseIp(bad)).toThrow();
  });

  it('IPv6 text round-trips (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (b) => {
        expect([...parseIp(formatIp(b)).bytes]).toEqual([...b]);
      }),
    );
    fc.assert(
      fc.property(fc.ipV6(), (s) => {
        const canonical = formatIp(parseIp(s).bytes);
        expect(formatIp(parseIp(canonical).bytes)).toBe(canonical);
      }),
    );
    fc.assert(
      fc.property(fc.ipV4(), (s) => {
        expect(formatIp(parseIp(s).bytes)).toBe(s);
      }),
    );
  });

  it('CIDR', () => {
    expect(parseCidr('10.0.0.0/24')).toMatchObject({ family: 2, prefix: 24 });
    expect(parseCidr('fd00::1')).toMatchObject({ family: 10, prefix: 128 });
    expect(() => parseCidr('10.0.0.0/33')).toThrow(/bad prefix/);
    expect(() => parseCidr('10.0.0.0/x')).toThrow(/bad prefix/);
    expect(ipFamily('fd00::1')).toBe(6);
  });

  it('MAC', () => {
    expect(formatMac(parseMac('02:00:0A:00:00:ff'))).toBe('02:00:0a:00:00:ff');
    expect(() => parseMac('02:00:0g:00:00:01')).toThrow(/link-layer/);
    expect(() => parseMac('')).toThrow();
  });
});
