import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyOps } from '../testing/kernel-model.js';
import type { Lease } from './lease.js';
import { describeOp, peersOf, reconcile, vtepIpOf } from './reconcile.js';
import type { KernelState } from './reconcile.js';

const T = 1_000_000;
const lease = (subnet: string, publicIp: string, vtepMac: string, expiresAt = T): Lease => ({ subnet, publicIp, vtepMac, expiresAt });
const self = { publicIp: '192.168.250.1', subnet: '100.100.1.0/24' };
const EMPTY: KernelState = { routes: [], neighbours: [], fdb: [] };

describe('reconcile', () => {
  const leases = [
    lease('100.100.1.0/24', '192.168.250.1', '0e:00:00:00:00:01'),
    lease('100.100.2.0/24', '192.168.250.2', '0e:00:00:00:00:02'),
    lease('100.100.3.0/24', '192.168.250.3', '0e:00:00:00:00:03'),
  ];

  it('programs one FDB entry, one permanent neighbour and one onlink route per remote host, L2 first', () => {
    expect(reconcile(leases, self, EMPTY).map(describeOp)).toEqual([
      'fdb-add 0e:00:00:00:00:02 dst 192.168.250.2',
      'fdb-add 0e:00:00:00:00:03 dst 192.168.250.3',
      'neigh-replace 100.100.2.0 lladdr 0e:00:00:00:00:02',
      'neigh-replace 100.100.3.0 lladdr 0e:00:00:00:00:03',
      'route-add 100.100.2.0/24 via 100.100.2.0',
      'route-add 100.100.3.0/24 via 100.100.3.0',
    ]);
  });

  it('leaves matching entries alone and removes the entries of a lease that went, route first', () => {
    const state = applyOps(EMPTY, reconcile(leases, self, EMPTY));
    expect(reconcile(leases, self, state)).toEqual([]);
    expect(reconcile(leases.slice(0, 2), self, state).map(describeOp)).toEqual([
      'route-del 100.100.3.0/24 via 100.100.3.0',
      'neigh-del 100.100.3.0',
      'fdb-del 0e:00:00:00:00:03 dst 192.168.250.3',
    ]);
  });

  it('follows a host that moved (new public IP) or was recreated (new MAC) without touching the others', () => {
    const state = applyOps(EMPTY, reconcile(leases, self, EMPTY));
    const moved = [leases[0]!, lease('100.100.2.0/24', '192.168.250.9', '0e:00:00:00:00:02'), lease('100.100.3.0/24', '192.168.250.3', '0e:00:00:00:00:33')];
    expect(reconcile(moved, self, state).map(describeOp)).toEqual([
      'fdb-del 0e:00:00:00:00:02 dst 192.168.250.2',
      'fdb-del 0e:00:00:00:00:03 dst 192.168.250.3',
      'fdb-add 0e:00:00:00:00:02 dst 192.168.250.9',
      'fdb-add 0e:00:00:00:00:33 dst 192.168.250.3',
      'neigh-replace 100.100.3.0 lladdr 0e:00:00:00:00:33',
    ]);
  });

  it('replaces non-permanent neighbours and removes foreign routes on the device', () => {
    const state: KernelState = {
      routes: [{ dst: '100.100.0.0/16' }, { dst: '100.100.2.0/24', gateway: '100.100.2.0' }],
      neighbours: [{ ip: '100.100.2.0', mac: '0e:00:00:00:00:02', permanent: false }],
      fdb: [{ mac: '00:00:00:00:00:00', dst: '192.168.250.2' }, { mac: '0e:00:00:00:00:02', dst: '192.168.250.2' }],
    };
    expect(reconcile(leases.slice(0, 2), self, state).map(describeOp)).toEqual([
      'route-del 100.100.0.0/16',
      'fdb-del 00:00:00:00:00:00 dst 192.168.250.2',
      'neigh-replace 100.100.2.0 lladdr 0e:00:00:00:00:02',
    ]);
  });

  it('never programs itself, and takes the latest lease of a public IP or MAC', () => {
    const dup = [
      lease('100.100.1.0/24', '192.168.250.1', '0e:00:00:00:00:01'),
      lease('100.100.7.0/24', '192.168.250.1', '0e:00:00:00:00:07'),
      lease('100.100.2.0/24', '192.168.250.2', '0e:00:00:00:00:02', T),
      lease('100.100.4.0/24', '192.168.250.2', '0e:00:00:00:00:04', T + 5),
      lease('100.100.5.0/24', '192.168.250.5', '0e:00:00:00:00:04', T + 1),
    ];
    expect(peersOf(dup, self).map((p) => p.subnet)).toEqual(['100.100.4.0/24']);
  });

  it('uses the subnet network address as the VTEP address', () => {
    expect(vtepIpOf('100.100.23.0/24')).toBe('100.100.23.0');
  });
});

