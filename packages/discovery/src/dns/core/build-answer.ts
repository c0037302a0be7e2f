/**
 * discoverd's DNS answers (reference §1.7, wire-observed §5), as the original
 * `dnsAPI.ServiceLookup` gives them. Pure: the view is a synchronous
 * snapshot and the shuffle draws from the injected `Random`.
 *
 * - `<svc>` / `_<svc>._<proto>`: A (IPv4 instances) / AAAA (IPv6) with one
 *   record per distinct address, SRV (`1 1 <port> <id>.<svc>._i.discoverd.`)
 *   per instance, ANY = addresses then SRVs; shuffled, at most
 *   `maxUdpRecords` instances over UDP, all over TCP; over TCP an SRV answer
 *   carries each target's address in the additional section.
 * - `leader.<svc>` and `<id>.<svc>._i`: that one instance; its SRV target is
 *   the query name itself.
 * - SOA of an existing name: the zone's SOA in the answer section.
 * - No instance of the family asked (or another type): NOERROR, no answer.
 * - Unknown service, a service with no instances (as the original), no
 *   leader, unknown instance id, any other name in the zone: NXDOMAIN.
 * - An answer section left empty carries the SOA in the authority section.
 *
 * Every answer is authoritative with TTL 0. Fixed on purpose: the apex
 * `discoverd.` answers its SOA (NOERROR) where the original said NXDOMAIN, and a
 * class other than IN or ANY is REFUSED instead of answered with IN records.
 */
import type { Random } from '@flynn-ts/core';
import { classifyName } from './classify-name.js';
import { RRClass, RRType, Rcode } from './constants.js';
import { DnsName } from './dns-name.js';
import { DNS_ZONE, type DnsInstance, type DnsView } from './dns-view.js';
import type { DnsQuestion, DnsRecord, SoaRecord } from './records.js';

export interface AnswerOptions {
  random: Random;
  /** SOA serial; the original uses the current unix time in seconds. */
  serial: number;
  /** True when the query came over UDP (caps the records, no additional section). */
  udp: boolean;
  /** Most instances in a UDP answer; default 3. */
  maxUdpRecords?: number;
}

/** An authoritative answer. The arrays may be shared constants: do not modify them. */
export interface DnsAnswer {
  rcode: number;
  answers: readonly DnsRecord[];
  authority: readonly DnsRecord[];
  additional: readonly DnsRecord[];
}

export const ZONE_NAME = DnsName.parse(DNS_ZONE);
const NS_NAME = DnsName.parse(`ns.${DNS_ZONE}`);
const MBOX_NAME = DnsName.parse(`postmaster.${DNS_ZONE}`);
const NONE: readonly DnsRecord[] = Object.freeze([]);
const REFUSED: DnsAnswer = Object.freeze({ rcode: Rcode.REFUSED, answers: NONE, authority: NONE, additional: NONE });

/** The zone's SOA: `discoverd. ns.discoverd. postmaster.discoverd. <serial> 3600 600 86400 0`. */
export function soaRecord(serial: number): SoaRecord {
  return { kind: 'SOA', name: ZONE_NAME, ttl: 0, mname: NS_NAME, rname: MBOX_NAME, serial, refresh: 3600, retry: 600, expire: 86400, minimum: 0 };
}

/** The answer for a question, or undefined when the name is outside `discoverd.` (forward it). */
export function buildAnswer(q: DnsQuestion, view: DnsView, o: AnswerOptions): DnsAnswer | undefined {
  const t = classifyName(q.name.text);
  if (t.kind === 'outside') return undefined;
  if (q.class !== RRClass.IN && q.class !== RRClass.ANY) return REFUSED;
  switch (t.kind) {
    case 'apex':
      return q.type === RRType.SOA ? soaAnswer(o) : empty(Rcode.NOERROR, o);
    case 'unknown':
      return empty(Rcode.NXDOMAIN, o);
    case 'leader':
      return single(q, view.leader(t.service), o);
    case 'instance':
      return single(q, findInstance(view.instances(t.service), t.id), o);
    case 'service':
      return serviceAnswer(q, view.instances(t.service), t.proto, o);
  }
}

function empty(rcode: number, o: AnswerOptions): DnsAnswer {
  return { rcode, answers: NONE, authority: [soaRecord(o.serial)], additional: NONE };
}

function soaAnswer(o: AnswerOptions): DnsAnswer {
  return { rcode: Rcode.NOERROR, answers: [soaRecord(o.serial)], authority: NONE, additional: NONE };
}

function findInstance(list: readonly DnsInstance[] | undefined, id: string): DnsInstance | undefined {
  if (list === undefined) return undefined;
  for (const inst of list) if (inst.instance.id === id) return inst;
  return undefined;
}

