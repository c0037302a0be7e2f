import { createHash } from 'node:crypto';
import { seededRandom } from '@flynn-ts/core';
import { describe, expect, it } from 'vitest';
import type { Instance } from '../../core/types.js';
import { staticDnsView } from '../static-dns-view.js';
import { buildAnswer, type AnswerOptions, type DnsAnswer } from './build-answer.js';
import { RRClass, RRType, Rcode } from './constants.js';
import { DnsName } from './dns-name.js';
import { formatIp } from './ip.js';
import type { DnsRecord } from './records.js';

function inst(addr: string, index: number, proto = 'tcp'): Instance {
  return { id: createHash('md5').update(`${proto}-${addr}`).digest('hex'), addr, proto, index };
}

const foo = [inst('10.0.0.1:5000', 7), inst('10.0.0.2:5001', 8), inst('10.0.0.1:5002', 9), inst('10.0.0.3:80', 10, 'http'), inst('[fd00::1]:6000', 11), inst('10.0.0.4:5003', 12), inst('10.0.0.5:5004', 13)];
const v6only = [inst('[fd00::2]:7000', 3)];
const view = staticDnsView({
  foo,
  v6only,
  empty: [],
  named: [inst('db.internal:5432', 4)],
  manual: { instances: foo.slice(0, 2), leader: foo[1]!.id },
});

function ask(name: string, type: number, o: Partial<AnswerOptions> = {}, cls: number = RRClass.IN): DnsAnswer {
  const options: AnswerOptions = { random: seededRandom(1), serial: 1700000000, udp: true, ...o };
  const a = buildAnswer({ name: DnsName.parse(name), type, class: cls }, view, options);
  if (a === undefined) throw new Error(`${name} is outside the zone`);
  return a;
}

/** Records as dig-like text lines. */
function show(records: readonly DnsRecord[]): string[] {
  return records.map((r) => {
    switch (r.kind) {
      case 'A':
      case 'AAAA':
        return `${r.name.text} ${r.kind} ${formatIp(r.address)}`;
      case 'SRV':
        return `${r.name.text} SRV ${r.priority} ${r.weight} ${r.port} ${r.target.text}`;
      case 'SOA':
        return `${r.name.text} SOA ${r.mname.text} ${r.rname.text} ${r.serial} ${r.refresh} ${r.retry} ${r.expire} ${r.minimum}`;
      case 'raw':
        return `${r.name.text} TYPE${r.type}`;
    }
  });
}
const sorted = (records: readonly DnsRecord[]) => show(records).sort();
const SOA = 'discoverd. SOA ns.discoverd. postmaster.discoverd. 1700000000 3600 600 86400 0';
const target = (i: Instance, svc = 'foo') => `${i.id}.${svc}._i.discoverd.`;

