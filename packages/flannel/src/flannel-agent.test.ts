import { subscribe } from '@flynn-ts/core';
import { ManualClock, seededRandom } from '@flynn-ts/core/testing';
import { MemoryDiscovery, MemoryDiscoveryStore } from '@flynn-ts/discovery/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { flannelChannels } from './channels.js';
import { parseDocument } from './core/lease.js';
import type { NetworkInfo } from './core/network-info.js';
import type { FlannelDiscovery } from './flannel-agent.js';
import { FlannelAgent } from './flannel-agent.js';
import { FakeKernel } from './testing/fake-kernel.js';

const TTL = 60_000;
const settle = async () => {
  for (let i = 0; i < 10; i++) await new Promise<void>((r) => setImmediate(r));
};

class World {
  readonly clock = new ManualClock(Date.parse('2026-11-26T00:00:00Z'));
  readonly store = new MemoryDiscoveryStore({ clock: this.clock, expiryIntervalMs: 0 });
  readonly kernels = new Map<number, FakeKernel>();
  readonly agents: FlannelAgent[] = [];
  readonly clients: MemoryDiscovery[] = [];
  readonly infos = new Map<number, NetworkInfo[]>();

  kernel(i: number): FakeKernel {
    let k = this.kernels.get(i);
    if (!k) {
      k = new FakeKernel({ interfaces: [{ name: 'eth0', index: 2, mtu: 1500, up: true, addresses: [`192.168.250.${i}/24`] }], macSeed: i });
      this.kernels.set(i, k);
    }
    return k;
  }

  agent(i: number, extra: Partial<ConstructorParameters<typeof FlannelAgent>[0]> = {}): FlannelAgent {
    const discovery = new MemoryDiscovery({ store: this.store, random: seededRandom(i) });
    this.clients.push(discovery);
    const agent = new FlannelAgent({
      discovery, kernel: this.kernel(i), clock: this.clock, random: seededRandom(1000 + i), leaseTtlMs: TTL, resyncIntervalMs: 0,
      onNetwork: (info) => void this.infos.set(i, [...(this.infos.get(i) ?? []), info]),
      ...extra,
    });
    this.agents.push(agent);
    return agent;
  }

  async advance(ms: number, step = 1_000): Promise<void> {
    for (let t = 0; t < ms; t += step) {
      await this.clock.advanceAsync(Math.min(step, ms - t));
      await settle();
    }
  }

  doc() {
    return parseDocument(this.store.getMeta('flannel')!.data);
  }

  async close(): Promise<void> {
    await Promise.all(this.agents.map((a) => a.stop()));
    await Promise.all(this.clients.map((c) => c.close()));
    this.store.close();
  }
}

const routesOf = (k: FakeKernel) => k.stateOf('flannel.1').routes.map((r) => r.dst).sort();

let world: World;
afterEach(async () => {
  await world.close();
});

