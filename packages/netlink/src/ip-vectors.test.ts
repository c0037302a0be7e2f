// Requests our API encodes, byte for byte against what iproute2 sent to the
// kernel, and the kernel's replies decoded. Vectors: testdata/ip-vectors.json,
// captured by testdata/capture-vectors.mjs (strace of `ip`/`bridge` in a
// scratch netns). Interface indexes below are the ones in that netns: lo 1,
// vb 2, va 3, br0 4, vx0 5, vx1 6, ve 9.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Netlink } from './netlink.js';
import { fakeNetlinkSocket } from './testing/fake-socket.js';
import { decodeErrorMessage } from './wire/core/ack.js';
import { AttributeDecoder } from './wire/core/attributes.js';
import { HOST_LE } from './wire/core/endian.js';
import { decodeMessages, NLMSG } from './wire/core/header.js';
import type { NetlinkMessage } from './wire/core/header.js';
import { isNetlinkErrno } from './wire/core/errors.js';
import { IFA_F, IFLA, IFLA_INFO, RTM, VETH_INFO_PEER } from './rtnl/core/constants.js';
import { IFINFOMSG_LEN } from './rtnl/core/ifinfo.js';
import { parseLink } from './rtnl/core/link.js';
import { parseAddress } from './rtnl/core/address.js';
import { parseRoute } from './rtnl/core/route.js';
import { parseNeighbor } from './rtnl/core/neighbor.js';
import { parseEvent } from './rtnl/core/event.js';

interface Vector {
  command: string;
  request?: string;
  replies?: string[];
}
const vectors = JSON.parse(readFileSync(new URL('../testdata/ip-vectors.json', import.meta.url), 'utf8')) as Record<string, Vector>;

