import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Netlink } from './netlink.js';
import { AF, IFLA, IFLA_INFO, IFLA_VXLAN, RTM, RTNLGRP } from './rtnl/core/constants.js';
import { IFINFOMSG_LEN } from './rtnl/core/ifinfo.js';
import { newLinkRequest, parseLink } from './rtnl/core/link.js';
import { addRouteRequest } from './rtnl/core/route.js';
import { fdbRequest, neighborRequest } from './rtnl/core/neighbor.js';
import { ByteWriter } from './wire/core/byte-writer.js';
import { AttributeDecoder, AttributeEncoder } from './wire/core/attributes.js';
import { ack, errorReply, fakeNetlinkSocket, multipart, reply } from './testing/fake-socket.js';
import type { FakeReply } from './testing/fake-socket.js';
import { Errno } from './wire/core/errno.js';
import type { NetlinkMessage } from './wire/core/header.js';
import { writeIfInfo } from './rtnl/core/ifinfo.js';

/** An RTM_NEWLINK payload for a link `name` with `index`. */
function linkBytes(index: number, name: string, kind?: string): Uint8Array {
  const w = new ByteWriter();
  writeIfInfo(w, { index, flags: 1 });
  const ae = new AttributeEncoder(w);
  ae.string(IFLA.IFNAME, name).u32(IFLA.MTU, 1500);
  if (kind) ae.nested(IFLA.LINKINFO, (i) => i.string(IFLA_INFO.KIND, kind));
  return ae.encode();
}

/** The IFLA_IFNAME of a link request, if any. */
function ifname(req: NetlinkMessage): string | undefined {
  const ad = new AttributeDecoder(req.data, IFINFOMSG_LEN);
  while (ad.next()) if (ad.type() === IFLA.IFNAME) return ad.string();
  return undefined;
}

/** A kernel with links br0 (4) and eth0 (2): answers GETLINK by name, acks the rest. */
function kernel(extra?: (req: NetlinkMessage) => FakeReply[] | undefined) {
  const links: Record<string, number> = { eth0: 2, br0: 4 };
  return fakeNetlinkSocket((req) => {
    const r = extra?.(req);
    if (r) return r;
    if (req.header.type === RTM.GETLINK && !(req.header.flags & 0x100)) {
      const name = ifname(req)!;
      const index = links[name];
      return index === undefined ? [errorReply(req, Errno.ENODEV)] : [reply(RTM.NEWLINK, linkBytes(index, name)), ack(req)];
    }
    return undefined;
  });
}