describe('FlannelAgent', () => {
  it('gives three hosts distinct /24s, wires every host to the other two, and configures the device', async () => {
    world = new World();
    const infos = [];
    for (const i of [1, 2, 3]) infos.push(await world.agent(i).start());
    await settle();
    const subnets = infos.map((x) => x.subnet);
    expect(new Set(subnets).size).toBe(3);
    for (const s of subnets) expect(s).toMatch(/^100\.100\.\d+\.0\/24$/);
    expect(infos[0]).toMatchObject({ network: '100.100.0.0/16', mtu: 1450, publicIp: '192.168.250.1' });
    expect(infos[0]!.gateway).toBe(infos[0]!.subnet.replace('.0/24', '.1/24'));
    for (const [n, i] of [1, 2, 3].entries()) {
      const k = world.kernel(i);
      expect(routesOf(k)).toEqual(subnets.filter((_, j) => j !== n).sort());
      expect(k.stateOf('flannel.1').neighbours.every((x) => x.permanent)).toBe(true);
      expect(k.stateOf('flannel.1').fdb.map((f) => f.dst).sort()).toEqual(['192.168.250.1', '192.168.250.2', '192.168.250.3'].filter((_, j) => j !== n));
      expect(k.devices.get('flannel.1')).toMatchObject({ vni: 1, port: 8472, local: `192.168.250.${i}`, learning: false, mtu: 1450, up: true, addresses: [subnets[n]!.replace('/24', '/32')] });
    }
    expect(world.doc().config).toEqual({ network: '100.100.0.0/16', subnet_len: 24, backend: { type: 'vxlan', vni: 1, port: 8472 } });
    expect(world.doc().leases.map((l) => l.publicIp).sort()).toEqual(['192.168.250.1', '192.168.250.2', '192.168.250.3']);
  });

  it('renews at half the TTL; a stopped host expires and its entries go from the others; a restart keeps the /24 without churn', async () => {
    world = new World();
    const [a, b, c] = [world.agent(1), world.agent(2), world.agent(3)];
    const ia = await a.start();
    await b.start();
    const ic = await c.start();
    await settle();
    const firstExpiry = a.lease!.expiresAt;
    await world.advance(TTL / 2 + 1_000);
    expect(a.lease!.expiresAt).toBeGreaterThan(firstExpiry);

    await c.stop();
    const before = world.kernel(1).log.length;
    await world.advance(TTL);
    for (const i of [1, 2]) {
      const st = world.kernel(i).stateOf('flannel.1');
      expect(st.routes.map((r) => r.dst)).not.toContain(ic.subnet);
      expect(st.fdb.map((f) => f.dst)).not.toContain('192.168.250.3');
      expect(st.neighbours.map((n) => n.ip)).not.toContain(ic.subnet.replace('/24', ''));
      expect(st.routes).toHaveLength(1);
    }
    expect(world.kernel(1).log.slice(before).map((x) => ('op' in x ? x.op.kind : x.deviceOp.kind))).toEqual(['route-del', 'neigh-del', 'fdb-del']);
    expect(world.doc().leases.map((l) => l.publicIp).sort()).toEqual(['192.168.250.1', '192.168.250.2']);

    await a.stop();
    const logBefore = world.kernel(1).log.length;
    const a2 = world.agent(1);
    expect((await a2.start()).subnet).toBe(ia.subnet);
    expect(world.kernel(1).log.length).toBe(logBefore);
  });

  it('stores the config create-only: a later agent with other flags uses the stored one', async () => {
    world = new World();
    await world.agent(1, { config: { network: '10.20.0.0/16', vni: 7 } }).start();
    const info = await world.agent(2, { config: { network: '100.100.0.0/16' } }).start();
    expect(info.network).toBe('10.20.0.0/16');
    expect(world.kernel(2).devices.has('flannel.7')).toBe(true);
  });

  it('asks for the subnet of the last run first (subnet file), and recreates a foreign device', async () => {
    world = new World();
    const k = world.kernel(1);
    await k.applyDevice({ kind: 'device-create', spec: { name: 'flannel.1', vni: 9, port: 4789, local: '192.168.250.1', mtu: 1500 } });
    const info = await world.agent(1, { preferredSubnet: '100.100.77.0/24' }).start();
    expect(info.subnet).toBe('100.100.77.0/24');
    expect(k.devices.get('flannel.1')).toMatchObject({ vni: 1, port: 8472, mtu: 1450 });
  });

  it('retries failed kernel ops and converges', async () => {
    world = new World();
    await world.agent(1).start();
    const k = world.kernel(2);
    const reports: unknown[] = [];
    const off = subscribe(flannelChannels.reconcile, (m) => reports.push(m));
    k.failNext(2, undefined, (call) => 'op' in call);
    await world.agent(2).start();
    expect(k.stateOf('flannel.1').fdb).toEqual([]);
    expect(k.stateOf('flannel.1').neighbours).toEqual([]);
    // The failed ops are retried after a backoff.
    await world.advance(5_000, 100);
    off();
    expect(routesOf(k)).toEqual([world.doc().leases.find((l) => l.publicIp === '192.168.250.1')!.subnet]);
    expect(k.stateOf('flannel.1').fdb.map((f) => f.dst)).toEqual(['192.168.250.1']);
    expect(k.stateOf('flannel.1').neighbours).toHaveLength(1);
    expect(reports.some((r) => (r as { failed: number }).failed > 0)).toBe(true);
  });

  it('moves to a new subnet when its lease was lost while it could not renew', async () => {
    world = new World();
    let down = false;
    const real = new MemoryDiscovery({ store: world.store, random: seededRandom(5) });
    world.clients.push(real);
    const flaky: FlannelDiscovery = {
      addService: (s, o) => real.addService(s, o),
      getMeta: (s, o) => real.getMeta(s, o),
      setMeta: (s, w) => real.setMeta(s, w),
      updateMeta: (s, fn, o) => (down ? Promise.reject(new Error('discovery unreachable')) : real.updateMeta(s, fn, o)),
      watch: (s, o) => real.watch(s, o),
    };
    const a = world.agent(1, { discovery: flaky });
    const first = await a.start();
    down = true;
    await world.advance(TTL + 1_000, 5_000);
    // Another host takes the expired subnet.
    const d = await world.agent(4, { preferredSubnet: first.subnet }).start();
    expect(d.subnet).toBe(first.subnet);
    down = false;
    await world.advance(15_000, 1_000);
    expect(a.lease!.subnet).not.toBe(first.subnet);
    expect(world.infos.get(1)!.map((x) => x.subnet)).toEqual([first.subnet, a.lease!.subnet]);
    expect(world.kernel(1).devices.get('flannel.1')!.addresses).toEqual([a.lease!.subnet.replace('/24', '/32')]);
    expect(routesOf(world.kernel(1))).toEqual([first.subnet]);
  });

  it('keeps the entries of leases that expire while discovery is unreachable, and drops them once it is back', async () => {
    world = new World();
    let down = false;
    const real = new MemoryDiscovery({ store: world.store, random: seededRandom(6) });
    world.clients.push(real);
    const unreachable = () => Promise.reject(new Error('discovery unreachable'));
    const flaky: FlannelDiscovery = {
      addService: (s, o) => real.addService(s, o),
      getMeta: (s, o) => (down ? unreachable() : real.getMeta(s, o)),
      setMeta: (s, w) => real.setMeta(s, w),
      updateMeta: (s, fn, o) => (down ? unreachable() : real.updateMeta(s, fn, o)),
      watch: (s, o) => real.watch(s, o),
    };
    await world.agent(1, { discovery: flaky }).start();
    const c = await world.agent(3).start();
    await settle();
    expect(routesOf(world.kernel(1))).toEqual([c.subnet]);
    down = true;
    await world.agents[1]!.stop();
    await world.advance(TTL + 5_000, 1_000);
    expect(routesOf(world.kernel(1))).toEqual([c.subnet]);
    down = false;
    await world.advance(15_000, 1_000);
    expect(routesOf(world.kernel(1))).toEqual([]);
  });

  it('gives the subnet back on stop({ release: true })', async () => {
    world = new World();
    const a = world.agent(1);
    await a.start();
    await a.stop({ release: true });
    expect(world.doc().leases).toEqual([]);
  });
});