describe('buildAnswer: <service>.discoverd', () => {
  it('A: one record per distinct IPv4 address, TTL 0, capped at 3 over UDP', () => {
    const udp = ask('foo.discoverd', RRType.A);
    expect(udp.rcode).toBe(Rcode.NOERROR);
    expect(udp.answers).toHaveLength(3);
    expect(udp.answers.every((r) => r.ttl === 0)).toBe(true);
    expect(new Set(show(udp.answers)).size).toBe(3);
    expect(udp.authority).toEqual([]);
    const tcp = ask('foo.discoverd', RRType.A, { udp: false });
    expect(sorted(tcp.answers)).toEqual(['1', '2', '3', '4', '5'].map((d) => `foo.discoverd. A 10.0.0.${d}`));
    expect(tcp.additional).toEqual([]);
  });

  it('shuffles with the injected Random: same seed, same order; every address shows up', () => {
    const order = (seed: number) => show(ask('foo.discoverd', RRType.A, { random: seededRandom(seed) }).answers);
    expect(order(42)).toEqual(order(42));
    const random = seededRandom(3);
    const seen = new Map<string, number>();
    for (let i = 0; i < 500; i++) for (const line of show(ask('foo.discoverd', RRType.A, { random }).answers)) seen.set(line, (seen.get(line) ?? 0) + 1);
    expect(seen.size).toBe(5);
    for (const count of seen.values()) expect(count).toBeGreaterThan(200); // 500 * 3/5 = 300 expected each
    const firsts = new Set(Array.from({ length: 50 }, (_, s) => show(ask('foo.discoverd', RRType.A, { random: seededRandom(s), udp: false }).answers)[0]));
    expect(firsts.size).toBe(5);
  });

  it('AAAA: IPv6 instances only; none of the family gives NOERROR, no answer, SOA in authority', () => {
    expect(show(ask('foo.discoverd', RRType.AAAA).answers)).toEqual(['foo.discoverd. AAAA fd00::1']);
    const none = ask('named.discoverd', RRType.AAAA);
    expect(none.rcode).toBe(Rcode.NOERROR);
    expect(none.answers).toEqual([]);
    expect(show(none.authority)).toEqual([SOA]);
    expect(show(ask('v6only.discoverd', RRType.A).authority)).toEqual([SOA]);
  });

  it('SRV: one per instance (no de-duplication by IP), target <id>.<svc>._i; additional addresses over TCP only', () => {
    const tcp = ask('foo.discoverd', RRType.SRV, { udp: false });
    expect(sorted(tcp.answers)).toEqual(foo.map((i) => `foo.discoverd. SRV 1 1 ${i.addr.split(':').pop()} ${target(i)}`).sort());
    expect(sorted(tcp.additional)).toEqual(
      foo.map((i) => `${target(i)} ${i.addr.startsWith('[') ? 'AAAA fd00::1' : `A ${i.addr.split(':')[0]}`}`).sort(),
    );
    const udp = ask('foo.discoverd', RRType.SRV);
    expect(udp.answers).toHaveLength(3);
    expect(udp.additional).toEqual([]);
  });

  it('ANY: address records then SRV records of the same instances', () => {
    const a = ask('foo.discoverd', RRType.ANY);
    expect(a.answers.map((r) => (r.kind === 'AAAA' ? 'A' : r.kind))).toEqual(['A', 'A', 'A', 'SRV', 'SRV', 'SRV']);
    const lines = show(a.answers);
    for (let i = 0; i < 3; i++) {
      const port = (a.answers[3 + i] as { port: number }).port;
      const owner = foo.find((x) => x.addr.endsWith(`:${port}`))!;
      expect(lines[i]).toContain(owner.addr.startsWith('[') ? 'fd00::1' : owner.addr.split(':')[0]);
    }
  });

  it('SOA of an existing service is answered; other types give NOERROR + SOA', () => {
    expect(show(ask('foo.discoverd', RRType.SOA).answers)).toEqual([SOA]);
    const txt = ask('foo.discoverd', RRType.TXT);
    expect([txt.rcode, txt.answers.length, show(txt.authority)]).toEqual([Rcode.NOERROR, 0, [SOA]]);
  });

  it('is case-insensitive', () => {
    expect(ask('FOO.Discoverd', RRType.A, { udp: false }).answers).toHaveLength(5);
  });

  it('answers a host-name address in SRV only', () => {
    expect(ask('named.discoverd', RRType.A).answers).toEqual([]);
    expect(show(ask('named.discoverd', RRType.SRV).answers)).toEqual([`named.discoverd. SRV 1 1 5432 ${target(inst('db.internal:5432', 4), 'named')}`]);
  });
});

describe('buildAnswer: _<service>._<proto>.discoverd', () => {
  it('filters by proto', () => {
    expect(show(ask('_foo._http.discoverd', RRType.SRV).answers)).toEqual([`_foo._http.discoverd. SRV 1 1 80 ${target(foo[3]!)}`]);
    expect(show(ask('_foo._http.discoverd', RRType.A).answers)).toEqual(['_foo._http.discoverd. A 10.0.0.3']);
    expect(ask('_foo._tcp.discoverd', RRType.SRV, { udp: false }).answers).toHaveLength(6);
  });

  it('a proto with no instance gives NOERROR, empty, SOA in authority', () => {
    const a = ask('_foo._udp.discoverd', RRType.SRV);
    expect([a.rcode, a.answers.length, show(a.authority)]).toEqual([Rcode.NOERROR, 0, [SOA]]);
  });
});

