/**
 * The black-box checks run against both a single daemon and a three-node
 * cluster: services over HTTP, registration with the SDK seen on a raw SSE
 * stream and an SDK watch (`up`, `update`, `down` by expiry), the meta CAS
 * race, and DNS through `dig` and Node's resolver.
 */
import { Resolver } from 'node:dns/promises';
import { waitFor } from '@flynn-ts/core/testing';
import { DiscoveryClient, instanceId } from '@flynn-ts/discovery';
import type { DiscoveryEvent, Heartbeater } from '@flynn-ts/discovery';
import { afterAll, expect, it } from 'vitest';
import { collect, dig, HOST, http, rawSse } from './daemon-harness.js';
import type { RawSse } from './daemon-harness.js';

export interface FunctionalTarget {
  /** API URLs; writes go to the first, the raw stream and DNS use the last. */
  urls: string[];
  dnsPorts: number[];
}

export function describeFunctional(target: () => FunctionalTarget): void {
  const svc = 'web';
  const addrA = '10.1.0.1:5000';
  const addrB = '10.1.0.2:5001';
  let client: DiscoveryClient;
  let sse: RawSse;
  let watch: ReturnType<typeof collect<DiscoveryEvent>>;
  let watchClose: () => void;
  let hb: Heartbeater;
  const first = () => target().urls[0]!;
  const last = () => target().urls.at(-1)!;
  const dnsPort = () => target().dnsPorts.at(-1)!;

  afterAll(async () => {
    sse?.close();
    watchClose?.();
    await client?.close();
  });

  it('creates a service over HTTP; creating it again is 409 object_exists', async () => {
    client = new DiscoveryClient({ servers: target().urls });
    expect((await http('PUT', `${first()}/services/${svc}`, { leader_type: 'oldest' })).status).toBe(200);
    const again = await http('PUT', `${first()}/services/${svc}`, { leader_type: 'oldest' });
    expect(again.status).toBe(409);
    expect(again.json).toMatchObject({ code: 'object_exists', retry: false });
  });

  it('an SDK registration shows up on a raw SSE stream and an SDK watch; re-registering with new meta gives update', async () => {
    sse = rawSse(`${last()}/services/${svc}`);
    const w = client.watch(svc);
    watchClose = () => w.close();
    watch = collect(w);
    await waitFor(() => sse.events.some((e) => e.kind === 'current') && watch.items.some((e) => e.kind === 'current'), { what: 'streams live' });
    hb = await client.register(svc, addrA, { color: 'red' }, { heartbeatMs: 500 });
    expect(hb.id).toBe(instanceId('tcp', addrA));
    await waitFor(() => sse.events.some((e) => e.kind === 'up' && e.instance?.id === hb.id), { what: 'raw up' });
    await waitFor(() => watch.items.some((e) => e.kind === 'up' && e.instance?.id === hb.id), { what: 'sdk up' });
    await hb.setMeta({ color: 'blue' });
    await waitFor(() => sse.events.some((e) => e.kind === 'update' && e.instance?.meta?.color === 'blue'), { what: 'raw update' });
    await waitFor(() => watch.items.some((e) => e.kind === 'update' && e.instance?.meta?.color === 'blue'), { what: 'sdk update' });
  });

  it('an instance that stops heartbeating goes down within TTL; the heartbeating one stays up', async () => {
    const idB = instanceId('tcp', addrB);
    // Registered once and never again: no heartbeats.
    expect((await http('PUT', `${first()}/services/${svc}/instances/${idB}`, { id: idB, addr: addrB, proto: 'tcp' })).status).toBe(200);
    await waitFor(() => watch.items.some((e) => e.kind === 'up' && e.instance?.id === idB), { what: 'B up' });
    // TTL 2 s, plus up to 2×TTL of grace after a leader election, plus the 1 s check interval.
    await waitFor(() => watch.items.some((e) => e.kind === 'down' && e.instance?.id === idB), { timeoutMs: 20_000, intervalMs: 100, what: 'B down' });
    await waitFor(() => sse.events.some((e) => e.kind === 'down' && e.instance?.id === idB), { what: 'raw B down' });
    expect(watch.items.some((e) => e.kind === 'down' && e.instance?.id === hb.id)).toBe(false);
    expect((await client.instances(svc, { consistent: true })).map((i) => i.id)).toEqual([hb.id]);
  });

  it('CAS race: 20 concurrent writers with index 0 → one 200, the rest 409; with the same index n → one 200, the rest 412', async () => {
    const urls = target().urls;
    const race = (index: number) =>
      Promise.all(
        Array.from({ length: 20 }, (_, k) => http('PUT', `${urls[k % urls.length]}/services/${svc}/meta`, { data: { writer: k, round: index }, index })),
      );
    const created = await race(0);
    expect(created.filter((r) => r.status === 200)).toHaveLength(1);
    expect(created.filter((r) => r.status === 409)).toHaveLength(19);
    expect(created.find((r) => r.status === 409)!.json).toMatchObject({ code: 'object_exists' });
    const stored = (await client.getMeta(svc))!;
    const winner0 = created.find((r) => r.status === 200)!.json as { data: unknown; index: number };
    expect(stored).toEqual({ data: winner0.data, index: winner0.index });

    const updated = await race(stored.index);
    expect(updated.filter((r) => r.status === 200)).toHaveLength(1);
    expect(updated.filter((r) => r.status === 412)).toHaveLength(19);
    expect(updated.find((r) => r.status === 412)!.json).toMatchObject({ code: 'precondition_failed' });
    const winner = updated.find((r) => r.status === 200)!.json as { data: unknown; index: number };
    expect(await client.getMeta(svc)).toEqual({ data: winner.data, index: winner.index });
    expect(winner.index).toBeGreaterThan(stored.index);
  });

  it('DNS with dig: A, SRV over TCP, leader, NXDOMAIN for an unknown service', async () => {
    const id = hb.id;
    await waitFor(async () => (await dig(dnsPort(), `${svc}.discoverd`, 'A', '+short')).trim() === '10.1.0.1', { what: 'dig A' });
    const srv = await dig(dnsPort(), `${svc}.discoverd`, 'SRV', '+short', '+tcp');
    expect(srv.trim()).toBe(`1 1 5000 ${id}.${svc}._i.discoverd.`);
    expect((await dig(dnsPort(), `leader.${svc}.discoverd`, 'A', '+short')).trim()).toBe('10.1.0.1');
    expect((await dig(dnsPort(), `leader.${svc}.discoverd`, 'SRV', '+short')).trim()).toBe(`1 1 5000 leader.${svc}.discoverd.`);
    expect((await dig(dnsPort(), `${id}.${svc}._i.discoverd`, 'A', '+short')).trim()).toBe('10.1.0.1');
    expect((await dig(dnsPort(), `_${svc}._tcp.discoverd`, 'SRV', '+short')).trim()).toBe(`1 1 5000 ${id}.${svc}._i.discoverd.`);
    const unknown = await dig(dnsPort(), 'nope.discoverd', 'A');
    expect(unknown).toMatch(/status: NXDOMAIN/);
    expect(unknown).toMatch(/flags: qr aa/);
  });

  it("DNS with Node's resolver: resolve4, resolveSrv, ENOTFOUND", async () => {
    const resolver = new Resolver({ timeout: 2_000, tries: 2 });
    resolver.setServers([`${HOST}:${dnsPort()}`]);
    expect(await resolver.resolve4(`${svc}.discoverd`)).toEqual(['10.1.0.1']);
    expect(await resolver.resolveSrv(`${svc}.discoverd`)).toEqual([{ name: `${hb.id}.${svc}._i.discoverd`, port: 5000, priority: 1, weight: 1 }]);
    expect(await resolver.resolve4(`leader.${svc}.discoverd`)).toEqual(['10.1.0.1']);
    await expect(resolver.resolve4('nope.discoverd')).rejects.toMatchObject({ code: 'ENOTFOUND' });
  });
}
