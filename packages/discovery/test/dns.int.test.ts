/**
 * DnsServer on loopback, queried with real `dig` and Node's resolver.
 * Recursion points only at a tiny upstream DNS server this test runs itself.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { Resolver } from 'node:dns/promises';
import { connect, createServer } from 'node:net';
import { seededRandom } from '@flynn-ts/core';
import { missingRequirements, waitFor } from '@flynn-ts/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DiscoveryEvent, Instance } from '../src/core/types.js';
import { Flag, RRType, Rcode } from '../src/dns/core/constants.js';
import { decodeMessage, decodeQuery } from '../src/dns/core/decode-message.js';
import { DnsName } from '../src/dns/core/dns-name.js';
import { encodeMessage } from '../src/dns/core/dns-writer.js';
import { rcodeOf } from '../src/dns/core/records.js';
import { DnsServer } from '../src/dns/dns-server.js';
import { createDnsView } from '../src/dns/create-dns-view.js';
import { staticDnsView } from '../src/dns/static-dns-view.js';

const noDig = missingRequirements({ commands: ['dig'] });

interface Upstream {
  port: number;
  close(): Promise<void>;
}

/** A tiny authoritative upstream on loopback (UDP and TCP, one port): known names → A record, else NXDOMAIN. */
async function startUpstream(records: Record<string, string>, options: { wrongId?: boolean } = {}): Promise<Upstream> {
  const answer = (packet: Uint8Array): Uint8Array => {
    const q = decodeQuery(packet);
    const ip = records[q.question.name.text];
    return encodeMessage({
      id: options.wrongId ? (q.id + 1) & 0xffff : q.id,
      flags: Flag.QR | Flag.AA | Flag.RA | (q.flags & Flag.RD) | (ip === undefined ? Rcode.NXDOMAIN : 0),
      questions: [q.question],
      answers: ip === undefined ? [] : [{ kind: 'A', name: q.question.name, ttl: 60, address: Uint8Array.from(ip.split('.').map(Number)) }],
      authority: [],
      additional: [],
      edns: undefined,
    });
  };
  const udp = createSocket('udp4');
  udp.on('message', (m, r) => udp.send(answer(m), r.port, r.address));
  await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
  const port = udp.address().port;
  const tcp = createServer((c) => {
    c.on('error', () => {});
    c.on('data', (b: Buffer) => {
      const out = answer(b.subarray(2, 2 + b.readUInt16BE(0)));
      c.write(Buffer.concat([Buffer.from([out.length >> 8, out.length & 255]), out]));
    });
  });
  await new Promise<void>((resolve) => tcp.listen(port, '127.0.0.1', resolve));
  let closed = false;
  return {
    port,
    close: async () => {
      if (closed) return;
      closed = true;
      await Promise.all([new Promise<void>((r) => udp.close(() => r())), new Promise<void>((r) => tcp.close(() => r()))]);
    },
  };
}

function inst(addr: string, index: number, proto = 'tcp'): Instance {
  return { id: createHash('md5').update(`${proto}-${addr}`).digest('hex'), addr, proto, index };
}
const svc = [inst('127.0.0.11:5000', 5), inst('127.0.0.12:5001', 6), inst('127.0.0.13:5002', 7), inst('127.0.0.14:80', 8, 'http')];
const v6 = [inst('[fd00::1]:7000', 3)];
const view = staticDnsView({ svc, v6, empty: [] });

function dig(port: number, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('dig', ['@127.0.0.1', '-p', String(port), '+time=2', '+tries=1', ...args], { timeout: 15_000 }, (err, stdout) => {
      if (err && !stdout) reject(err);
      else resolve(stdout);
    });
  });
}
const lines = (s: string) => s.trim().split('\n').filter(Boolean).sort();
const status = (out: string) => /status: (\w+)/.exec(out)?.[1];
const flags = (out: string) => /flags: ([a-z ]*);/.exec(out)?.[1]?.split(' ');

function udpExchange(port: number, packet: Uint8Array): Promise<Uint8Array> {
  return udpExchangeWithin(port, packet, 1000);
}

function udpExchangeWithin(port: number, packet: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    const timer = setTimeout(() => {
      s.close();
      reject(new Error('no UDP answer'));
    }, timeoutMs);
    s.on('message', (m) => {
      clearTimeout(timer);
      s.close();
      resolve(new Uint8Array(m));
    });
    s.send(packet, port, '127.0.0.1');
  });
}