function addressRecord(name: DnsName, inst: DnsInstance): DnsRecord {
  return inst.family === 4 ? { kind: 'A', name, ttl: 0, address: inst.address } : { kind: 'AAAA', name, ttl: 0, address: inst.address };
}

function srvRecord(name: DnsName, port: number, target: DnsName): DnsRecord {
  return { kind: 'SRV', name, ttl: 0, priority: 1, weight: 1, port, target };
}

/** `leader.<svc>` or `<id>.<svc>._i`: one instance, the query name as SRV target. */
function single(q: DnsQuestion, inst: DnsInstance | undefined, o: AnswerOptions): DnsAnswer {
  if (inst === undefined) return empty(Rcode.NXDOMAIN, o);
  const type = q.type;
  if (type === RRType.SOA) return soaAnswer(o);
  const fits =
    type === RRType.A ? inst.family === 4 : type === RRType.AAAA ? inst.family === 6 : type === RRType.SRV || type === RRType.ANY;
  if (!fits) return empty(Rcode.NOERROR, o);
  const answers: DnsRecord[] = [];
  if (type !== RRType.SRV && inst.family !== 0) answers.push(addressRecord(q.name, inst));
  if (type === RRType.SRV || type === RRType.ANY) answers.push(srvRecord(q.name, inst.port, q.name));
  const additional = !o.udp && type === RRType.SRV && inst.family !== 0 ? [addressRecord(q.name, inst)] : NONE;
  return { rcode: Rcode.NOERROR, answers, authority: NONE, additional };
}

function serviceAnswer(q: DnsQuestion, list: readonly DnsInstance[] | undefined, proto: string | undefined, o: AnswerOptions): DnsAnswer {
  if (list === undefined || list.length === 0) return empty(Rcode.NXDOMAIN, o);
  const type = q.type;
  if (type === RRType.SOA) return soaAnswer(o);
  const wantAddr = type === RRType.A || type === RRType.AAAA || type === RRType.ANY;
  const wantSrv = type === RRType.SRV || type === RRType.ANY;
  if (!wantAddr && !wantSrv) return empty(Rcode.NOERROR, o);
  const picked = pick(list, proto, type);
  const n = picked.length;
  if (n === 0) return empty(Rcode.NOERROR, o);
  const cap = o.udp ? Math.min(n, o.maxUdpRecords ?? 3) : n;
  shufflePrefix(picked, cap, o.random);
  const answers: DnsRecord[] = [];
  if (wantAddr) for (let i = 0; i < cap; i++) if (picked[i]!.family !== 0) answers.push(addressRecord(q.name, picked[i]!));
  if (wantSrv) {
    for (let i = 0; i < cap; i++) {
      const inst = picked[i]!;
      if (inst.target !== undefined) answers.push(srvRecord(q.name, inst.port, inst.target));
    }
  }
  let additional = NONE;
  if (type === RRType.SRV && !o.udp) {
    const extra: DnsRecord[] = [];
    for (let i = 0; i < cap; i++) {
      const inst = picked[i]!;
      if (inst.target !== undefined && inst.family !== 0) extra.push(addressRecord(inst.target, inst));
    }
    additional = extra;
  }
  if (answers.length === 0) return empty(Rcode.NOERROR, o);
  return { rcode: Rcode.NOERROR, answers, authority: NONE, additional };
}

/** The instances to answer with: proto filter, family filter, one per address except for SRV. */
function pick(list: readonly DnsInstance[], proto: string | undefined, type: number): DnsInstance[] {
  const out: DnsInstance[] = [];
  const dedupe = type !== RRType.SRV;
  const seen = dedupe && list.length > 8 ? new Set<string>() : undefined;
  for (let i = 0; i < list.length; i++) {
    const inst = list[i]!;
    if (proto !== undefined && inst.instance.proto !== proto) continue;
    if (type === RRType.A ? inst.family !== 4 : type === RRType.AAAA && inst.family !== 6) continue;
    if (dedupe) {
      if (seen !== undefined) {
        if (seen.has(inst.key)) continue;
        seen.add(inst.key);
      } else if (hasKey(out, inst.key)) continue;
    }
    out.push(inst);
  }
  return out;
}

function hasKey(list: readonly DnsInstance[], key: string): boolean {
  for (let i = 0; i < list.length; i++) if (list[i]!.key === key) return true;
  return false;
}

/** Fisher–Yates over the first `k` slots: a uniformly random k-permutation in `a[0..k)`. */
function shufflePrefix<T>(a: T[], k: number, random: Random): void {
  const n = a.length;
  for (let i = 0; i < k && i < n - 1; i++) {
    const j = i + random.int(n - i);
    const tmp = a[i]!;
    a[i] = a[j]!;
    a[j] = tmp;
  }
}
