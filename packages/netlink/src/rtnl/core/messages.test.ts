// Every request builder's payload parses back (with the message parsers the
// kernel's replies go through) to what was asked for.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addAddressRequest, deleteAddressRequest, dumpAddressesRequest, parseAddress } from './address.js';
import { AF, IFA_F, NUD, RTM } from './constants.js';
import { NLM_F as NLM_F_VALUES } from '../../wire/core/header.js';
import { deleteLinkRequest, dumpLinksRequest, getLinkRequest, newLinkRequest, parseLink, setLinkRequest } from './link.js';
import { dumpNeighborsRequest, fdbRequest, neighborRequest, parseNeighbor } from './neighbor.js';
import { addRouteRequest, deleteRouteRequest, parseRoute } from './route.js';
import type { VxlanInfo } from './vxlan.js';
import { parseEvent } from './event.js';
import { neighborStateNames, fdbFlags } from './state.js';

describe('links', () => {
  it('a created vxlan parses back', () => {
    const vxlan: VxlanInfo = { vni: 7, group: 'ff05::100', local: 'fd00::1', port: 8472, learning: false, dev: 2, ttl: 10, tos: 1, l2miss: true, l3miss: false, proxy: true, ageing: 60 };
    const req = newLinkRequest({ kind: 'vxlan', name: 'vx0', vxlan, mtu: 1400, mac: '02:00:00:00:00:09', master: 4, up: true });
    expect(req).toMatchObject({ type: RTM.NEWLINK, flags: NLM_F_VALUES.CREATE | NLM_F_VALUES.EXCL, dump: false });
    expect(parseLink(req.data)).toMatchObject({ name: 'vx0', kind: 'vxlan', mtu: 1400, mac: '02:00:00:00:00:09', master: 4, up: true, vxlan });
  });

  it('vxlan settings round-trip (property)', () => {
    const info = fc.record(
      {
        vni: fc.integer({ min: 0, max: 0xffffff }),
        group: fc.ipV4(),
        local: fc.ipV4(),
        port: fc.integer({ min: 0, max: 0xffff }),
        learning: fc.boolean(),
        dev: fc.integer({ min: 1, max: 1000 }),
        ttl: fc.integer({ min: 0, max: 255 }),
        l2miss: fc.boolean(),
        l3miss: fc.boolean(),
      },
      { requiredKeys: ['vni'] },
    );
    fc.assert(
      fc.property(info, (v) => {
        expect(parseLink(newLinkRequest({ kind: 'vxlan', name: 'v', vxlan: v }).data).vxlan).toEqual(v);
      }),
    );
  });

  it('rejects bad names and VNIs', () => {
    expect(() => newLinkRequest({ kind: 'bridge', name: 'x'.repeat(16) })).toThrow(/interface name/);
    expect(() => newLinkRequest({ kind: 'bridge', name: 'a b' })).toThrow(/interface name/);
    expect(() => newLinkRequest({ kind: 'veth', name: 'a', peer: { name: '' } })).toThrow(/interface name/);
    expect(() => newLinkRequest({ kind: 'vxlan', name: 'v', vxlan: { vni: 1 << 24 } })).toThrow(/vni/);
  });

  it('set, get, delete target by index or by name', () => {
    expect(parseLink(setLinkRequest({ name: 'va' }, { mtu: 9000, up: false }).data)).toMatchObject({ index: 0, name: 'va', mtu: 9000, up: false });
    expect(parseLink(setLinkRequest({ index: 3 }, { name: 'vz' }).data)).toMatchObject({ index: 3, name: 'vz' });
    expect(() => setLinkRequest({ name: 'va' }, { name: 'vz' })).toThrow(/renaming/);
    expect(parseLink(deleteLinkRequest({ name: 'va' }).data)).toMatchObject({ name: 'va' });
    expect(parseLink(getLinkRequest({ index: 7 }).data)).toMatchObject({ index: 7 });
    expect(dumpLinksRequest()).toMatchObject({ type: RTM.GETLINK, dump: true });
  });

  it('a veth peer in another netns', () => {
    const req = newLinkRequest({ kind: 'veth', name: 'a', peer: { name: 'b', netns: { pid: 42 }, mtu: 1300 } });
    expect(parseLink(req.data)).toMatchObject({ name: 'a', kind: 'veth' });
  });
});