describe('Netlink over a fake socket', () => {
  it('gets a link by name; findLink answers undefined for ENODEV', async () => {
    const nl = new Netlink({ socketFactory: kernel().factory });
    await expect(nl.link('eth0')).resolves.toMatchObject({ index: 2, name: 'eth0', up: true, mtu: 1500 });
    await expect(nl.findLink('nope')).resolves.toBeUndefined();
    await expect(nl.link('nope')).rejects.toMatchObject({ code: 'FLYNN_NETLINK_ENODEV', message: 'link nope (RTM_GETLINK): ENODEV (no such device)' });
    nl.close();
  });

  it('resolves names the kernel needs as indexes (vxlan dev, master)', async () => {
    const fake = kernel();
    const nl = new Netlink({ socketFactory: fake.factory });
    await nl.createLink({ kind: 'vxlan', name: 'vx0', vxlan: { vni: 1, dev: 'eth0' }, master: 'br0' });
    const create = fake.requests.at(-1)!;
    expect(create.header.type).toBe(RTM.NEWLINK);
    expect(parseLink(create.data)).toMatchObject({ name: 'vx0', master: 4, vxlan: { vni: 1, dev: 2 } });
    await nl.setMaster('vx0', 'br0');
    expect(parseLink(fake.requests.at(-1)!.data)).toMatchObject({ index: 0, name: 'vx0', master: 4 });
    await nl.setMaster({ index: 9 }, null);
    expect(parseLink(fake.requests.at(-1)!.data)).toMatchObject({ index: 9, master: 0 });
    await nl.setLink('eth0', { name: 'wan0' });
    expect(parseLink(fake.requests.at(-1)!.data)).toMatchObject({ index: 2, name: 'wan0' });
    nl.close();
  });

  it('vxlan attributes are in IFLA_INFO_DATA', async () => {
    const fake = kernel();
    const nl = new Netlink({ socketFactory: fake.factory });
    await nl.createLink({ kind: 'vxlan', name: 'vx0', vxlan: { vni: 9, port: 4789 } });
    const seen: number[] = [];
    const ad = new AttributeDecoder(fake.requests.at(-1)!.data, IFINFOMSG_LEN);
    while (ad.next())
      if (ad.type() === IFLA.LINKINFO)
        ad.nested((i) => {
          while (i.next())
            if (i.type() === IFLA_INFO.DATA)
              i.nested((d) => {
                while (d.next()) seen.push(d.type());
              });
        });
    expect(seen).toEqual([IFLA_VXLAN.ID, IFLA_VXLAN.PORT]);
    nl.close();
  });

  it('retries an interrupted dump', async () => {
    let dumps = 0;
    const fake = kernel((req) => {
      if (req.header.type !== RTM.GETLINK || !(req.header.flags & 0x100)) return undefined;
      dumps++;
      return multipart([{ type: RTM.NEWLINK, data: linkBytes(1, 'lo') }], { interrupted: dumps < 3 });
    });
    const nl = new Netlink({ socketFactory: fake.factory });
    await expect(nl.links()).resolves.toMatchObject([{ name: 'lo' }]);
    expect(dumps).toBe(3);
    nl.close();
  });

  it('filters routes by table (main by default) and link; neighbours exclude FDB entries', async () => {
    const routes = [addRouteRequest({ dst: '10.0.0.0/8', dev: 2 }), addRouteRequest({ dst: '10.1.0.0/16', dev: 3, table: 100 })];
    const neigh = [neighborRequest('add', { dev: 2, ip: '10.0.0.9' }), fdbRequest('append', { dev: 5, mac: '00:00:00:00:00:00', ip: '10.0.0.2' })];
    const fake = kernel((req) => {
      if (req.header.type === RTM.GETROUTE) return multipart(routes.map((r) => ({ type: RTM.NEWROUTE, data: r.data })));
      if (req.header.type === RTM.GETNEIGH) {
        const family = req.data[0];
        return multipart(neigh.filter((n) => family === AF.UNSPEC || n.data[0] === family).map((n) => ({ type: RTM.NEWNEIGH, data: n.data })));
      }
      return undefined;
    });
    const nl = new Netlink({ socketFactory: fake.factory });
    expect((await nl.routes()).map((r) => r.dst)).toEqual(['10.0.0.0/8']);
    expect((await nl.routes({ table: 'all' })).map((r) => r.dst)).toEqual(['10.0.0.0/8', '10.1.0.0/16']);
    expect((await nl.routes({ table: 100, link: 3 })).map((r) => r.dst)).toEqual(['10.1.0.0/16']);
    expect((await nl.neighbors()).map((n) => n.ip)).toEqual(['10.0.0.9']);
    expect(await nl.fdb({ link: 5 })).toEqual([{ dev: 5, mac: '00:00:00:00:00:00', dst: '10.0.0.2', self: true, state: 0xc0, flags: 2 }]);
    nl.close();
  });

  it('opens sockets in the configured namespace', () => {
    const fake = kernel();
    const nl = new Netlink({ netns: '/run/netns/blue', socketFactory: fake.factory });
    const sub = nl.subscribe(['link']);
    expect(fake.sockets.map((s) => s.options)).toEqual([
      { protocol: 0, netns: '/run/netns/blue' },
      { protocol: 0, netns: '/run/netns/blue' },
    ]);
    sub.close();
    nl.close();
  });

  it.skipIf(!existsSync('/proc/self/ns/net'))('moves a link to a namespace given by path (IFLA_NET_NS_FD)', async () => {
    const fake = kernel();
    const nl = new Netlink({ socketFactory: fake.factory });
    await nl.moveToNetns(3, '/proc/self/ns/net');
    const ad = new AttributeDecoder(fake.requests.at(-1)!.data, IFINFOMSG_LEN);
    const types: number[] = [];
    while (ad.next()) types.push(ad.type());
    expect(types).toEqual([IFLA.NET_NS_FD]);
    await expect(nl.moveToNetns(3, '/nonexistent/netns')).rejects.toMatchObject({ code: 'FLYNN_NETLINK_ENOENT' });
    nl.close();
  });
});

