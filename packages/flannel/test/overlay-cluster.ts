/**
 * The overlay's system-test topology, shared by the system test and the
 * benchmark:
 *
 *   underlay netns:  br0 ── u1 ─┬─ u2 ─┬─ u3          (a bridge, one veth per host)
 *   host netns hN:   eth0 = 192.168.250.N/24, discoverd on :1111 (one raft
 *                    cluster of all hosts), the flannel daemon, and for jobs
 *                    flynnbr0 = first IP of the host's subnet
 *   job netns jN:    eth0 = second IP of the host's subnet, default via flynnbr0
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { waitFor } from '@flynn-ts/core/testing';
import { fdbJson, ipIn, ipJson, run, TSX } from './netns-harness.js';
import type { Proc, Topology } from './netns-harness.js';

export const DISCOVERD_MAIN = 'daemons/discoverd/src/main.ts';
export const FLANNEL_MAIN = 'daemons/flannel/src/main.ts';
export const ECHO = 'packages/flannel/test/fixtures/overlay-echo.mjs';

export interface Host {
  index: number;
  ns: string;
  ip: string;
  dir: string;
  subnetFile: string;
  discoverd?: Proc;
  flannel?: Proc;
  job?: Job;
}

export interface Job {
  ns: string;
  ip: string;
}

export interface HostNetwork {
  /** e.g. `100.100.23.0/24`. */
  subnet: string;
  /** e.g. `100.100.23.1/24`. */
  gateway: string;
  mtu: number;
}

export interface OverlayEntries {
  routes: string[];
  neighbours: string[];
  fdb: string[];
}

export interface ClusterOptions {
  hosts: number;
  /** flannel `--lease-ttl`. */
  leaseTtl: string;
  /** flannel `--resync`. */
  resync?: string;
}

export class OverlayCluster {
  underlay = '';
  readonly hosts: Host[] = [];

  constructor(
    readonly topo: Topology,
    readonly options: ClusterOptions,
  ) {}

  host(i: number): Host {
    const h = this.hosts[i - 1];
    if (!h) throw new Error(`no host ${i}`);
    return h;
  }

  /** The underlay bridge and the host namespaces on it. */
  async createNetwork(): Promise<void> {
    this.underlay = await this.topo.netns('u');
    await ipIn(this.underlay, 'link', 'add', 'br0', 'type', 'bridge');
    await ipIn(this.underlay, 'link', 'set', 'br0', 'up');
    for (let i = 1; i <= this.options.hosts; i++) {
      const ns = await this.topo.netns(`h${i}`);
      const ip = `192.168.250.${i}`;
      await ipIn(this.underlay, 'link', 'add', `u${i}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
      await ipIn(this.underlay, 'link', 'set', `u${i}`, 'master', 'br0', 'up');
      await ipIn(ns, 'addr', 'add', `${ip}/24`, 'dev', 'eth0');
      await ipIn(ns, 'link', 'set', 'eth0', 'up');
      const dir = join(this.topo.tmp, `h${i}`);
      await mkdir(dir, { recursive: true });
      this.hosts.push({ index: i, ns, ip, dir, subnetFile: join(dir, 'subnet.env') });
    }
  }

  /** One discoverd per host, all in one raft cluster; resolves when a leader is known. */
  async startDiscoverd(): Promise<void> {
    const peers = this.hosts.map((h) => `${h.ip}:1111`).join(',');
    for (const h of this.hosts) {
      h.discoverd = this.topo.spawnNode(h.ns, `discoverd-h${h.index}`, [
        ...TSX, DISCOVERD_MAIN, `-data-dir=${join(h.dir, 'discoverd')}`, `-host=${h.ip}`, `-addr=${h.ip}:1111`, `-peers=${peers}`,
      ]);
    }
    const h1 = this.host(1);
    await waitFor(
      async () => {
        for (const h of this.hosts) if (!h.discoverd!.alive) throw new Error(`discoverd on h${h.index} exited`);
        const out = await nsFetch(h1.ns, `http://${h1.ip}:1111/raft/leader`);
        return out.status === 200;
      },
      { timeoutMs: 60_000, intervalMs: 500, what: 'a discoverd raft leader' },
    );
  }

  /** Starts (or restarts) the flannel daemon of host i. */
  startFlannel(i: number, extra: string[] = []): Proc {
    const h = this.host(i);
    h.flannel = this.topo.spawnNode(h.ns, `flannel-h${i}`, [
      ...TSX, FLANNEL_MAIN, '--discoverd', `http://${h.ip}:1111`, '--iface', 'eth0', '--subnet-file', h.subnetFile,
      '--lease-ttl', this.options.leaseTtl, '--resync', this.options.resync ?? '2s', ...extra,
    ]);
    return h.flannel;
  }

