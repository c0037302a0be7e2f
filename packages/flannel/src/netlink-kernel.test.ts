import { AttributeEncoder, ByteWriter, Errno, IFLA, NLM_F, Netlink, parseLink, parseNeighbor, parseRoute, RTM, writeIfInfo } from '@flynn-ts/netlink';
import { ack, errorReply, fakeNetlinkSocket, reply } from '@flynn-ts/netlink/testing';
import type { FakeHandler } from '@flynn-ts/netlink/testing';
import { describe, expect, it } from 'vitest';
import { netlinkKernel } from './netlink-kernel.js';

/** RTM_NEWLINK payload of `flannel.1`, index 7. */
function linkBytes(): Uint8Array {
  const w = new ByteWriter();
  writeIfInfo(w, { index: 7, type: 1 });
  const ae = new AttributeEncoder(w);
  ae.string(IFLA.IFNAME, 'flannel.1');
  ae.u32(IFLA.MTU, 1450);
  return ae.encode();
}

function kernelWith(extra: FakeHandler = () => undefined) {
  const fake = fakeNetlinkSocket((req, sock) => (req.header.type === RTM.GETLINK ? [reply(RTM.NEWLINK, linkBytes()), ack(req)] : extra(req, sock)));
  const nl = new Netlink({ socketFactory: fake.factory });
  return { fake, nl, kernel: netlinkKernel(nl) };
}

describe('netlinkKernel', () => {
  it('installs routes onlink with replace, permanent neighbours and self FDB entries on the device', async () => {
    const { fake, nl, kernel } = kernelWith();
    await kernel.apply('flannel.1', { kind: 'route-add', dst: '100.100.2.0/24', gateway: '100.100.2.0' });
    await kernel.apply('flannel.1', { kind: 'neigh-replace', ip: '100.100.2.0', mac: '0e:00:00:00:00:02' });
    await kernel.apply('flannel.1', { kind: 'fdb-add', mac: '0e:00:00:00:00:02', dst: '192.168.250.2' });
    const sent = fake.requests.filter((r) => r.header.type !== RTM.GETLINK);
    expect(sent.map((r) => r.header.type)).toEqual([RTM.NEWROUTE, RTM.NEWNEIGH, RTM.NEWNEIGH]);
    for (const r of sent) expect(r.header.flags & (NLM_F.CREATE | NLM_F.REPLACE)).toBe(NLM_F.CREATE | NLM_F.REPLACE);
    expect(parseRoute(sent[0]!.data)).toMatchObject({ dst: '100.100.2.0/24', via: '100.100.2.0', dev: 7, onlink: true, table: 254 });
    expect(parseNeighbor(sent[1]!.data)).toMatchObject({ family: 2, dev: 7, ip: '100.100.2.0', mac: '0e:00:00:00:00:02', state: 0x80 });
    expect(parseNeighbor(sent[2]!.data)).toMatchObject({ family: 7, dev: 7, ip: '192.168.250.2', mac: '0e:00:00:00:00:02', flags: 0x02 });
    nl.close();
  });

  it('treats deleting what is already gone as done, and reports other failures', async () => {
    const { nl, kernel } = kernelWith((req) => (req.header.type === RTM.DELROUTE ? [errorReply(req, Errno.ESRCH)] : req.header.type === RTM.DELNEIGH ? [errorReply(req, Errno.EPERM)] : undefined));
    await kernel.apply('flannel.1', { kind: 'route-del', dst: '100.100.2.0/24', gateway: '100.100.2.0' });
    await expect(kernel.apply('flannel.1', { kind: 'neigh-del', ip: '100.100.2.0' })).rejects.toMatchObject({ code: 'FLYNN_NETLINK_EPERM' });
    nl.close();
  });

  it('creates the VXLAN device with learning off at the wanted MTU', async () => {
    const { fake, nl, kernel } = kernelWith();
    await kernel.applyDevice({ kind: 'device-create', spec: { name: 'flannel.1', vni: 1, port: 8472, local: '192.168.250.1', mtu: 1450 } });
    const req = fake.requests.find((r) => r.header.type === RTM.NEWLINK)!;
    expect(req.header.flags & (NLM_F.CREATE | NLM_F.EXCL)).toBe(NLM_F.CREATE | NLM_F.EXCL);
    expect(parseLink(req.data)).toMatchObject({ name: 'flannel.1', kind: 'vxlan', mtu: 1450, vxlan: { vni: 1, port: 8472, local: '192.168.250.1', learning: false } });
    nl.close();
  });
});
