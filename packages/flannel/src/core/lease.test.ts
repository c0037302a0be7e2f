import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { networkConfig } from './config.js';
import { isFlannelError } from './errors.js';
import { encodeDocument, leaseOf, liveLeases, nextExpiry, parseDocument, renewAt } from './lease.js';
import type { Lease } from './lease.js';

const config = networkConfig();

describe('flannel document', () => {
  it('round-trips leases through JSON', () => {
    const leaseArb = fc.record({
      subnet: fc.integer({ min: 0, max: 255 }).map((n) => `100.100.${n}.0/24`),
      publicIp: fc.ipV4(),
      vtepMac: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 6, maxLength: 6 }).map((b) => b.map((x) => x.toString(16).padStart(2, '0')).join(':')),
      expiresAt: fc.integer({ min: 0, max: 4_000_000_000_000 }),
    });
    fc.assert(
      fc.property(fc.uniqueArray(leaseArb, { selector: (l) => l.subnet, maxLength: 20 }), (leases) => {
        const parsed = parseDocument(JSON.parse(JSON.stringify(encodeDocument(config, leases))));
        expect(parsed.config).toEqual(config);
        expect(parsed.invalid).toEqual([]);
        expect(new Set(parsed.leases.map((l) => JSON.stringify(l)))).toEqual(new Set(leases.map((l) => JSON.stringify(l))));
      }),
    );
  });

  it('sets aside entries that are not leases of this network', () => {
    const parsed = parseDocument({
      config,
      leases: {
        '100.100.1.0/24': { public_ip: '10.0.0.1', vtep_mac: '0E-00-00-00-00-01', expires_at: '2026-11-26T00:00:00.000Z' },
        '10.0.0.0/24': { public_ip: '10.0.0.2', vtep_mac: '0e:00:00:00:00:02', expires_at: '2026-11-26T00:00:00.000Z' },
        '100.100.2.0/25': { public_ip: '10.0.0.3', vtep_mac: '0e:00:00:00:00:03', expires_at: '2026-11-26T00:00:00.000Z' },
        '100.100.3.0/24': { public_ip: 'nope', vtep_mac: '0e:00:00:00:00:03', expires_at: '2026-11-26T00:00:00.000Z' },
        '100.100.4.0/24': { public_ip: '10.0.0.4', vtep_mac: '0e:00:00:00:00:04', expires_at: 'soon' },
      },
    });
    expect(parsed.leases).toEqual([{ subnet: '100.100.1.0/24', publicIp: '10.0.0.1', vtepMac: '0e:00:00:00:00:01', expiresAt: Date.parse('2026-11-26T00:00:00Z') }]);
    expect(parsed.invalid).toEqual(['10.0.0.0/24', '100.100.2.0/25', '100.100.3.0/24', '100.100.4.0/24']);
  });

  it('rejects meta that is not a flannel document', () => {
    for (const bad of [null, 'x', [], {}, { config: { network: 'nope' } }, { config, leases: [] }]) {
      let err: unknown;
      try {
        parseDocument(bad);
      } catch (e) {
        err = e;
      }
      expect(isFlannelError(err), JSON.stringify(bad)).toBe(true);
    }
  });

  it('accepts the original wrapper config (Go field names) with no leases', () => {
    const parsed = parseDocument({ config: { Network: '100.100.0.0/16', SubnetLen: 24, Backend: { Type: 'vxlan', VNI: 1, Port: 8472 } } });
    expect(parsed.config).toEqual(config);
    expect(parsed.leases).toEqual([]);
  });
});

describe('expiry', () => {
  const l = (subnet: string, expiresAt: number, publicIp = '10.0.0.1'): Lease => ({ subnet, publicIp, vtepMac: '0e:00:00:00:00:01', expiresAt });

  it('a lease is void from its expiry on; the next expiry is the earliest future one', () => {
    const leases = [l('100.100.1.0/24', 100), l('100.100.2.0/24', 50), l('100.100.3.0/24', 10)];
    expect(liveLeases(leases, 50).map((x) => x.subnet)).toEqual(['100.100.1.0/24']);
    expect(nextExpiry(leases, 10)).toBe(50);
    expect(nextExpiry(leases, 100)).toBeUndefined();
  });

  it('renews at half the TTL and finds the latest lease of an IP', () => {
    expect(renewAt(l('100.100.1.0/24', 1000), 600)).toBe(700);
    expect(leaseOf([l('100.100.1.0/24', 5), l('100.100.2.0/24', 9), l('100.100.3.0/24', 99, '10.0.0.2')], '10.0.0.1')?.subnet).toBe('100.100.2.0/24');
  });
});