// ---- properties ---------------------------------------------------------------

const octet = fc.integer({ min: 0, max: 7 });
const macArb = octet.map((n) => `0e:00:00:00:00:0${n}`);
const underlayArb = octet.map((n) => `192.168.250.${n + 1}`);
const subnetArb = octet.map((n) => `100.100.${n}.0/24`);
const vtepArb = octet.map((n) => `100.100.${n}.0`);
const leaseArb = fc.record({ subnet: subnetArb, publicIp: underlayArb, vtepMac: macArb, expiresAt: fc.integer({ min: 0, max: 10 }) });
// Subnets are map keys in the document: at most one lease per subnet.
const leasesArb = fc.uniqueArray(leaseArb, { selector: (l) => l.subnet, maxLength: 8 });
const stateArb: fc.Arbitrary<KernelState> = fc.record({
  routes: fc.array(fc.record({ dst: subnetArb, gateway: fc.option(vtepArb, { nil: undefined }) }).map((r) => (r.gateway === undefined ? { dst: r.dst } : { dst: r.dst, gateway: r.gateway })), { maxLength: 10 }),
  neighbours: fc.uniqueArray(fc.record({ ip: vtepArb, mac: macArb, permanent: fc.boolean() }), { selector: (n) => n.ip, maxLength: 8 }),
  fdb: fc.uniqueArray(fc.record({ mac: macArb, dst: underlayArb }), { selector: (f) => `${f.mac} ${f.dst}`, maxLength: 10 }),
});
const selfArb = fc.record({ publicIp: underlayArb, subnet: subnetArb });

describe('reconcile properties', () => {
  it('is idempotent: after applying its ops, reconciling again yields nothing', () => {
    fc.assert(
      fc.property(leasesArb, selfArb, stateArb, (leases, me, state) => {
        const next = applyOps(state, reconcile(leases, me, state));
        expect(reconcile(leases, me, next)).toEqual([]);
      }),
    );
  });

  it('converges from any state to exactly the entries of the peers', () => {
    fc.assert(
      fc.property(leasesArb, selfArb, stateArb, (leases, me, state) => {
        const next = applyOps(state, reconcile(leases, me, state));
        const peers = peersOf(leases, me);
        const sort = (xs: string[]) => [...xs].sort();
        expect(sort(next.routes.map((r) => `${r.dst} ${r.gateway}`))).toEqual(sort(peers.map((p) => `${p.subnet} ${p.vtepIp}`)));
        expect(sort(next.neighbours.map((n) => `${n.ip} ${n.mac} ${n.permanent}`))).toEqual(sort(peers.map((p) => `${p.vtepIp} ${p.vtepMac} true`)));
        expect(sort(next.fdb.map((f) => `${f.mac} ${f.dst}`))).toEqual(sort(peers.map((p) => `${p.vtepMac} ${p.publicIp}`)));
      }),
    );
  });

  it('never removes or rewrites an entry that is already right, at any point of the batch', () => {
    fc.assert(
      fc.property(leasesArb, selfArb, stateArb, (leases, me, state) => {
        const good = applyOps(EMPTY, reconcile(leases, me, EMPTY));
        const merged: KernelState = { routes: [...good.routes, ...state.routes], neighbours: good.neighbours, fdb: [...good.fdb] };
        let now = merged;
        for (const op of reconcile(leases, me, merged)) {
          expect(['neigh-replace', 'neigh-del', 'fdb-add', 'fdb-del', 'route-add']).not.toContain(op.kind);
          now = applyOps(now, [op]);
          for (const r of good.routes) expect(now.routes).toContainEqual(r);
        }
      }),
    );
  });

  it('orders every delete before every add', () => {
    fc.assert(
      fc.property(leasesArb, selfArb, stateArb, (leases, me, state) => {
        const kinds = reconcile(leases, me, state).map((o) => (o.kind.endsWith('-del') ? 'del' : 'add'));
        expect(kinds.join(',')).toMatch(/^(del,)*(add,?)*$|^(del,?)*$/);
      }),
    );
  });
});
