/**
 * The overlay acceptance test: three "hosts" (network namespaces on a shared
 * underlay bridge), each running discoverd (one raft cluster) and the
 * flannel daemon; jobs on hosts A and C talk over the overlay; C's lease
 * expires; A restarts. Root only; everything is created inside namespaces
 * made here and removed in afterAll, also on failure.
 */
import { missingRequirements, waitFor } from '@flynn-ts/core/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ECHO, OverlayCluster } from './overlay-cluster.js';
import type { HostNetwork, OverlayEntries } from './overlay-cluster.js';
import { ipJson, run, Topology } from './netns-harness.js';

const missing = missingRequirements({ root: true, commands: ['ip', 'bridge', 'sysctl'] });
const TTL_MS = 8_000;

describe.skipIf(missing)('overlay: three hosts in network namespaces', () => {
  const topo = new Topology();
  const cluster = new OverlayCluster(topo, { hosts: 3, leaseTtl: `${TTL_MS}ms`, resync: '2s' });
  const nets: HostNetwork[] = [];
  const macs: string[] = [];

  beforeAll(async () => {
    await topo.init();
    try {
      await cluster.createNetwork();
      await cluster.startDiscoverd();
      for (const i of [1, 2, 3]) cluster.startFlannel(i);
      for (const i of [1, 2, 3]) nets.push(await cluster.network(i));
      for (const i of [1, 2, 3]) macs.push((await ipJson<{ address: string }>(cluster.host(i).ns, 'link', 'show', 'flannel.1'))[0]!.address);
    } catch (err) {
      console.error(topo.tails(30));
      throw err;
    }
  }, 180_000);

  afterEach((ctx) => {
    if (ctx.task.result?.state === 'fail') console.error(topo.tails(30));
  });

  afterAll(async () => {
    await topo.cleanup();
    const left = await run('ip', ['netns', 'list']);
    expect(left).not.toContain(topo.prefix);
  }, 60_000);

  /** What host `i` should have for host `j`. */
  const expectedFor = (j: number): OverlayEntries => {
    const net = nets[j - 1]!;
    const vtep = net.subnet.split('/')[0]!;
    return { routes: [`${net.subnet} via ${vtep} onlink`], neighbours: [`${vtep} ${macs[j - 1]} PERMANENT`], fdb: [`${macs[j - 1]} ${cluster.host(j).ip}`] };
  };
  const merged = (...hosts: number[]): OverlayEntries => {
    const parts = hosts.map(expectedFor);
    return { routes: parts.flatMap((p) => p.routes).sort(), neighbours: parts.flatMap((p) => p.neighbours).sort(), fdb: parts.flatMap((p) => p.fdb).sort() };
  };
  const waitEntries = (i: number, want: OverlayEntries, timeoutMs = 30_000) =>
    waitFor(async () => JSON.stringify(await cluster.entries(i)) === JSON.stringify(want), { timeoutMs, intervalMs: 250, what: `h${i} overlay entries ${JSON.stringify(want)}` }).catch(async (err: unknown) => {
      throw new Error(`${String(err)}; have ${JSON.stringify(await cluster.entries(i))}`);
    });

  it('gives each host a distinct /24 of 100.100.0.0/16 and a VXLAN device with learning off and MTU underlay − 50', async () => {
    expect(new Set(nets.map((n) => n.subnet)).size).toBe(3);
    for (const n of nets) {
      expect(n.subnet).toMatch(/^100\.100\.\d{1,3}\.0\/24$/);
      expect(n.mtu).toBe(1450);
    }
    for (const i of [1, 2, 3]) {
      const [dev] = await ipJson<{ mtu: number; linkinfo: { info_kind: string; info_data: Record<string, unknown> } }>(cluster.host(i).ns, '-d', 'link', 'show', 'flannel.1');
      expect(dev!.mtu).toBe(1450);
      expect(dev!.linkinfo.info_kind).toBe('vxlan');
      expect(dev!.linkinfo.info_data).toMatchObject({ id: 1, port: 8472, local: cluster.host(i).ip, learning: false });
      const addrs = await ipJson<{ addr_info: Array<{ family: string; local: string; prefixlen: number }> }>(cluster.host(i).ns, 'addr', 'show', 'dev', 'flannel.1');
      expect(addrs[0]!.addr_info.filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`)).toEqual([nets[i - 1]!.subnet.replace('/24', '/32')]);
    }
  });

  it('programs one route, one permanent neighbour and one FDB entry per remote host', async () => {
    await waitEntries(1, merged(2, 3));
    await waitEntries(2, merged(1, 3));
    await waitEntries(3, merged(1, 2));
  });

  it('carries TCP (MTU-sized segments and bulk) and an MTU-sized UDP datagram between jobs on A and C', async () => {
    const jobA = await cluster.addJob(1);
    const jobC = await cluster.addJob(3);
    const server = topo.spawnNode(jobC.ns, 'echo-j3', [ECHO, 'serve', jobC.ip, '7000']);
    await waitFor(
      () => {
        if (!server.alive) throw new Error('echo server exited');
        return server.lines.includes('ready');
      },
      { timeoutMs: 10_000, what: 'echo server' },
    );
    const out = await run('ip', ['netns', 'exec', jobA.ns, process.execPath, ECHO, 'check', jobC.ip, '7000', String(nets[0]!.mtu)], { timeoutMs: 60_000 });
    const result = JSON.parse(out) as { ok: boolean; tcp: Array<{ size: number; same: boolean }>; udp: { ipPacket: number; same: boolean } };
    expect(result.tcp.map((t) => [t.size, t.same])).toEqual([1, 1410, 1450, 65536, 4194304].map((s) => [s, true]));
    expect(result.udp).toMatchObject({ ipPacket: 1450, same: true });
    expect(result.ok).toBe(true);
    await server.stop('SIGKILL');
  });

  it('removes a host’s route, neighbour and FDB entry from the others once its lease expires', async () => {
    await cluster.stopFlannel(3);
    // The entries stay while the lease lives (restarts do not flap), then go.
    expect(await cluster.entries(1)).toEqual(merged(2, 3));
    await waitEntries(1, merged(2), 3 * TTL_MS);
    await waitEntries(2, merged(1), 3 * TTL_MS);
  });

  it('keeps a restarted host’s /24 (matched by public IP, without its subnet file) and does not disturb the others', async () => {
    const before = nets[0]!.subnet;
    await cluster.stopFlannel(1);
    await cluster.removeSubnetFile(1);
    cluster.startFlannel(1);
    const after = await cluster.network(1);
    expect(after.subnet).toBe(before);
    await waitEntries(1, merged(2));
    expect(await cluster.entries(2)).toEqual(merged(1));
    const log = cluster.host(1).flannel!.lines.join('\n');
    expect(log).toContain('lease acquired');
    expect(log).not.toContain('overlay reconciled');
  });
});
