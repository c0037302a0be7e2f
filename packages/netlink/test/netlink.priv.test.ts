// The netlink API against the real kernel, inside network namespaces this
// file creates and deletes (also when a test fails). Root only; results are
// read back with `ip -j` / `bridge -j`.
import { spawnSync } from 'node:child_process';
import { missingRequirements } from '@flynn-ts/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isNetlinkErrno, Netlink, NUD } from '@flynn-ts/netlink';
import type { NetlinkEvent } from '@flynn-ts/netlink';
import { bridgeJson, createNetns, deleteNetns, ip, ipJson, netnsPath } from './netns.js';

const missing = missingRequirements({ root: true, commands: ['ip', 'bridge'] });

type IpLink = {
  ifindex: number;
  ifname: string;
  mtu: number;
  address: string;
  flags: string[];
  master?: string;
  link?: string;
  linkinfo?: { info_kind?: string; info_data?: Record<string, unknown> };
};

describe.skipIf(missing)('Netlink in a test-made network namespace', () => {
  let ns = '';
  let other = '';
  let nl: Netlink;

  beforeAll(() => {
    ns = createNetns('nl');
    other = createNetns('nl2');
    nl = new Netlink({ netns: netnsPath(ns) });
  });

  afterAll(() => {
    nl?.close();
    deleteNetns(ns);
    deleteNetns(other);
  });

  const links = () => ipJson<IpLink[]>(ns, '-d', 'link', 'show');
  const link = (name: string) => links().find((l) => l.ifname === name);

  it('creates a veth pair, a bridge and a VXLAN device that `ip -d link` reads back', async () => {
    await nl.createLink({ kind: 'veth', name: 'va', peer: { name: 'vb' }, mtu: 1400 });
    await nl.createLink({ kind: 'bridge', name: 'br0' });
    await nl.createLink({
      kind: 'vxlan',
      name: 'vx0',
      vxlan: { vni: 42, local: '10.0.0.1', port: 4789, learning: false, dev: 'va', ttl: 64, l3miss: true, proxy: true },
    });
    await nl.setMaster('vb', 'br0');
    await nl.setMac('va', '02:00:00:00:00:01');
    await nl.setLinkUp('va');

    const va = link('va')!;
    expect(va).toMatchObject({ mtu: 1400, address: '02:00:00:00:00:01', link: 'vb', linkinfo: { info_kind: 'veth' } });
    expect(va.flags).toContain('UP');
    expect(link('vb')).toMatchObject({ master: 'br0', linkinfo: { info_kind: 'veth' } });
    expect(link('br0')?.linkinfo?.info_kind).toBe('bridge');
    expect(link('vx0')?.linkinfo).toMatchObject({
      info_kind: 'vxlan',
      info_data: { id: 42, local: '10.0.0.1', port: 4789, learning: false, link: 'va', ttl: 64, l3miss: true, proxy: true },
    });

    // ... and our own reading agrees with ip's.
    const ours = await nl.links();
    for (const l of links()) {
      const o = ours.find((x) => x.index === l.ifindex);
      expect(o).toMatchObject({ name: l.ifname, mtu: l.mtu, mac: l.address });
      if (l.linkinfo?.info_kind) expect(o?.kind).toBe(l.linkinfo.info_kind);
    }
    expect((await nl.link('vx0')).vxlan).toMatchObject({ vni: 42, local: '10.0.0.1', port: 4789, learning: false, dev: va.ifindex, ttl: 64 });
    expect((await nl.link('vb')).master).toBe(link('br0')!.ifindex);
  });

  it('creating a link that exists is a typed EEXIST; a missing one is ENODEV', async () => {
    const err = await nl.createLink({ kind: 'bridge', name: 'br0' }).catch((e: unknown) => e);
    expect(isNetlinkErrno(err, 'EEXIST')).toBe(true);
    expect(err).toMatchObject({ code: 'FLYNN_NETLINK_EEXIST', errno: 17 });
    await expect(nl.deleteLink('nope0')).rejects.toMatchObject({ code: 'FLYNN_NETLINK_ENODEV' });
    await expect(nl.findLink('nope0')).resolves.toBeUndefined();
  });

  it('adds, lists and deletes addresses', async () => {
    await nl.addAddress('va', '10.1.0.1/24');
    await nl.addAddress('va', 'fd00::1/64', { flags: 0x02 /* nodad */ });
    await expect(nl.addAddress('va', '10.1.0.1/24')).rejects.toMatchObject({ code: 'FLYNN_NETLINK_EEXIST' });
    const [ipva] = ipJson<{ addr_info: { local: string; prefixlen: number }[] }[]>(ns, 'addr', 'show', 'dev', 'va');
    expect(ipva!.addr_info.map((a) => `${a.local}/${a.prefixlen}`)).toEqual(expect.arrayContaining(['10.1.0.1/24', 'fd00::1/64']));
    expect((await nl.addresses({ link: 'va' })).map((a) => a.cidr)).toEqual(expect.arrayContaining(['10.1.0.1/24', 'fd00::1/64']));
    await nl.addAddress('va', '10.1.0.9/24');
    await nl.deleteAddress('va', '10.1.0.9/24');
    await expect(nl.deleteAddress('va', '10.1.0.9/24')).rejects.toMatchObject({ code: 'FLYNN_NETLINK_EADDRNOTAVAIL' });
    expect((await nl.addresses({ link: 'va', family: 4 })).map((a) => a.cidr)).toEqual(['10.1.0.1/24']);
  });

  it('adds, replaces, lists and deletes routes (via, dev, onlink, table)', async () => {
    await nl.addRoute({ dst: '10.2.0.0/24', via: '10.1.0.2', dev: 'va' });
    await nl.addRoute({ dst: '10.3.0.0/24', dev: 'va' });
    await nl.addRoute({ dst: '10.4.0.0/24', via: '192.168.9.1', dev: 'va', onlink: true });
    await nl.replaceRoute({ dst: '10.5.0.0/24', dev: 'va', table: 100 });
    await nl.replaceRoute({ dst: '10.5.0.0/24', via: '10.1.0.3', dev: 'va', table: 100 });
    await nl.addRoute({ dst: 'fd01::/64', via: 'fd00::2', dev: 'va' });
    await expect(nl.addRoute({ dst: '10.3.0.0/24', dev: 'va' })).rejects.toMatchObject({ code: 'FLYNN_NETLINK_EEXIST' });

    type IpRoute = { dst: string; gateway?: string; dev?: string; table?: string; flags: string[]; metric?: number };
    const ipRoutes = ipJson<IpRoute[]>(ns, 'route', 'show', 'table', 'all');
    const find = (dst: string) => ipRoutes.find((r) => r.dst === dst);
    expect(find('10.2.0.0/24')).toMatchObject({ gateway: '10.1.0.2', dev: 'va' });
    expect(find('10.3.0.0/24')).toMatchObject({ dev: 'va' });
    expect(find('10.4.0.0/24')).toMatchObject({ gateway: '192.168.9.1', dev: 'va' });
    expect(find('10.4.0.0/24')!.flags).toContain('onlink');
    expect(find('10.5.0.0/24')).toMatchObject({ dev: 'va', table: '100', gateway: '10.1.0.3' });
    expect(ipRoutes.filter((r) => r.dst === '10.5.0.0/24')).toHaveLength(1);
    expect(ipJson<IpRoute[]>(ns, '-6', 'route', 'show').find((r) => r.dst === 'fd01::/64')).toMatchObject({ gateway: 'fd00::2' });

    const ours = await nl.routes({ table: 'all' });
    // (ip prints host routes without "/32"; we always give the prefix.)
    for (const r of ipRoutes.filter((x) => x.dst.startsWith('10.'))) expect(ours.map((o) => o.dst)).toContain(r.dst.includes('/') ? r.dst : `${r.dst}/32`);
    expect((await nl.routes({ table: 100 })).map((r) => r.dst)).toEqual(['10.5.0.0/24']);

    const [byRead] = (await nl.routes()).filter((r) => r.dst === '10.2.0.0/24');
    await nl.deleteRoute(byRead!);
    await expect(nl.deleteRoute({ dst: '10.2.0.0/24', via: '10.1.0.2', dev: 'va' })).rejects.toMatchObject({ code: 'FLYNN_NETLINK_ESRCH' });
    expect(ipJson<IpRoute[]>(ns, 'route', 'show').some((r) => r.dst === '10.2.0.0/24')).toBe(false);
  });

  it('adds, replaces and deletes neighbours', async () => {
    await nl.addNeighbor({ dev: 'va', ip: '10.1.0.5', mac: '02:00:00:00:00:05' });
    await nl.replaceNeighbor({ dev: 'va', ip: '10.1.0.6', mac: '02:00:00:00:00:06', state: 'reachable' });
    await nl.replaceNeighbor({ dev: 'va', ip: '10.1.0.6', mac: '02:00:00:00:00:16', state: 'permanent' });
    type IpNeigh = { dst: string; lladdr?: string; state: string[] };
    const neigh = ipJson<IpNeigh[]>(ns, 'neigh', 'show', 'dev', 'va');
    expect(neigh).toContainEqual(expect.objectContaining({ dst: '10.1.0.5', lladdr: '02:00:00:00:00:05', state: ['PERMANENT'] }));
    expect(neigh).toContainEqual(expect.objectContaining({ dst: '10.1.0.6', lladdr: '02:00:00:00:00:16', state: ['PERMANENT'] }));
    expect(await nl.neighbors({ link: 'va', family: 4 })).toContainEqual(expect.objectContaining({ ip: '10.1.0.6', mac: '02:00:00:00:00:16', state: NUD.PERMANENT }));
    await nl.deleteNeighbor({ dev: 'va', ip: '10.1.0.5' });
    await expect(nl.deleteNeighbor({ dev: 'va', ip: '10.1.0.5' })).rejects.toMatchObject({ code: 'FLYNN_NETLINK_ENOENT' });
    expect(ipJson<IpNeigh[]>(ns, 'neigh', 'show', 'dev', 'va').some((n) => n.dst === '10.1.0.5')).toBe(false);
  });

  it('appends, lists and deletes VXLAN FDB entries', async () => {
    await nl.appendFdb({ dev: 'vx0', mac: '00:00:00:00:00:00', dst: '10.0.0.2' });
    await nl.appendFdb({ dev: 'vx0', mac: '00:00:00:00:00:00', dst: '10.0.0.3' });
    await nl.replaceFdb({ dev: 'vx0', mac: '02:00:00:00:00:42', dst: '10.0.0.4' });
    type Fdb = { mac: string; dst?: string; flags: string[]; state: string };
    const fdb = bridgeJson<Fdb[]>(ns, 'fdb', 'show', 'dev', 'vx0');
    expect(fdb).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ mac: '00:00:00:00:00:00', dst: '10.0.0.2', flags: ['self'], state: 'permanent' }),
        expect.objectContaining({ mac: '00:00:00:00:00:00', dst: '10.0.0.3' }),
        expect.objectContaining({ mac: '02:00:00:00:00:42', dst: '10.0.0.4' }),
      ]),
    );
    const ours = await nl.fdb({ link: 'vx0' });
    expect(ours.filter((e) => e.dst).map((e) => `${e.mac} ${e.dst}`).sort()).toEqual(
      fdb.filter((e) => e.dst).map((e) => `${e.mac} ${e.dst}`).sort(),
    );
    await nl.deleteFdb({ dev: 'vx0', mac: '00:00:00:00:00:00', dst: '10.0.0.2' });
    expect(bridgeJson<Fdb[]>(ns, 'fdb', 'show', 'dev', 'vx0').some((e) => e.dst === '10.0.0.2')).toBe(false);
  });

  it('moves links to other namespaces (by path) and creates a veth with its peer elsewhere', async () => {
    await nl.createLink({ kind: 'veth', name: 'vc', peer: { name: 'vd', netns: netnsPath(other) } });
    expect(ipJson<IpLink[]>(other, 'link', 'show').map((l) => l.ifname)).toContain('vd');
    await nl.createLink({ kind: 'veth', name: 've', peer: { name: 'vf' } });
    await nl.moveToNetns('vf', netnsPath(other));
    expect(link('vf')).toBeUndefined();
    const inOther = new Netlink({ netns: netnsPath(other) });
    try {
      expect((await inOther.links()).map((l) => l.name).sort()).toEqual(['lo', 'vd', 'vf']);
    } finally {
      inOther.close();
    }
  });

  it('sets MTU, down, rename; deletes', async () => {
    await nl.setLink('ve', { mtu: 1300, up: true, name: 've1' });
    expect(link('ve1')).toMatchObject({ mtu: 1300 });
    await nl.setLinkDown('ve1');
    expect(link('ve1')!.flags).not.toContain('UP');
    await nl.deleteLink('ve1');
    expect(link('ve1')).toBeUndefined();
  });

  it('subscribes to link, address and neighbour events, including VXLAN l3miss', async () => {
    const events = nl.subscribe(undefined, { signal: AbortSignal.timeout(20_000) });
    const seen: NetlinkEvent[] = [];
    const collect = (async () => {
      for await (const ev of events) {
        seen.push(ev);
        if (ev.kind === 'neighbor' && ev.action === 'miss' && ev.neighbor.ip === '10.9.0.2') break;
      }
    })();
    ip(ns, 'link', 'add', 'vy', 'type', 'bridge');
    await nl.addAddress('vy', '10.8.0.1/24');
    await nl.setLinkUp('vx0');
    await nl.addAddress('vx0', '10.9.0.1/24');
    // Neighbour resolution asks user space (RTM_GETNEIGH on RTNLGRP_NEIGH) only with app_solicit > 0.
    spawnSync('ip', ['netns', 'exec', ns, 'sh', '-c', 'echo 1 > /proc/sys/net/ipv4/neigh/vx0/app_solicit']);
    // An ARP request on the proxying vxlan finds no neighbour: the kernel asks user space (RTM_GETNEIGH).
    // One UDP datagram from inside the namespace makes the kernel resolve 10.9.0.2 (nothing leaves the namespace).
    const send = "require('dgram').createSocket('udp4').send('x', 9, '10.9.0.2', (e, _n, s) => process.exit(e ? 1 : 0))";
    spawnSync('ip', ['netns', 'exec', ns, process.execPath, '-e', send], { stdio: 'ignore', timeout: 10_000 });
    await collect;
    expect(seen).toContainEqual(expect.objectContaining({ kind: 'link', action: 'new', link: expect.objectContaining({ name: 'vy', kind: 'bridge' }) }));
    expect(seen).toContainEqual(expect.objectContaining({ kind: 'address', action: 'new', address: expect.objectContaining({ cidr: '10.8.0.1/24' }) }));
    expect(seen).toContainEqual(expect.objectContaining({ kind: 'route', action: 'new' }));
    expect(seen.at(-1)).toMatchObject({ kind: 'neighbor', action: 'miss', neighbor: { ip: '10.9.0.2', dev: link('vx0')!.ifindex } });
  });

  it('a burst of notifications while the event loop is blocked fits the subscription queue', async () => {
    const events = nl.subscribe(['link'], { signal: AbortSignal.timeout(30_000) });
    const pairs = 200;
    const batch = Array.from({ length: pairs }, (_, i) => `link add bu${i} type veth peer name bv${i}`).join('\n');
    // spawnSync blocks our event loop: every notification waits in the kernel queue.
    spawnSync('ip', ['-n', ns, '-batch', '-'], { input: batch });
    const names = new Set<string>();
    for await (const ev of events) {
      if (ev.kind === 'link' && ev.action === 'new') names.add(ev.link.name);
      if (names.size === 2 * pairs) break;
    }
    expect(names.size).toBe(2 * pairs);
  });
});