function queryBytes(name: string, type: number, id = 1): Uint8Array {
  return encodeMessage({ id, flags: Flag.RD, questions: [{ name: DnsName.parse(name), type, class: 1 }], answers: [], authority: [], additional: [], edns: undefined });
}

describe('DnsServer (loopback)', () => {
  let upstream: Upstream;
  let server: DnsServer;
  let port: number;

  beforeAll(async () => {
    upstream = await startUpstream({ 'example.test.': '10.0.0.1' });
    server = new DnsServer({ view, udpAddr: '127.0.0.1:0', recursors: [`127.0.0.1:${upstream.port}`], recursionTimeoutMs: 300, random: seededRandom(1) });
    await server.start();
    port = server.udpAddress!.port;
    expect(server.tcpAddress?.port).toBe(port);
  });
  afterAll(async () => {
    await server?.close();
    await upstream?.close();
  });

  describe.skipIf(noDig)('with dig', () => {
    it('A over UDP: the three IPv4 instances; over TCP: all four', async () => {
      const udp = lines(await dig(port, 'svc.discoverd', 'A', '+short'));
      expect(udp).toHaveLength(3); // capped at 3 over UDP: 3 of the 4, shuffled
      expect(new Set(udp).size).toBe(3);
      for (const ip of udp) expect(['127.0.0.11', '127.0.0.12', '127.0.0.13', '127.0.0.14']).toContain(ip);
      expect(lines(await dig(port, 'svc.discoverd', 'A', '+short', '+tcp'))).toEqual(['127.0.0.11', '127.0.0.12', '127.0.0.13', '127.0.0.14']);
      const full = await dig(port, 'SVC.Discoverd', 'A');
      expect(status(full)).toBe('NOERROR');
      expect(flags(full)).toContain('aa');
    });

    it('SRV, with additional A records over TCP', async () => {
      const srv = lines(await dig(port, 'svc.discoverd', 'SRV', '+short', '+tcp'));
      expect(srv).toEqual(svc.map((i) => `1 1 ${i.addr.split(':')[1]} ${i.id}.svc._i.discoverd.`).sort());
      const full = await dig(port, 'svc.discoverd', 'SRV', '+tcp', '+noall', '+additional');
      expect(lines(full).filter((l) => !l.startsWith(';'))).toHaveLength(4);
      expect(full).toMatch(new RegExp(`^${svc[0]!.id}\\.svc\\._i\\.discoverd\\.\\s+0\\s+IN\\s+A\\s+127\\.0\\.0\\.11$`, 'm'));
      expect(lines(await dig(port, 'svc.discoverd', 'SRV', '+short'))).toHaveLength(3);
    });

    it('_svc._tcp and _svc._http filter by proto; leader.svc A and SRV', async () => {
      expect(lines(await dig(port, '_svc._http.discoverd', 'SRV', '+short'))).toEqual([`1 1 80 ${svc[3]!.id}.svc._i.discoverd.`]);
      expect(lines(await dig(port, '_svc._tcp.discoverd', 'SRV', '+short', '+tcp'))).toHaveLength(3);
      expect(lines(await dig(port, 'leader.svc.discoverd', 'A', '+short'))).toEqual(['127.0.0.11']);
      expect(lines(await dig(port, 'leader.svc.discoverd', 'SRV', '+short'))).toEqual(['1 1 5000 leader.svc.discoverd.']);
      expect(lines(await dig(port, `${svc[1]!.id}.svc._i.discoverd`, 'A', '+short'))).toEqual(['127.0.0.12']);
    });

    it('NXDOMAIN + SOA for unknown names and empty services; AAAA of an IPv4 service: NOERROR + SOA', async () => {
      for (const name of ['nope.discoverd', 'a.b.c.discoverd', 'empty.discoverd']) {
        const out = await dig(port, name, 'A');
        expect(status(out)).toBe('NXDOMAIN');
        expect(flags(out)).toContain('aa');
        expect(out).toMatch(/AUTHORITY SECTION:\ndiscoverd\.\s+0\s+IN\s+SOA\s+ns\.discoverd\. postmaster\.discoverd\. \d+ 3600 600 86400 0/);
      }
      const aaaa = await dig(port, 'svc.discoverd', 'AAAA');
      expect(status(aaaa)).toBe('NOERROR');
      expect(aaaa).toContain('ANSWER: 0, AUTHORITY: 1');
      expect(lines(await dig(port, 'v6.discoverd', 'AAAA', '+short'))).toEqual(['fd00::1']);
      expect(lines(await dig(port, 'svc.discoverd', 'SOA', '+short'))[0]).toMatch(/^ns\.discoverd\. postmaster\.discoverd\. \d+ 3600 600 86400 0$/);
    });

    it('forwards other names to the recursor, over UDP and TCP, with RA set', async () => {
      expect(lines(await dig(port, 'example.test', 'A', '+short'))).toEqual(['10.0.0.1']);
      expect(lines(await dig(port, 'example.test', 'A', '+short', '+tcp'))).toEqual(['10.0.0.1']);
      const nx = await dig(port, 'nothing.test', 'A');
      expect(status(nx)).toBe('NXDOMAIN'); // the upstream's answer, relayed as is
      expect(flags(await dig(port, 'svc.discoverd', 'A'))).toContain('ra');
    });
  });

  it("Node's dns.promises.Resolver resolves every kind of name", async () => {
    const r = new Resolver({ timeout: 2000, tries: 1 });
    r.setServers([`127.0.0.1:${port}`]);
    expect(await r.resolve4('svc.discoverd')).toHaveLength(3);
    expect(await r.resolve6('v6.discoverd')).toEqual(['fd00::1']);
    const srv = await r.resolveSrv('_svc._tcp.discoverd');
    expect(srv).toHaveLength(3);
    expect(srv[0]).toMatchObject({ priority: 1, weight: 1 });
    expect(await r.resolve4('leader.svc.discoverd')).toEqual(['127.0.0.11']);
    expect(await r.resolveSoa('svc.discoverd')).toMatchObject({ nsname: 'ns.discoverd', hostmaster: 'postmaster.discoverd', refresh: 3600, retry: 600, expire: 86400, minttl: 0 });
    await expect(r.resolve4('nope.discoverd')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    await expect(r.resolve6('svc.discoverd')).rejects.toMatchObject({ code: 'ENODATA' });
    expect(await r.resolve4('example.test')).toEqual(['10.0.0.1']);
  });

  it('answers several pipelined queries on one TCP connection, and FORMERR to a garbage frame', async () => {
    const sock = connect({ port, host: '127.0.0.1' });
    const frames: Uint8Array[] = [];
    let buf = Buffer.alloc(0);
    sock.on('data', (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      while (buf.length >= 2 && buf.length >= buf.readUInt16BE(0) + 2) {
        frames.push(new Uint8Array(buf.subarray(2, buf.readUInt16BE(0) + 2)));
        buf = buf.subarray(buf.readUInt16BE(0) + 2);
      }
    });
    const frame = (b: Uint8Array) => Buffer.concat([Buffer.from([b.length >> 8, b.length & 255]), b]);
    const garbage = Uint8Array.from([0, 9, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x7f]);
    sock.write(Buffer.concat([frame(queryBytes('svc.discoverd', RRType.A, 7)), frame(garbage), frame(queryBytes('leader.svc.discoverd', RRType.A, 8))]));
    await waitFor(() => frames.length === 3, { what: 'three TCP answers' });
    const byId = new Map(frames.map((f) => decodeMessage(f)).map((m) => [m.id, m]));
    expect(byId.get(7)!.answers).toHaveLength(4);
    expect(rcodeOf(byId.get(9)!.flags)).toBe(Rcode.FORMERR);
    expect(byId.get(8)!.answers).toHaveLength(1);
    sock.destroy();
  });

  it('keeps answering after a barrage of garbage UDP packets; every reply is well-formed', async () => {
    const random = seededRandom(99);
    const s = createSocket('udp4');
    const replies: Uint8Array[] = [];
    s.on('message', (m) => replies.push(new Uint8Array(m)));
    await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
    const valid = queryBytes('svc.discoverd', RRType.A);
    let sent = 0;
    for (let i = 0; i < 3000; i++) {
      let p: Uint8Array;
      if (i % 2 === 0) {
        p = new Uint8Array(random.int(80));
        for (let j = 0; j < p.length; j++) p[j] = random.int(256);
      } else {
        p = valid.slice(0, valid.length - random.int(4));
        for (let k = random.int(6); k >= 0; k--) p[random.int(p.length)] = random.int(256);
      }
      p[2] = p.length > 2 ? p[2]! & 0x7f : 0; // queries only: a reply with QR set is ignored by design
      s.send(p, port, '127.0.0.1');
      sent++;
      if (i % 20 === 0) await new Promise((r) => setImmediate(r)); // pace it a little: UDP drops what overflows a socket buffer
    }
    await waitFor(
      async () => {
        const out = await udpExchange(port, queryBytes('svc.discoverd', RRType.A, 4242));
        return decodeMessage(out).answers.length === 3;
      },
      { what: 'an answer after the barrage' },
    );
    expect(sent).toBe(3000);
    expect(replies.length).toBeGreaterThan(100);
    for (const r of replies) {
      const m = decodeMessage(r);
      expect(m.flags & Flag.QR).toBe(Flag.QR);
    }
    s.close();
  });

  it('closes idle TCP connections', async () => {
    const idle = new DnsServer({ view, udpAddr: '127.0.0.1:0', tcpIdleTimeoutMs: 200 });
    await idle.start();
    try {
      const sock = connect({ port: idle.tcpAddress!.port, host: '127.0.0.1' });
      let closed = false;
      sock.on('close', () => (closed = true));
      sock.on('error', () => {});
      await waitFor(() => closed, { what: 'idle connection closed', timeoutMs: 5000 });
    } finally {
      await idle.close();
    }
  });

  it('answers from a backend-fed view: waits for the first snapshot, SERVFAIL if it never comes', async () => {
    const subscribed: string[] = [];
    const view = createDnsView({
      subscribe(service, _kinds, onEvent: (e: DiscoveryEvent) => void) {
        subscribed.push(service);
        if (service !== 'stuck') {
          // the snapshot arrives later, as from a real store
          setTimeout(() => {
            if (service === 'web') onEvent({ service, kind: 'up', instance: inst('127.0.0.21:8080', 1) });
            onEvent({ service, kind: 'current' });
          }, 50);
        }
        return { close() {} };
      },
    });
    const backed = new DnsServer({ view, udpAddr: '127.0.0.1:0', viewTimeoutMs: 300 });
    await backed.start();
    try {
      const p = backed.udpAddress!.port;
      const web = decodeMessage(await udpExchange(p, queryBytes('web.discoverd', RRType.A)));
      expect(web.answers).toMatchObject([{ kind: 'A', address: Uint8Array.from([127, 0, 0, 21]) }]);
      expect(rcodeOf(decodeMessage(await udpExchange(p, queryBytes('nope.discoverd', RRType.A))).flags)).toBe(Rcode.NXDOMAIN);
      expect(rcodeOf(decodeMessage(await udpExchange(p, queryBytes('stuck.discoverd', RRType.A))).flags)).toBe(Rcode.SERVFAIL);
      expect(subscribed).toEqual(['web', 'nope', 'stuck']);
    } finally {
      await backed.close();
      view.close();
    }
  });

  it('skips an upstream whose reply does not match and one that does not answer, then uses the next', async () => {
    const liar = await startUpstream({ 'example.test.': '10.6.6.6' }, { wrongId: true });
    const good = await startUpstream({ 'example.test.': '10.0.0.2' });
    const silent = createSocket('udp4'); // bound, never answers
    await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', resolve));
    const chain = new DnsServer({
      view,
      udpAddr: '127.0.0.1:0',
      recursors: [`127.0.0.1:${liar.port}`, `127.0.0.1:${silent.address().port}`, `127.0.0.1:${good.port}`],
      recursionTimeoutMs: 200,
    });
    await chain.start();
    try {
      const m = decodeMessage(await udpExchangeWithin(chain.udpAddress!.port, queryBytes('example.test', RRType.A, 31), 3000));
      expect(m.id).toBe(31);
      expect(m.answers).toMatchObject([{ kind: 'A', address: Uint8Array.from([10, 0, 0, 2]) }]);
    } finally {
      await chain.close();
      await Promise.all([liar.close(), good.close()]);
      silent.close();
    }
  });

  describe.skipIf(noDig)('without a working recursor', () => {
    it('answers SERVFAIL (not authoritative) once the upstream is stopped', async () => {
      await upstream.close();
      const out = await dig(port, 'example.test', 'A');
      expect(status(out)).toBe('SERVFAIL');
      expect(flags(out)).not.toContain('aa');
      expect(lines(await dig(port, 'svc.discoverd', 'A', '+short'))).toHaveLength(3);
    });

    it('answers SERVFAIL at once when no recursor is configured', async () => {
      const lone = new DnsServer({ view, udpAddr: '127.0.0.1:0' });
      await lone.start();
      try {
        const out = await dig(lone.udpAddress!.port, 'example.com', 'A');
        expect(status(out)).toBe('SERVFAIL');
        expect(flags(out)).not.toContain('aa');
        expect(flags(out)).not.toContain('ra');
      } finally {
        await lone.close();
      }
    });
  });
});
