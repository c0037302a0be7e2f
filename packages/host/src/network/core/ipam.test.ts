import { seededRandom } from '@flynn-ts/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allocateIp, capacity, unusableReason } from './ipam.js';
import { formatIpv4, parseIpv4, parseSubnet } from './ipv4.js';
import type { Subnet } from './ipv4.js';

const subnet = (s: string) => {
  const r = parseSubnet(s);
  if (typeof r === 'string') throw new Error(r);
  return r;
};

describe('parseSubnet', () => {
  it('reads the gateway, network and broadcast of <ip>/<prefix>', () => {
    const s = subnet('100.100.23.1/24');
    expect(formatIpv4(s.gateway)).toBe('100.100.23.1');
    expect(formatIpv4(s.network)).toBe('100.100.23.0');
    expect(formatIpv4(s.broadcast)).toBe('100.100.23.255');
    expect(s).toMatchObject({ prefixLength: 24, cidr: '100.100.23.0/24' });
    expect(subnet('10.0.0.129/25').cidr).toBe('10.0.0.128/25');
  });

  it('refuses what cannot hold a bridge and a job', () => {
    for (const bad of ['100.100.23.0/24', '100.100.23.255/24', '100.100.23.1', '100.100.23.1/31', '100.100.23.1/7', '1.2.3/24', '01.2.3.4/24', '256.1.1.1/24', '1.2.3.4/x', '']) {
      expect(typeof parseSubnet(bad), bad).toBe('string');
    }
  });

  it('parses and formats dotted quads', () => {
    expect(parseIpv4('255.255.255.255')).toBe(0xffffffff);
    expect(parseIpv4('0.0.0.0')).toBe(0);
    expect(parseIpv4('1.2.3.4.5')).toBeUndefined();
    expect(formatIpv4(parseIpv4('100.64.0.7')!)).toBe('100.64.0.7');
  });
});

describe('allocateIp', () => {
  it('is deterministic for a seed and never hands out network, gateway or broadcast', () => {
    const s = subnet('100.100.23.1/24');
    const run = (seed: number) => {
      const rnd = seededRandom(seed);
      const used: string[] = [];
      for (let i = 0; i < capacity(s); i++) used.push(allocateIp(s, used, rnd)!);
      return used;
    };
    const a = run(7);
    expect(run(7)).toEqual(a);
    expect(run(8)).not.toEqual(a);
    expect(new Set(a).size).toBe(253);
    expect(a).not.toContain('100.100.23.0');
    expect(a).not.toContain('100.100.23.1');
    expect(a).not.toContain('100.100.23.255');
    expect(allocateIp(s, a, seededRandom(1))).toBeUndefined(); // full
  });

  it('gives the only free address of a /30', () => {
    const s = subnet('10.9.8.1/30');
    expect(capacity(s)).toBe(1);
    expect(allocateIp(s, [], seededRandom(3))).toBe('10.9.8.2');
    expect(allocateIp(s, ['10.9.8.2'], seededRandom(3))).toBeUndefined();
  });

  it('property: allocations are distinct, usable and inside the subnet until it is full', () => {
    fc.assert(
      fc.property(fc.integer({ min: 24, max: 30 }), fc.nat(), fc.integer(), (prefix, offset, seed) => {
        const size = 2 ** (32 - prefix);
        const network = parseIpv4('100.64.7.0')!;
        const s: Subnet = subnet(`${formatIpv4(network + 1 + (offset % (size - 2)))}/${prefix}`);
        const rnd = seededRandom(seed);
        const used: string[] = ['garbage', '1.2.3.4'];
        for (let i = 0; i < capacity(s); i++) {
          const ip = allocateIp(s, used, rnd);
          expect(ip).toBeDefined();
          expect(unusableReason(s, parseIpv4(ip!)!)).toBeUndefined();
          expect(used).not.toContain(ip);
          used.push(ip!);
        }
        expect(allocateIp(s, used, rnd)).toBeUndefined();
      }),
      { numRuns: 50 },
    );
  });
});
