/**
 * Conformance suite for `ServiceDiscovery` implementations (STYLE.md §5):
 * `MemoryDiscovery` runs it as a unit test and the HTTP `DiscoveryClient` runs
 * it against a real server, so the fake other packages test with cannot drift
 * from the client they ship with.
 *
 * The tests need no time to pass (no TTL expiry, no heartbeat timing): a
 * broken implementation shows up as a failed assertion or a vitest timeout.
 */
import { FlynnError } from '@flynn-ts/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DiscoveryEvent, EventKind } from '../core/types.js';
import { INSTANCE_KINDS } from '../core/types.js';
import { isMetaConflict } from '../client/errors.js';
import { instanceId } from '../core/instance-id.js';
import type { ServiceDiscovery } from '../client/service-discovery.js';

export interface DiscoveryClientHarness {
  /** A fresh client; the suite closes it (closing twice must be fine). */
  client: ServiceDiscovery;
  /** Another client on the same registry (the suite closes it). */
  newClient(): ServiceDiscovery;
  /** Releases whatever the factory started. */
  dispose(): Promise<void>;
}

export type DiscoveryClientFactory = () => Promise<DiscoveryClientHarness> | DiscoveryClientHarness;

export interface DescribeDiscoveryClientOptions {
  /** Known gaps: tests (by name) skipped, with the reason. */
  skip?: ReadonlyArray<{ reason: string; tests: readonly string[] }>;
  /** Per-test timeout for vitest. */
  timeoutMs?: number;
}

export const DISCOVERY_CLIENT_TESTS = {
  addService: 'addService creates once; 409 is FLYNN_DISCOVERY_EXISTS unless ifNotExists',
  invalidName: 'rejects an invalid service name with FLYNN_DISCOVERY_INVALID',
  register: 'register lists the instance with its md5 id, proto and meta; oldest is leader',
  deregister: 'closing the heartbeater deregisters and moves the leader to the next oldest',
  lookupsEmpty: 'lookups of unknown services answer [] / undefined; removeService of one is not found',
  metaCas: 'meta CAS: create-only 409, stale 412, index advances',
  updateMeta: 'updateMeta serialises concurrent read-modify-writes',
  manualLeader: 'manual services: leader only via setLeader; setLeader on oldest is invalid',
  bareAddr: 'register rejects a bare :port without externalIp and expands it with one',
  watchReplay: 'watch replays up (oldest first), leader, service_meta, current',
  watchLive: 'watch streams live up, update, service_meta, down and leader in order',
  watchKinds: 'watch kinds filter events',
  followLeader: 'followLeader yields the current leader (or undefined), then each change',
  closed: 'close() ends watches and makes later calls fail with FLYNN_DISCOVERY_CLOSED',
} as const;

let serial = 0;
const uniqueService = (tag: string) => `conf-${tag}-${process.pid}-${++serial}`;

/** The `code` of a rejection. */
async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (FlynnError.is(err)) return err.code;
    throw err;
  }
  throw new Error('expected a rejection');
}

async function take(it: AsyncIterator<DiscoveryEvent>, n: number): Promise<DiscoveryEvent[]> {
  const out: DiscoveryEvent[] = [];
  while (out.length < n) {
    const r = await it.next();
    if (r.done) throw new Error(`watch ended after ${out.length} of ${n} events`);
    out.push(r.value);
  }
  return out;
}

/** `kind:addr` per event (`leader:-` for no leader, `service_meta:<json>`), for compact assertions. */
function brief(events: readonly DiscoveryEvent[]): string[] {
  return events.map((e) => {
    if (e.kind === 'service_meta') return `service_meta:${JSON.stringify(e.service_meta?.data)}`;
    if (e.kind === 'current') return 'current';
    return `${e.kind}:${e.instance?.addr ?? '-'}`;
  });
}