function vector(name: string): Vector {
  const v = vectors[name];
  if (!v) throw new Error(`no vector ${name}`);
  return v;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const bytes = (h: string) => new Uint8Array(Buffer.from(h, 'hex'));

/** Runs `op` against a fake kernel that acks everything; returns the one datagram sent, with `seq` set to the vector's. */
async function encoded(name: string, op: (nl: Netlink) => Promise<unknown>): Promise<{ ours: string; ip: string }> {
  const ip = bytes(vector(name).request!);
  const fake = fakeNetlinkSocket();
  const nl = new Netlink({ socketFactory: fake.factory });
  await op(nl);
  nl.close();
  expect(fake.datagrams).toHaveLength(1);
  const ours = fake.datagrams[0]!.slice();
  ours.set(ip.subarray(8, 12), 8); // the sequence number is ip's
  return { ours: hex(ours), ip: hex(ip) };
}

/** The value of IFLA_NET_NS_FD inside ip's veth peer (the fd number ip happened to use). */
function peerNetnsFd(request: string): number {
  let fd = -1;
  const ad = new AttributeDecoder(bytes(request), 16 + IFINFOMSG_LEN);
  while (ad.next()) {
    if (ad.type() !== IFLA.LINKINFO) continue;
    ad.nested((info) => {
      while (info.next()) if (info.type() === IFLA_INFO.DATA) info.nested((data) => {
        while (data.next()) if (data.type() === VETH_INFO_PEER) {
          const peer = new AttributeDecoder(data.bytes(), IFINFOMSG_LEN);
          while (peer.next()) if (peer.type() === IFLA.NET_NS_FD) fd = peer.u32();
        }
      });
    });
  }
  return fd;
}

function netnsPid(request: string): number {
  const b = bytes(request);
  return new DataView(b.buffer).getUint32(b.length - 4, HOST_LE);
}

const requests: [string, (nl: Netlink) => Promise<unknown>][] = [
  ['link-add-veth', (nl) => nl.createLink({ kind: 'veth', name: 'va', peer: { name: 'vb' } })],
  ['link-add-bridge', (nl) => nl.createLink({ kind: 'bridge', name: 'br0' })],
  ['link-add-vxlan', (nl) => nl.createLink({ kind: 'vxlan', name: 'vx0', vxlan: { dev: 3, ttl: 64, vni: 42, local: '10.0.0.1', learning: false, port: 4789 } })],
  [
    'link-add-vxlan-group',
    (nl) => nl.createLink({ kind: 'vxlan', name: 'vx1', vxlan: { dev: 3, l2miss: true, l3miss: true, vni: 43, group: '239.1.1.1', learning: true, port: 8472 } }),
  ],
  [
    'link-add-veth-peer-netns',
    (nl) => nl.createLink({ kind: 'veth', name: 'vc', peer: { name: 'vd', netns: { fd: peerNetnsFd(vector('link-add-veth-peer-netns').request!) } } }),
  ],
  ['link-set-up', (nl) => nl.setLinkUp(3)],
  ['link-set-down', (nl) => nl.setLinkDown(3)],
  ['link-set-mtu', (nl) => nl.setMtu(3, 1400)],
  ['link-set-address', (nl) => nl.setMac(3, '02:00:00:00:00:01')],
  ['link-set-master', (nl) => nl.setMaster(3, 4)],
  ['link-set-nomaster', (nl) => nl.setMaster(3, null)],
  ['link-set-netns-pid', (nl) => nl.moveToNetns(2, { pid: netnsPid(vector('link-set-netns-pid').request!) })],
  ['link-del', (nl) => nl.deleteLink(6)],
  ['addr-add', (nl) => nl.addAddress(3, '10.1.0.1/24')],
  ['addr-add6', (nl) => nl.addAddress(3, 'fd00::1/64', { flags: IFA_F.NODAD })],
  ['addr-del', (nl) => nl.deleteAddress(3, '10.1.0.1/24')],
  ['route-add-via', (nl) => nl.addRoute({ dst: '10.2.0.0/24', via: '10.1.0.2', dev: 3 })],
  ['route-add-dev', (nl) => nl.addRoute({ dst: '10.3.0.0/24', dev: 3 })],
  ['route-add-onlink', (nl) => nl.addRoute({ dst: '10.4.0.0/24', via: '192.168.9.1', dev: 3, onlink: true })],
  ['route-replace-table', (nl) => nl.replaceRoute({ dst: '10.5.0.0/24', dev: 3, table: 100 })],
  ['route-add-default', (nl) => nl.addRoute({ dst: 'default', via: '10.1.0.254', dev: 3 })],
  ['route-add6', (nl) => nl.addRoute({ dst: 'fd01::/64', via: 'fd00::2', dev: 3 })],
  ['route-del', (nl) => nl.deleteRoute({ dst: '10.2.0.0/24', via: '10.1.0.2', dev: 3 })],
  ['neigh-add', (nl) => nl.addNeighbor({ dev: 3, ip: '10.1.0.5', mac: '02:00:00:00:00:05', state: 'permanent' })],
  ['neigh-replace', (nl) => nl.replaceNeighbor({ dev: 3, ip: '10.1.0.6', mac: '02:00:00:00:00:06', state: 'reachable' })],
  ['neigh-del', (nl) => nl.deleteNeighbor({ dev: 3, ip: '10.1.0.5' })],
  ['fdb-append', (nl) => nl.appendFdb({ dev: 5, mac: '00:00:00:00:00:00', dst: '10.0.0.2', self: true, state: 'permanent' })],
  ['fdb-add-master', (nl) => nl.addFdb({ dev: 9, mac: '02:00:00:00:00:07', master: true, state: 'static' })],
  ['fdb-del', (nl) => nl.deleteFdb({ dev: 5, mac: '00:00:00:00:00:00', dst: '10.0.0.2' })],
];

describe.skipIf(!HOST_LE)('requests match iproute2 byte for byte', () => {
  it.each(requests)('%s', async (name, op) => {
    const { ours, ip } = await encoded(name, op);
    expect(ours).toBe(ip);
  });
});

/** Every message of every captured kernel reply of `name`. */
function replies(name: string): NetlinkMessage[] {
  return (vector(name).replies ?? []).flatMap((h) => decodeMessages(bytes(h)));
}

describe.skipIf(!HOST_LE)('kernel replies decode', () => {
  it('every captured reply decodes, every rtnetlink message parses', () => {
    let parsed = 0;
    for (const name of Object.keys(vectors)) {
      for (const msg of replies(name)) {
        if (msg.header.type === NLMSG.ERROR) decodeErrorMessage(msg);
        else if (parseEvent(msg)) parsed++;
      }
    }
    expect(parsed).toBeGreaterThan(20);
  });

  it('EEXIST for a link that exists', () => {
    const err = replies('link-add-exists').map(decodeErrorMessage).at(-1);
    expect(err).toMatchObject({ errno: 17, request: { type: RTM.NEWLINK } });
  });

  it('EEXIST reaches the caller as a typed error', async () => {
    const [kernel] = decodeMessages(bytes(vector('link-add-exists').replies!.at(-1)!));
    // The fake answers with the kernel's own reply (its seq replaced by the request's).
    const fake = fakeNetlinkSocket(() => [{ type: kernel!.header.type, flags: kernel!.header.flags, data: kernel!.data }]);
    const nl = new Netlink({ socketFactory: fake.factory });
    const err = await nl.createLink({ kind: 'bridge', name: 'br0' }).catch((e: unknown) => e);
    nl.close();
    expect(isNetlinkErrno(err, 'EEXIST')).toBe(true);
    expect(err).toMatchObject({ code: 'FLYNN_NETLINK_EEXIST', errno: 17, message: 'createLink br0 (RTM_NEWLINK): EEXIST (file exists)' });
  });

  const links = (name: string) => replies(name).filter((m) => m.header.type === RTM.NEWLINK).map((m) => parseLink(m.data));

  it('vxlan link info', () => {
    const vx = links('link-show-vxlan').find((l) => l.name === 'vx0');
    expect(vx).toMatchObject({ index: 5, kind: 'vxlan', vxlan: { vni: 42, local: '10.0.0.1', port: 4789, learning: false, dev: 3, ttl: 64 } });
  });

  it('veth and bridge links', () => {
    expect(links('link-show-veth').find((l) => l.name === 'va')).toMatchObject({ index: 3, kind: 'veth', parent: 2, mtu: 1400, mac: '02:00:00:00:00:01', up: true });
    expect(links('link-show-bridge').find((l) => l.name === 'br0')).toMatchObject({ index: 4, kind: 'bridge' });
  });

  it('addresses', () => {
    const addrs = replies('addr-list').filter((m) => m.header.type === RTM.NEWADDR).map((m) => parseAddress(m.data));
    expect(addrs).toContainEqual(expect.objectContaining({ dev: 3, family: 4, cidr: '10.1.0.1/24', label: 'va' }));
    expect(addrs).toContainEqual(expect.objectContaining({ dev: 3, family: 6, cidr: 'fd00::1/64' }));
  });

  it('routes', () => {
    const routes = replies('route-list').filter((m) => m.header.type === RTM.NEWROUTE).map((m) => parseRoute(m.data));
    expect(routes).toContainEqual(expect.objectContaining({ dst: '10.2.0.0/24', via: '10.1.0.2', dev: 3, table: 254, protocol: 3 }));
    expect(routes).toContainEqual(expect.objectContaining({ dst: '10.3.0.0/24', dev: 3, scope: 253 }));
    expect(routes).toContainEqual(expect.objectContaining({ dst: '10.4.0.0/24', via: '192.168.9.1', onlink: true }));
    expect(routes).toContainEqual(expect.objectContaining({ dst: '10.5.0.0/24', table: 100 }));
    expect(routes).toContainEqual(expect.objectContaining({ dst: 'default', family: 4, via: '10.1.0.254' }));
    expect(routes).toContainEqual(expect.objectContaining({ dst: 'fd01::/64', family: 6, via: 'fd00::2' }));
  });

  it('neighbours and FDB entries', () => {
    const neigh = replies('neigh-list').filter((m) => m.header.type === RTM.NEWNEIGH).map((m) => parseNeighbor(m.data));
    expect(neigh).toContainEqual(expect.objectContaining({ dev: 3, ip: '10.1.0.5', mac: '02:00:00:00:00:05', state: 0x80 }));
    expect(neigh).toContainEqual(expect.objectContaining({ dev: 3, ip: '10.1.0.6', mac: '02:00:00:00:00:06' }));
    const fdb = replies('fdb-list').filter((m) => m.header.type === RTM.NEWNEIGH).map((m) => parseNeighbor(m.data));
    expect(fdb).toContainEqual(expect.objectContaining({ family: 7, dev: 5, mac: '00:00:00:00:00:00', ip: '10.0.0.2', flags: 0x02 }));
  });
});