describe('buildAnswer: leader.<service>.discoverd and <id>.<service>._i.discoverd', () => {
  it('leader A and SRV (target = the leader name itself; additional address over TCP)', () => {
    expect(show(ask('leader.foo.discoverd', RRType.A).answers)).toEqual(['leader.foo.discoverd. A 10.0.0.1']);
    expect(show(ask('leader.manual.discoverd', RRType.A).answers)).toEqual(['leader.manual.discoverd. A 10.0.0.2']);
    const srv = ask('leader.foo.discoverd', RRType.SRV, { udp: false });
    expect(show(srv.answers)).toEqual(['leader.foo.discoverd. SRV 1 1 5000 leader.foo.discoverd.']);
    expect(show(srv.additional)).toEqual(['leader.foo.discoverd. A 10.0.0.1']);
    expect(ask('leader.foo.discoverd', RRType.SRV).additional).toEqual([]);
    expect(show(ask('leader.foo.discoverd', RRType.ANY).answers)).toEqual(['leader.foo.discoverd. A 10.0.0.1', 'leader.foo.discoverd. SRV 1 1 5000 leader.foo.discoverd.']);
  });

  it('leader of the wrong family or another type: NOERROR + SOA; SOA type: the SOA', () => {
    expect(show(ask('leader.foo.discoverd', RRType.AAAA).authority)).toEqual([SOA]);
    expect(ask('leader.foo.discoverd', RRType.MX).rcode).toBe(Rcode.NOERROR);
    expect(show(ask('leader.foo.discoverd', RRType.SOA).answers)).toEqual([SOA]);
  });

  it('no leader or unknown service: NXDOMAIN + SOA', () => {
    for (const name of ['leader.empty.discoverd', 'leader.nope.discoverd']) {
      const a = ask(name, RRType.A);
      expect([a.rcode, a.answers.length, show(a.authority)]).toEqual([Rcode.NXDOMAIN, 0, [SOA]]);
    }
  });

  it('<id>.<svc>._i: that instance; unknown id NXDOMAIN', () => {
    const i = foo[4]!;
    expect(show(ask(`${i.id}.foo._i.discoverd`, RRType.AAAA).answers)).toEqual([`${i.id}.foo._i.discoverd. AAAA fd00::1`]);
    expect(show(ask(`${i.id.toUpperCase()}.FOO._i.discoverd`, RRType.SRV).answers)).toEqual([`${i.id}.foo._i.discoverd. SRV 1 1 6000 ${i.id}.foo._i.discoverd.`]);
    expect(ask(`${'0'.repeat(32)}.foo._i.discoverd`, RRType.A).rcode).toBe(Rcode.NXDOMAIN);
    expect(ask(`${i.id}.nope._i.discoverd`, RRType.A).rcode).toBe(Rcode.NXDOMAIN);
  });
});

describe('buildAnswer: everything else', () => {
  it('NXDOMAIN + SOA for unknown services, a service with no instances and unknown shapes', () => {
    for (const name of ['nope.discoverd', 'empty.discoverd', 'a.b.c.discoverd', 'x.foo.discoverd', '_foo.discoverd']) {
      for (const type of [RRType.A, RRType.SRV, RRType.SOA]) {
        const a = ask(name, type);
        expect([name, a.rcode, a.answers.length, show(a.authority)]).toEqual([name, Rcode.NXDOMAIN, 0, [SOA]]);
      }
    }
  });

  it('the apex answers its SOA (a fixed quirk: the original said NXDOMAIN)', () => {
    expect(show(ask('discoverd', RRType.SOA).answers)).toEqual([SOA]);
    const a = ask('Discoverd.', RRType.A);
    expect([a.rcode, show(a.authority)]).toEqual([Rcode.NOERROR, [SOA]]);
  });

  it('names outside the zone are not ours', () => {
    for (const name of ['example.com', 'discoverd.example.com', 'foodiscoverd', '.']) {
      expect(buildAnswer({ name: DnsName.parse(name), type: RRType.A, class: RRClass.IN }, view, { random: seededRandom(1), serial: 1, udp: true })).toBeUndefined();
    }
  });

  it('refuses classes other than IN and ANY', () => {
    expect(ask('foo.discoverd', RRType.A, {}, 3).rcode).toBe(Rcode.REFUSED);
    expect(ask('foo.discoverd', RRType.A, {}, RRClass.ANY).answers).toHaveLength(3);
  });
});
