import { describe, expect, it } from 'vitest';
import { NetlinkClosedError, NetlinkConnection, NetlinkDumpInterruptedError } from './conn.js';
import { dumpLinksRequest, getLinkRequest, newLinkRequest } from './rtnl/core/link.js';
import { RTM } from './rtnl/core/constants.js';
import { ack, errorReply, fakeNetlinkSocket, multipart, reply } from './testing/fake-socket.js';
import { Errno } from './wire/core/errno.js';
import { isNetlinkErrno } from './wire/core/errors.js';
import { NLM_F, NLMSG } from './wire/core/header.js';
import type { NetlinkMessage } from './wire/core/header.js';

const bridge = newLinkRequest({ kind: 'bridge', name: 'br0' });

describe('NetlinkConnection', () => {
  it('numbers requests, asks for an ack, resolves on it', async () => {
    const fake = fakeNetlinkSocket();
    const conn = new NetlinkConnection(fake, { firstSeq: 41 });
    await expect(conn.request(bridge)).resolves.toEqual([]);
    await conn.request(bridge);
    expect(fake.requests.map((r) => [r.header.seq, r.header.flags])).toEqual([
      [41, NLM_F.REQUEST | NLM_F.ACK | NLM_F.CREATE | NLM_F.EXCL],
      [42, NLM_F.REQUEST | NLM_F.ACK | NLM_F.CREATE | NLM_F.EXCL],
    ]);
  });

  it('wraps the sequence number, skipping 0', async () => {
    const fake = fakeNetlinkSocket();
    const conn = new NetlinkConnection(fake, { firstSeq: 0xffffffff });
    await conn.request(bridge);
    await conn.request(bridge);
    expect(fake.requests.map((r) => r.header.seq)).toEqual([0xffffffff, 1]);
  });

  it('turns NLMSG_ERROR into a typed error with the kernel message', async () => {
    const fake = fakeNetlinkSocket((req) => [errorReply(req, Errno.EEXIST, 'already there')]);
    const err = await new NetlinkConnection(fake).request(bridge, { context: 'createLink br0' }).catch((e: unknown) => e);
    expect(isNetlinkErrno(err, 'EEXIST')).toBe(true);
    expect(err).toMatchObject({ errno: 17, ack: { message: 'already there' }, request: { type: RTM.NEWLINK, seq: 1 } });
    expect((err as Error).message).toBe('createLink br0 (RTM_NEWLINK): EEXIST (file exists): already there');
  });

  it('a GET resolves with its reply (then the ack)', async () => {
    const link = newLinkRequest({ kind: 'bridge', name: 'br0' }).data;
    const fake = fakeNetlinkSocket((req) => [reply(RTM.NEWLINK, link), ack(req)]);
    const msgs = await new NetlinkConnection(fake).request(getLinkRequest({ name: 'br0' }));
    expect(msgs.map((m) => m.header.type)).toEqual([RTM.NEWLINK]);
  });

  it('collects a multipart dump across datagrams until NLMSG_DONE', async () => {
    const part = (n: number) => ({ type: RTM.NEWLINK, data: new Uint8Array(16).fill(n) });
    const fake = fakeNetlinkSocket((req, sock) => {
      const [a, b, c, done] = multipart([part(1), part(2), part(3)]);
      const fill = (r: typeof a) => ({ header: { type: r!.type, flags: r!.flags ?? 0, seq: req.header.seq, pid: 0 }, data: r!.data! });
      sock.deliver([fill(a), fill(b)]);
      sock.deliver([fill(c)]);
      return [done!];
    });
    const conn = new NetlinkConnection(fake);
    const msgs = await conn.request(dumpLinksRequest());
    expect(msgs.map((m) => m.data[0])).toEqual([1, 2, 3]);
    expect(fake.requests[0]!.header.flags).toBe(NLM_F.REQUEST | NLM_F.DUMP);
  });

  it('an interrupted dump rejects so the caller can retry', async () => {
    const fake = fakeNetlinkSocket(() => multipart([{ type: RTM.NEWLINK, data: new Uint8Array(16) }], { interrupted: true }));
    await expect(new NetlinkConnection(fake).request(dumpLinksRequest())).rejects.toBeInstanceOf(NetlinkDumpInterruptedError);
  });

  it('a dump that fails in NLMSG_DONE rejects with its errno', async () => {
    const done = new Uint8Array(4);
    new DataView(done.buffer).setInt32(0, -Errno.EINVAL, true);
    const fake = fakeNetlinkSocket(() => [{ type: NLMSG.DONE, flags: NLM_F.MULTI, data: done }]);
    await expect(new NetlinkConnection(fake).request(dumpLinksRequest())).rejects.toMatchObject({ code: 'FLYNN_NETLINK_EINVAL' });
  });

  it('matches concurrent requests by sequence number, whatever the reply order', async () => {
    const held: NetlinkMessage[] = [];
    const fake = fakeNetlinkSocket((req) => (held.push(req), []));
    const conn = new NetlinkConnection(fake);
    const [a, b, c] = [conn.request(bridge), conn.request(bridge), conn.request(bridge)];
    fake.answer(held[2]!, [errorReply(held[2]!, Errno.EBUSY)]);
    fake.answer(held[0]!, [ack(held[0]!)]);
    fake.answer(held[1]!, [errorReply(held[1]!, Errno.EPERM)]);
    await expect(a).resolves.toEqual([]);
    await expect(b).rejects.toMatchObject({ code: 'FLYNN_NETLINK_EPERM' });
    await expect(c).rejects.toMatchObject({ code: 'FLYNN_NETLINK_EBUSY' });
  });

  it('sends dumps one at a time (the kernel allows one per socket), other requests meanwhile', async () => {
    const held: NetlinkMessage[] = [];
    const fake = fakeNetlinkSocket((req) => (req.header.type === RTM.GETLINK ? (held.push(req), []) : undefined));
    const conn = new NetlinkConnection(fake);
    const d1 = conn.request(dumpLinksRequest());
    const d2 = conn.request(dumpLinksRequest());
    const d3 = conn.request(dumpLinksRequest());
    await conn.request(bridge);
    expect(held).toHaveLength(1);
    fake.answer(held[0]!, multipart([{ type: RTM.NEWLINK, data: new Uint8Array(16).fill(1) }]));
    await expect(d1).resolves.toHaveLength(1);
    expect(held).toHaveLength(2);
    fake.answer(held[1]!, [errorReply(held[1]!, Errno.EINVAL)]);
    await expect(d2).rejects.toMatchObject({ code: 'FLYNN_NETLINK_EINVAL' });
    fake.answer(held[2]!, multipart([]));
    await expect(d3).resolves.toEqual([]);
    expect(fake.requests.map((r) => r.header.type)).toEqual([RTM.GETLINK, RTM.NEWLINK, RTM.GETLINK, RTM.GETLINK]);
  });

  it('ignores replies nobody waits for', async () => {
    const fake = fakeNetlinkSocket((req) => [{ ...ack(req), seq: 999 }, ack(req)]);
    await expect(new NetlinkConnection(fake).request(bridge)).resolves.toEqual([]);
  });

  it('reads only while a request is outstanding', async () => {
    const fake = fakeNetlinkSocket();
    let reading = 0;
    const receive = fake.receive.bind(fake);
    const pause = fake.pause.bind(fake);
    fake.receive = (h) => {
      reading++;
      receive(h);
    };
    fake.pause = () => {
      reading--;
      pause();
    };
    const conn = new NetlinkConnection(fake);
    await Promise.all([conn.request(bridge), conn.request(bridge)]);
    expect(reading).toBe(0);
  });

  it('a socket error fails what is outstanding; a send error fails that request', async () => {
    const fake = fakeNetlinkSocket(() => []);
    const conn = new NetlinkConnection(fake);
    const p = conn.request(bridge);
    fake.overrun();
    await expect(p).rejects.toMatchObject({ code: 'FLYNN_NETLINK_ENOBUFS' });
    fake.send = () => {
      throw new Error('boom');
    };
    await expect(conn.request(bridge)).rejects.toThrow('boom');
  });

  it('close rejects outstanding requests and later ones', async () => {
    const fake = fakeNetlinkSocket(() => []);
    const conn = new NetlinkConnection(fake);
    const p = conn.request(bridge);
    conn.close();
    conn.close();
    await expect(p).rejects.toBeInstanceOf(NetlinkClosedError);
    await expect(conn.request(bridge)).rejects.toMatchObject({ code: 'FLYNN_NETLINK_CLOSED' });
    expect(fake.closed).toBe(true);
  });

  it('a malformed datagram fails outstanding requests with a decode error', async () => {
    const fake = fakeNetlinkSocket(() => []);
    const p = new NetlinkConnection(fake).request(bridge);
    fake.deliverBytes(new Uint8Array([1, 2, 3]));
    await expect(p).rejects.toMatchObject({ code: 'FLYNN_NETLINK_DECODE' });
  });
});
