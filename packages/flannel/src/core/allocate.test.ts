import { seededRandom } from '@flynn-ts/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { acquireLease, allocateSubnet, releaseLease } from './allocate.js';
import { networkConfig } from './config.js';
import { isFlannelError } from './errors.js';
import { parseDocument } from './lease.js';
import type { Lease, ParsedDocument } from './lease.js';

const NOW = Date.parse('2026-11-26T00:00:00Z');
const HOUR = 3_600_000;
const config = networkConfig();
const lease = (subnet: string, publicIp: string, expiresAt = NOW + HOUR): Lease => ({ subnet, publicIp, vtepMac: '0e:00:00:00:00:01', expiresAt });
const doc = (leases: Lease[]): ParsedDocument => ({ config, leases, invalid: [] });

describe('allocateSubnet', () => {
  it('reuses the lease of the same public IP, even an expired one', () => {
    const leases = [lease('100.100.7.0/24', '10.0.0.1', NOW - 1), lease('100.100.8.0/24', '10.0.0.2')];
    expect(allocateSubnet(config, leases, '10.0.0.1', seededRandom(1), { now: NOW })).toBe('100.100.7.0/24');
  });

  it('takes the preferred subnet when nobody live holds it', () => {
    expect(allocateSubnet(config, [], '10.0.0.1', seededRandom(1), { now: NOW, preferred: '100.100.42.0/24' })).toBe('100.100.42.0/24');
    const held = [lease('100.100.42.0/24', '10.0.0.2')];
    expect(allocateSubnet(config, held, '10.0.0.1', seededRandom(1), { now: NOW, preferred: '100.100.42.0/24' })).not.toBe('100.100.42.0/24');
    const expired = [lease('100.100.42.0/24', '10.0.0.2', NOW)];
    expect(allocateSubnet(config, expired, '10.0.0.1', seededRandom(1), { now: NOW, preferred: '100.100.42.0/24' })).toBe('100.100.42.0/24');
    expect(allocateSubnet(config, [], '10.0.0.1', seededRandom(1), { now: NOW, preferred: '10.9.9.0/24' })).toMatch(/^100\.100\.\d+\.0\/24$/);
  });

  it('prefers never-used subnets over expired ones, and fails when all are live', () => {
    const small = networkConfig({ network: '10.1.0.0/23', subnetLen: 24 });
    const one = [{ ...lease('10.1.0.0/24', '10.0.0.2', NOW - 1) }];
    expect(allocateSubnet(small, one, '10.0.0.1', seededRandom(1), { now: NOW })).toBe('10.1.1.0/24');
    const both = [lease('10.1.0.0/24', '10.0.0.2', NOW - 1), lease('10.1.1.0/24', '10.0.0.3')];
    expect(allocateSubnet(small, both, '10.0.0.1', seededRandom(1), { now: NOW })).toBe('10.1.0.0/24');
    const full = [lease('10.1.0.0/24', '10.0.0.2'), lease('10.1.1.0/24', '10.0.0.3')];
    let err: unknown;
    try {
      allocateSubnet(small, full, '10.0.0.1', seededRandom(1), { now: NOW });
    } catch (e) {
      err = e;
    }
    expect(isFlannelError(err, 'FLYNN_FLANNEL_NETWORK_FULL')).toBe(true);
  });

  it('gives N hosts N distinct subnets inside the network (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.integer(), fc.integer({ min: 18, max: 24 }), (hosts, seed, prefix) => {
        const cfg = networkConfig({ network: '100.100.0.0/16', subnetLen: prefix });
        const random = seededRandom(seed);
        let d: ParsedDocument = { config: cfg, leases: [], invalid: [] };
        const subnets = new Set<string>();
        const n = Math.min(hosts, 2 ** (prefix - 16));
        for (let i = 0; i < n; i++) {
          const grant = acquireLease(d, { publicIp: `10.0.${i >> 8}.${i & 255}`, vtepMac: '0e:00:00:00:00:01', now: NOW, ttlMs: HOUR, random });
          subnets.add(grant.lease.subnet);
          d = parseDocument(grant.document);
        }
        expect(subnets.size).toBe(n);
        expect(d.leases).toHaveLength(n);
        for (const s of subnets) expect(s.endsWith(`/${prefix}`) && s.startsWith('100.100.')).toBe(true);
      }),
      { numRuns: 50 },
    );
  });
});

describe('acquireLease', () => {
  it('renews in place: same subnet, later expiry, new MAC', () => {
    const first = acquireLease(doc([]), { publicIp: '10.0.0.1', vtepMac: '0e:00:00:00:00:01', now: NOW, ttlMs: HOUR, random: seededRandom(3) });
    const again = acquireLease(parseDocument(first.document), { publicIp: '10.0.0.1', vtepMac: '0e:00:00:00:00:aa', now: NOW + 10, ttlMs: HOUR, random: seededRandom(4) });
    expect(again.lease).toEqual({ subnet: first.lease.subnet, publicIp: '10.0.0.1', vtepMac: '0e:00:00:00:00:aa', expiresAt: NOW + 10 + HOUR });
    expect(Object.keys(again.document.leases)).toEqual([first.lease.subnet]);
  });

  it('prunes expired leases of other hosts and duplicate leases of its own IP', () => {
    const d = doc([lease('100.100.1.0/24', '10.0.0.1'), lease('100.100.2.0/24', '10.0.0.1', NOW + 2 * HOUR), lease('100.100.3.0/24', '10.0.0.3', NOW), lease('100.100.4.0/24', '10.0.0.4')]);
    const g = acquireLease(d, { publicIp: '10.0.0.1', vtepMac: '0e:00:00:00:00:01', now: NOW, ttlMs: HOUR, random: seededRandom(1) });
    expect(g.lease.subnet).toBe('100.100.2.0/24');
    expect(Object.keys(g.document.leases)).toEqual(['100.100.2.0/24', '100.100.4.0/24']);
    expect(g.document.leases['100.100.2.0/24']).toEqual({ public_ip: '10.0.0.1', vtep_mac: '0e:00:00:00:00:01', expires_at: new Date(NOW + HOUR).toISOString() });
  });

  it('release drops the host lease (and expired ones), or says there is nothing to do', () => {
    const d = doc([lease('100.100.1.0/24', '10.0.0.1'), lease('100.100.4.0/24', '10.0.0.4')]);
    expect(Object.keys(releaseLease(d, '10.0.0.1', NOW)!.leases)).toEqual(['100.100.4.0/24']);
    expect(releaseLease(d, '10.0.0.9', NOW)).toBeUndefined();
  });
});