export function describeDiscoveryClient(name: string, factory: DiscoveryClientFactory, options: DescribeDiscoveryClientOptions = {}): void {
  const skipped = new Map<string, string>();
  for (const s of options.skip ?? []) for (const t of s.tests) skipped.set(t, s.reason);
  const test = (title: string, fn: () => Promise<void>) => {
    if (skipped.has(title)) it.skip(`${title} (skipped: ${skipped.get(title)})`, fn);
    else it(title, fn, options.timeoutMs);
  };

  describe(`ServiceDiscovery conformance: ${name}`, () => {
    let h: DiscoveryClientHarness;
    let d: ServiceDiscovery;
    beforeEach(async () => {
      h = await factory();
      d = h.client;
    });
    afterEach(async () => {
      await d.close();
      await h.dispose();
    });

    test(DISCOVERY_CLIENT_TESTS.addService, async () => {
      const s = uniqueService('add');
      expect(await d.addService(s)).toBe(true);
      expect(await codeOf(d.addService(s))).toBe('FLYNN_DISCOVERY_EXISTS');
      expect(await d.addService(s, { ifNotExists: true })).toBe(false);
    });

    test(DISCOVERY_CLIENT_TESTS.invalidName, async () => {
      expect(await codeOf(d.addService('Bad_Name'))).toBe('FLYNN_DISCOVERY_INVALID');
    });

    test(DISCOVERY_CLIENT_TESTS.register, async () => {
      const s = uniqueService('reg');
      const hb = await d.register(s, '127.0.0.1:5000', { color: 'red' });
      expect(hb.id).toBe(instanceId('tcp', '127.0.0.1:5000'));
      const list = await d.instances(s);
      expect(list).toHaveLength(1);
      expect(list[0]).toMatchObject({ id: hb.id, addr: '127.0.0.1:5000', proto: 'tcp', meta: { color: 'red' } });
      expect(list[0]!.index).toBeGreaterThan(0);
      expect((await d.leader(s))?.id).toBe(hb.id);
      await hb.setMeta({ color: 'blue' });
      expect((await d.instances(s))[0]?.meta).toEqual({ color: 'blue' });
      expect((await d.instances(s))[0]?.index).toBe(list[0]!.index);
    });

    test(DISCOVERY_CLIENT_TESTS.deregister, async () => {
      const s = uniqueService('dereg');
      const a = await d.register(s, '127.0.0.1:5001');
      const b = await d.register(s, '127.0.0.1:5002', undefined, { proto: 'http' });
      expect((await d.instances(s)).map((i) => i.addr)).toEqual(['127.0.0.1:5001', '127.0.0.1:5002']);
      expect((await d.leader(s))?.id).toBe(a.id);
      await a.close();
      await a.close();
      expect((await d.instances(s)).map((i) => i.id)).toEqual([b.id]);
      expect((await d.leader(s))?.id).toBe(b.id);
    });

    test(DISCOVERY_CLIENT_TESTS.lookupsEmpty, async () => {
      const s = uniqueService('none');
      expect(await d.instances(s)).toEqual([]);
      expect(await d.leader(s)).toBeUndefined();
      expect(await d.getMeta(s)).toBeUndefined();
      expect(await codeOf(d.removeService(s))).toBe('FLYNN_DISCOVERY_NOT_FOUND');
      expect(await codeOf(d.setMeta(s, { data: 1, index: 0 }))).toBe('FLYNN_DISCOVERY_NOT_FOUND');
    });

    test(DISCOVERY_CLIENT_TESTS.metaCas, async () => {
      const s = uniqueService('meta');
      await d.addService(s);
      const first = await d.setMeta(s, { data: { hello: 'world' }, index: 0 });
      expect(first.data).toEqual({ hello: 'world' });
      expect(await d.getMeta(s)).toEqual(first);
      const exists = d.setMeta(s, { data: 'x', index: 0 });
      await expect(exists).rejects.toSatisfy(isMetaConflict);
      expect(await codeOf(exists)).toBe('FLYNN_DISCOVERY_META_EXISTS');
      expect(await codeOf(d.setMeta(s, { data: 'x', index: first.index + 1000 }))).toBe('FLYNN_DISCOVERY_META_STALE');
      const second = await d.setMeta(s, { data: { hello: 'again' }, index: first.index });
      expect(second.index).toBeGreaterThan(first.index);
      expect(await d.getMeta(s, { consistent: false })).toEqual(second);
      expect(await codeOf(d.setMeta(s, { data: 'x', index: first.index }))).toBe('FLYNN_DISCOVERY_META_STALE');
    });

    test(DISCOVERY_CLIENT_TESTS.updateMeta, async () => {
      const s = uniqueService('upd');
      await d.addService(s);
      const bump = () => d.updateMeta(s, (m) => ({ n: ((m?.data as { n?: number } | undefined)?.n ?? 0) + 1 }), { retries: 50 });
      await Promise.all([bump(), bump(), bump(), bump(), bump()]);
      expect((await d.getMeta(s))?.data).toEqual({ n: 5 });
      const same = await d.updateMeta(s, () => undefined);
      expect(same?.data).toEqual({ n: 5 });
    });

    test(DISCOVERY_CLIENT_TESTS.manualLeader, async () => {
      const s = uniqueService('manual');
      await d.addService(s, { leaderType: 'manual' });
      await d.register(s, '127.0.0.1:5010');
      const b = await d.register(s, '127.0.0.1:5011');
      expect(await d.leader(s)).toBeUndefined();
      await d.setLeader(s, b.id);
      expect((await d.leader(s))?.id).toBe(b.id);
      const o = uniqueService('oldest');
      await d.addService(o);
      expect(await codeOf(d.setLeader(o, b.id))).toBe('FLYNN_DISCOVERY_INVALID');
    });

    test(DISCOVERY_CLIENT_TESTS.bareAddr, async () => {
      const s = uniqueService('bare');
      expect(await codeOf(d.register(s, ':8080'))).toBe('FLYNN_DISCOVERY_INVALID');
      const hb = await d.register(s, ':8080', undefined, { externalIp: '10.1.2.3' });
      expect(hb.addr).toBe('10.1.2.3:8080');
      expect((await d.instances(s))[0]?.addr).toBe('10.1.2.3:8080');
    });

    test(DISCOVERY_CLIENT_TESTS.watchReplay, async () => {
      const s = uniqueService('replay');
      await d.register(s, '127.0.0.1:6001');
      await d.register(s, '127.0.0.1:6002');
      await d.setMeta(s, { data: 'm1', index: 0 });
      const w = d.watch(s);
      const it = w[Symbol.asyncIterator]();
      expect(brief(await take(it, 5))).toEqual(['up:127.0.0.1:6001', 'up:127.0.0.1:6002', 'leader:127.0.0.1:6001', 'service_meta:"m1"', 'current']);
      w.close();
      expect((await it.next()).done).toBe(true);
    });

    test(DISCOVERY_CLIENT_TESTS.watchLive, async () => {
      const s = uniqueService('live');
      await d.addService(s);
      const w = d.watch(s);
      const it = w[Symbol.asyncIterator]();
      expect(brief(await take(it, 1))).toEqual(['current']);
      const a = await d.register(s, '127.0.0.1:7001');
      expect(brief(await take(it, 2))).toEqual(['up:127.0.0.1:7001', 'leader:127.0.0.1:7001']);
      const b = await d.register(s, '127.0.0.1:7002');
      await b.setMeta({ v: '2' });
      await d.setMeta(s, { data: 'm', index: 0 });
      await a.close();
      const events = await take(it, 5);
      expect(brief(events)).toEqual(['up:127.0.0.1:7002', 'update:127.0.0.1:7002', 'service_meta:"m"', 'down:127.0.0.1:7001', 'leader:127.0.0.1:7002']);
      expect(events[1]?.instance?.meta).toEqual({ v: '2' });
      await b.close();
      expect(brief(await take(it, 2))).toEqual(['down:127.0.0.1:7002', 'leader:-']);
      w.close();
    });

    test(DISCOVERY_CLIENT_TESTS.watchKinds, async () => {
      const s = uniqueService('kinds');
      await d.addService(s);
      const w = d.watch(s, { kinds: new Set<EventKind>([...INSTANCE_KINDS, 'current']) });
      const it = w[Symbol.asyncIterator]();
      expect(brief(await take(it, 1))).toEqual(['current']);
      await d.setMeta(s, { data: 1, index: 0 });
      const a = await d.register(s, '127.0.0.1:7101');
      await a.close();
      expect(brief(await take(it, 2))).toEqual(['up:127.0.0.1:7101', 'down:127.0.0.1:7101']);
      w.close();
      const only = d.watch(s, { kinds: INSTANCE_KINDS });
      const it2 = only[Symbol.asyncIterator]();
      const b = await d.register(s, '127.0.0.1:7102');
      expect(brief(await take(it2, 1))).toEqual(['up:127.0.0.1:7102']);
      await b.close();
      expect(brief(await take(it2, 1))).toEqual(['down:127.0.0.1:7102']);
      only.close();
    });

    test(DISCOVERY_CLIENT_TESTS.followLeader, async () => {
      const s = uniqueService('follow');
      await d.addService(s);
      const f = d.followLeader(s);
      const it = f[Symbol.asyncIterator]();
      expect((await it.next()).value).toBeUndefined();
      const a = await d.register(s, '127.0.0.1:7201');
      expect(((await it.next()).value as { id?: string } | undefined)?.id).toBe(a.id);
      const b = await d.register(s, '127.0.0.1:7202');
      await a.close();
      expect(((await it.next()).value as { id?: string } | undefined)?.id).toBe(b.id);
      expect(f.current?.id).toBe(b.id);
      f.close();
      expect((await it.next()).done).toBe(true);
    });

    test(DISCOVERY_CLIENT_TESTS.closed, async () => {
      const s = uniqueService('closed');
      await d.addService(s);
      const w = d.watch(s);
      const it = w[Symbol.asyncIterator]();
      await take(it, 1);
      await d.register(s, '127.0.0.1:7301');
      await d.close();
      expect((await it.next()).done).toBe(true);
      // Closing deregistered the instance.
      const other = h.newClient();
      try {
        expect(await other.instances(s)).toEqual([]);
      } finally {
        await other.close();
      }
      expect(await codeOf(d.instances(s))).toBe('FLYNN_DISCOVERY_CLOSED');
      expect(await codeOf(d.register(s, '127.0.0.1:7302'))).toBe('FLYNN_DISCOVERY_CLOSED');
    });
  });
}