  async stopFlannel(i: number): Promise<void> {
    await this.host(i).flannel?.stop('SIGTERM');
  }

  async removeSubnetFile(i: number): Promise<void> {
    await rm(this.host(i).subnetFile, { force: true });
  }

  /** Waits for host i's subnet file and parses it. */
  async network(i: number, timeoutMs = 60_000): Promise<HostNetwork> {
    const h = this.host(i);
    const text = await waitFor(
      async () => {
        if (h.flannel && !h.flannel.alive) throw new Error(`flannel on h${i} exited`);
        return existsSync(h.subnetFile) ? readFile(h.subnetFile, 'utf8') : undefined;
      },
      { timeoutMs, intervalMs: 200, what: `subnet file of h${i}` },
    );
    const gateway = /FLANNEL_SUBNET=(\S+)/.exec(text)?.[1];
    const mtu = Number(/FLANNEL_MTU=(\d+)/.exec(text)?.[1]);
    if (!gateway || !mtu) throw new Error(`bad subnet file: ${text}`);
    return { gateway, mtu, subnet: gateway.replace(/\.1\//, '.0/') };
  }

  /** Builds host i's bridge (like flynn-host would) and a job namespace behind it. */
  async addJob(i: number): Promise<Job> {
    const h = this.host(i);
    const net = await this.network(i);
    const base = net.subnet.replace(/\.0\/\d+$/, '');
    const prefix = net.subnet.split('/')[1]!;
    await ipIn(h.ns, 'link', 'add', 'flynnbr0', 'type', 'bridge');
    await ipIn(h.ns, 'addr', 'add', net.gateway, 'dev', 'flynnbr0');
    await run('ip', ['netns', 'exec', h.ns, 'sysctl', '-qw', 'net.ipv4.ip_forward=1']);
    const ns = await this.topo.netns(`j${i}`);
    const mtu = String(net.mtu);
    await ipIn(h.ns, 'link', 'add', `vj${i}`, 'mtu', mtu, 'type', 'veth', 'peer', 'name', 'eth0', 'mtu', mtu, 'netns', ns);
    await ipIn(h.ns, 'link', 'set', `vj${i}`, 'master', 'flynnbr0', 'up');
    await ipIn(h.ns, 'link', 'set', 'flynnbr0', 'mtu', mtu, 'up');
    const ip = `${base}.2`;
    await ipIn(ns, 'addr', 'add', `${ip}/${prefix}`, 'dev', 'eth0');
    await ipIn(ns, 'link', 'set', 'eth0', 'up');
    await ipIn(ns, 'route', 'add', 'default', 'via', `${base}.1`);
    h.job = { ns, ip };
    return h.job;
  }

  /** Routes, neighbours and FDB entries on host i's `flannel.1`, as text. */
  async entries(i: number): Promise<OverlayEntries> {
    const ns = this.host(i).ns;
    const routes = await ipJson<{ dst: string; gateway?: string; flags?: string[] }>(ns, 'route', 'show', 'dev', 'flannel.1');
    const neigh = await ipJson<{ dst: string; lladdr?: string; state?: string[] }>(ns, 'neigh', 'show', 'dev', 'flannel.1');
    const fdb = await fdbJson(ns, 'flannel.1');
    return {
      routes: routes.map((r) => `${r.dst} via ${r.gateway ?? '-'}${r.flags?.includes('onlink') ? ' onlink' : ''}`).sort(),
      neighbours: neigh.map((n) => `${n.dst} ${n.lladdr ?? '-'} ${(n.state ?? []).join(',')}`).sort(),
      fdb: fdb.map((f) => `${f.mac} ${f.dst ?? '-'}`).sort(),
    };
  }
}

/** A GET from inside a namespace (the test runs in the root namespace, which cannot reach the underlay). */
export async function nsFetch(ns: string, url: string): Promise<{ status: number; body: string }> {
  const script = `fetch(${JSON.stringify(url)},{signal:AbortSignal.timeout(2000)}).then(async r=>process.stdout.write(JSON.stringify({status:r.status,body:await r.text()})),e=>process.stdout.write(JSON.stringify({status:0,body:String(e)})))`;
  const out = await run('ip', ['netns', 'exec', ns, process.execPath, '-e', script], { timeoutMs: 10_000 });
  return JSON.parse(out) as { status: number; body: string };
}