describe('subscribe', () => {
  it('delivers events from the groups joined, on a socket of its own', async () => {
    const fake = kernel();
    const nl = new Netlink({ socketFactory: fake.factory });
    const events = nl.subscribe(['link', 'neighbor']);
    const sub = fake.sockets[1]!;
    expect([...sub.groups]).toEqual([RTNLGRP.LINK, RTNLGRP.NEIGH]);
    fake.emit(RTNLGRP.LINK, { type: RTM.NEWLINK, data: newLinkRequest({ kind: 'bridge', name: 'br1' }).data });
    fake.emit(RTNLGRP.IPV4_ROUTE, { type: RTM.NEWROUTE, data: addRouteRequest({ dst: '10.0.0.0/8' }).data });
    fake.emit(RTNLGRP.NEIGH, { type: RTM.GETNEIGH, data: neighborRequest('add', { dev: 5, ip: '10.5.0.3' }).data });
    const first = await events.next();
    expect(first.value).toMatchObject({ kind: 'link', action: 'new', link: { name: 'br1' } });
    const second = await events.next();
    expect(second.value).toMatchObject({ kind: 'neighbor', action: 'miss', neighbor: { dev: 5, ip: '10.5.0.3' } });
    await events.return();
    expect(sub.closed).toBe(true);
    await expect(events.next()).resolves.toEqual({ value: undefined, done: true });
    nl.close();
  });

  it('ends with ENOBUFS after an overrun, so the consumer resyncs', async () => {
    const fake = kernel();
    const nl = new Netlink({ socketFactory: fake.factory });
    const events = nl.subscribe(['route']);
    fake.emit(RTNLGRP.IPV4_ROUTE, { type: RTM.DELROUTE, data: addRouteRequest({ dst: '10.0.0.0/8' }).data });
    fake.sockets[1]!.overrun();
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const ev of events) seen.push(`${ev.kind}:${ev.action}`);
      })(),
    ).rejects.toMatchObject({ code: 'FLYNN_NETLINK_ENOBUFS' });
    expect(seen).toEqual(['route:del']);
    nl.close();
  });

  it('a full queue fails the stream; an abort signal ends it', async () => {
    const fake = kernel();
    const nl = new Netlink({ socketFactory: fake.factory });
    const small = nl.subscribe(['link'], { maxQueue: 1 });
    for (let i = 0; i < 3; i++) fake.emit(RTNLGRP.LINK, { type: RTM.NEWLINK, data: linkBytes(i + 10, `l${i}`) });
    await new Promise((r) => setImmediate(r));
    await expect(small.next()).resolves.toMatchObject({ done: false });
    await expect(small.next()).rejects.toMatchObject({ code: 'FLYNN_NETLINK_ENOBUFS' });

    const ac = new AbortController();
    const events = nl.subscribe(['link'], { signal: ac.signal });
    const pending = events.next();
    ac.abort();
    await expect(pending).resolves.toEqual({ value: undefined, done: true });
    const aborted = nl.subscribe(['link'], { signal: ac.signal });
    await expect(aborted.next()).resolves.toMatchObject({ done: true });
    nl.close();
  });
});