describe('addresses', () => {
  it('round-trip, including flags above 8 bits and a peer', () => {
    const a = parseAddress(addAddressRequest({ dev: 3, cidr: '10.0.0.1/31', peer: '10.0.0.0', label: 'va:1', broadcast: '10.0.0.255', flags: IFA_F.NOPREFIXROUTE }).data);
    expect(a).toEqual({ family: 4, dev: 3, address: '10.0.0.1', prefix: 31, cidr: '10.0.0.1/31', peer: '10.0.0.0', label: 'va:1', broadcast: '10.0.0.255', scope: 0, flags: IFA_F.NOPREFIXROUTE });
    expect(parseAddress(deleteAddressRequest({ dev: 1, cidr: 'fd00::2/64' }).data)).toMatchObject({ family: 6, cidr: 'fd00::2/64' });
    expect(addAddressRequest({ dev: 1, cidr: '1.2.3.4/8' }, { replace: true }).flags).toBe(NLM_F_VALUES.CREATE | NLM_F_VALUES.REPLACE);
    expect(() => addAddressRequest({ dev: 1, cidr: '1.2.3.4/8', peer: '::1' })).toThrow(/family/);
    expect(dumpAddressesRequest(AF.INET6).data[0]).toBe(AF.INET6);
  });
});

describe('routes', () => {
  it('round-trip (property)', () => {
    const spec = fc.record(
      {
        dst: fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 32 })).map(([ip, p]) => `${ip}/${p}`),
        via: fc.ipV4(),
        dev: fc.integer({ min: 1, max: 5000 }),
        table: fc.integer({ min: 1, max: 100_000 }),
        onlink: fc.boolean(),
        metric: fc.integer({ min: 0, max: 0xffffffff }),
        prefsrc: fc.ipV4(),
      },
      { requiredKeys: ['dst'] },
    );
    fc.assert(
      fc.property(spec, (s) => {
        const r = parseRoute(addRouteRequest(s).data);
        expect(r).toMatchObject({ ...s, table: s.table ?? 254, onlink: s.onlink ?? false, family: 4 });
      }),
    );
  });

  it('defaults follow ip route: boot protocol, link scope without a gateway; delete uses scope nowhere', () => {
    expect(parseRoute(addRouteRequest({ dst: '10.0.0.0/8', dev: 2 }).data)).toMatchObject({ protocol: 3, scope: 253, type: 1 });
    expect(parseRoute(addRouteRequest({ dst: 'default', via: 'fd00::1' }).data)).toMatchObject({ family: 6, dst: 'default', scope: 0 });
    expect(parseRoute(deleteRouteRequest({ dst: '10.0.0.0/8' }).data)).toMatchObject({ protocol: 0, scope: 255, type: 0 });
    expect(() => addRouteRequest({ dst: '10.0.0.0/8', via: 'fd00::1' })).toThrow(/families differ/);
  });
});

describe('neighbours and FDB', () => {
  it('round-trip', () => {
    expect(parseNeighbor(neighborRequest('replace', { dev: 3, ip: 'fd00::9', mac: '02:00:00:00:00:09', state: NUD.REACHABLE }).data)).toEqual({
      family: AF.INET6,
      dev: 3,
      ip: 'fd00::9',
      mac: '02:00:00:00:00:09',
      state: NUD.REACHABLE,
      flags: 0,
      type: 0,
    });
    const fdb = parseNeighbor(fdbRequest('append', { dev: 5, mac: '00:00:00:00:00:00', ip: '10.0.0.2', vni: 42, port: 4789, vlan: 3, via: 2 }).data);
    expect(fdb).toEqual({ family: AF.BRIDGE, dev: 5, mac: '00:00:00:00:00:00', ip: '10.0.0.2', vni: 42, port: 4789, vlan: 3, via: 2, state: 0xc0, flags: 0x02, type: 0 });
    expect(dumpNeighborsRequest(AF.BRIDGE)).toMatchObject({ type: RTM.GETNEIGH, dump: true });
  });

  it('state names and FDB flags', () => {
    expect(neighborStateNames(NUD.NOARP | NUD.PERMANENT)).toEqual(['permanent', 'noarp']);
    expect(neighborStateNames(0)).toEqual(['none']);
    expect([fdbFlags({}), fdbFlags({ master: true }), fdbFlags({ self: true, master: true })]).toEqual([2, 4, 6]);
  });
});

describe('events', () => {
  it('maps message types to events; unknown types are skipped', () => {
    const link = newLinkRequest({ kind: 'bridge', name: 'br0' }).data;
    const header = (type: number) => ({ length: 0, type, flags: 0, seq: 0, pid: 0 });
    expect(parseEvent({ header: header(RTM.DELLINK), data: link })).toMatchObject({ kind: 'link', action: 'del', link: { name: 'br0' } });
    const neigh = neighborRequest('add', { dev: 5, ip: '10.0.0.9' }).data;
    expect(parseEvent({ header: header(RTM.GETNEIGH), data: neigh })).toMatchObject({ kind: 'neighbor', action: 'miss', neighbor: { ip: '10.0.0.9' } });
    expect(parseEvent({ header: header(99), data: neigh })).toBeUndefined();
  });
});
