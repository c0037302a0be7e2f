import { isIP } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatIp, parseIp, splitHostPort } from './ip.js';

describe('parseIp / formatIp', () => {
  it('parses IPv4 and IPv6 literals, IPv4-mapped IPv6 as IPv4 (like Go To4)', () => {
    expect([...parseIp('10.0.0.1')!]).toEqual([10, 0, 0, 1]);
    expect(formatIp(parseIp('::1')!)).toBe('::1');
    expect(formatIp(parseIp('FD00:0:0:0:0:0:0:1')!)).toBe('fd00::1');
    expect(formatIp(parseIp('::ffff:10.1.2.3')!)).toBe('10.1.2.3');
    expect(formatIp(parseIp('64:ff9b::10.1.2.3')!)).toBe('64:ff9b::a01:203');
    expect(formatIp(parseIp('1:0:0:2:0:0:0:3')!)).toBe('1:0:0:2::3');
  });

  it('rejects non-literals', () => {
    for (const s of ['', 'host', '1.2.3', '1.2.3.256', '01.2.3.4', '1::2::3', '1:2:3:4:5:6:7:8:9', 'fe80::1%eth0', ':1', '1:', '12345::1']) {
      expect(parseIp(s), s).toBeUndefined();
    }
  });

  it('agrees with node:net isIP on random strings of IP characters', () => {
    fc.assert(
      fc.property(fc.oneof(fc.stringMatching(/^[0-9a-f:.]{0,20}$/), fc.ipV4(), fc.ipV6(), fc.ipV4Extended()), (s) => {
        const ours = parseIp(s) !== undefined;
        const nodes = isIP(s) !== 0;
        if (ours !== nodes) expect({ s, ours }).toEqual({ s, ours: nodes });
      }),
      { numRuns: 3000 },
    );
  });

  it('formatIp(parseIp(x)) is canonical for IPv6', () => {
    fc.assert(
      fc.property(fc.ipV6(), (s) => {
        const bytes = parseIp(s);
        expect(bytes).toBeDefined();
        if (bytes!.length === 16) expect(parseIp(formatIp(bytes!))).toEqual(bytes);
      }),
    );
  });
});

describe('splitHostPort', () => {
  it('splits host:port and [v6]:port', () => {
    expect(splitHostPort('10.0.0.1:53')).toEqual({ host: '10.0.0.1', port: 53 });
    expect(splitHostPort('[::1]:5353')).toEqual({ host: '::1', port: 5353 });
    expect(splitHostPort(':80')).toEqual({ host: '', port: 80 });
    for (const s of ['10.0.0.1', '::1:53', '[::1]', 'h:99999', 'h:x']) expect(splitHostPort(s), s).toBeUndefined();
  });
});
