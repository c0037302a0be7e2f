/**
 * The network and the teardown shared by netns-cluster.ts and netns-bare.ts:
 *
 *   switch netns:  br0 ── c1 ─┬─ c2 ─┬─ c3            cluster network 198.18.0.0/24
 *                  br1 ── m1 ─┬─ m2 ─┬─ m3 ─┬─ mr     management network 198.19.y.0/24
 *   host netns hN: eth0 = 198.18.0.N, mgmt0 = 198.19.y.N
 *   root netns:    the veth `nc<pid><tag>r` = 198.19.y.254 (the test's way in)
 *
 * Names carry the pid (`nc<pid><tag>…`), so sweepStale() (netns-procs.ts)
 * finds what a crashed run left.
 */
import { rm } from 'node:fs/promises';
import { waitFor } from '@flynn-ts/core/testing';
import type { HostClient } from '@flynn-ts/host';
import { deleteNetns, ipIn, mountsUnder, run } from './netns-procs.js';
import type { Proc } from './netns-procs.js';

/** One host's namespace and addresses. */
export interface NetnsNetworkHost {
  index: number;
  ns: string;
  /** Cluster address (eth0). */
  ip: string;
  /** Management address (mgmt0), reachable from the test process. */
  mgmtIp: string;
}

export class NetnsNetwork {
  /** `nc<pid><tag>`: namespaces, host ids, the root veth, the temp dir and the cgroup parent are named after it. */
  readonly prefix: string;
  /** The management network's first three octets (`198.19.y`). */
  readonly mgmt: string;
  /** The test's address on the management network (the root veth). */
  readonly rootIp: string;
  readonly cgroupParent: string;
  private readonly namespaces: string[] = [];
  private rootLink = '';

  /** `tag`: one lowercase letter; management network 198.19.y.0/24 with y = 2 × (pid % 125) + slot. */
  constructor(tag: string, slot: 0 | 1) {
    this.prefix = `nc${process.pid}${tag}`;
    this.mgmt = `198.19.${(process.pid % 125) * 2 + slot}`;
    this.rootIp = `${this.mgmt}.254`;
    this.cgroupParent = `flynn-${this.prefix}`;
  }

  /**
   * The switch namespace with its two bridges, one namespace per host and the
   * test's veth. `defaultRoute`: each host gets a default route over eth0
   * (for daemons that look for "the default-route interface").
   */
  async create(hosts: number, options: { defaultRoute?: boolean } = {}): Promise<NetnsNetworkHost[]> {
    const sw = await this.netns('sw');
    for (const br of ['br0', 'br1']) {
      await ipIn(sw, 'link', 'add', br, 'type', 'bridge');
      await ipIn(sw, 'link', 'set', br, 'up');
    }
    const made: NetnsNetworkHost[] = [];
    for (let i = 1; i <= hosts; i++) {
      const ns = await this.netns(`h${i}`);
      const ip = `198.18.0.${i}`;
      const mgmtIp = `${this.mgmt}.${i}`;
      for (const [end, dev, br, addr] of [[`c${i}`, 'eth0', 'br0', ip], [`m${i}`, 'mgmt0', 'br1', mgmtIp]] as const) {
        await ipIn(sw, 'link', 'add', end, 'type', 'veth', 'peer', 'name', dev, 'netns', ns);
        await ipIn(sw, 'link', 'set', end, 'master', br, 'up');
        await ipIn(ns, 'addr', 'add', `${addr}/24`, 'dev', dev);
        await ipIn(ns, 'link', 'set', dev, 'up');
      }
      if (options.defaultRoute) await ipIn(ns, 'route', 'add', 'default', 'via', '198.18.0.254', 'dev', 'eth0');
      made.push({ index: i, ns, ip, mgmtIp });
    }
    this.rootLink = `${this.prefix}r`.slice(0, 15);
    await run('ip', ['link', 'add', this.rootLink, 'type', 'veth', 'peer', 'name', 'mr', 'netns', sw]);
    await ipIn(sw, 'link', 'set', 'mr', 'master', 'br1', 'up');
    await run('ip', ['addr', 'add', `${this.rootIp}/24`, 'dev', this.rootLink]);
    await run('ip', ['link', 'set', this.rootLink, 'up']);
    return made;
  }

  /** Deletes the namespaces (killing what is left in them) and the root veth. Never throws. */
  async remove(): Promise<void> {
    for (const ns of [...this.namespaces].reverse()) await deleteNetns(ns);
    this.namespaces.length = 0;
    if (this.rootLink) await run('ip', ['link', 'del', this.rootLink]).catch(() => {});
    this.rootLink = '';
  }

  private async netns(name: string): Promise<string> {
    const ns = `${this.prefix}-${name}`;
    await run('ip', ['netns', 'add', ns]);
    this.namespaces.push(ns);
    await ipIn(ns, 'link', 'set', 'lo', 'up');
    return ns;
  }
}

/** Starts a cluster with `init`; on failure closes it and rethrows with the processes' last lines. */
export async function startOrClose<C extends { close(): Promise<void>; tails(): string }>(c: C, init: () => Promise<void>): Promise<C> {
  try {
    await init();
  } catch (err) {
    const tails = c.tails();
    await c.close();
    throw new Error(`${(err as Error).message}\n${tails}`, { cause: err });
  }
  return c;
}

/** Resolves once flynn-host on this host answers its status API; rejects if its process exits. */
export async function waitHostUp(h: { index: number; client: HostClient }, proc: () => Proc | undefined): Promise<void> {
  await waitFor(
    async () => {
      if (!proc()?.alive) throw new Error(`flynn-host on h${h.index} exited`);
      return h.client.status().then(() => true, () => false);
    },
    { timeoutMs: 90_000, intervalMs: 300, what: `flynn-host on h${h.index}` },
  );
}

/** Unmounts what is mounted under `dir` (deepest first) and removes it. Never throws. */
export async function removeMountedDir(dir: string): Promise<void> {
  if (!dir) return;
  for (const m of await mountsUnder(dir)) await run('umount', ['-l', m]).catch(() => {});
  await rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 }).catch(() => {});
}

/** The last `n` lines of every process, for a failure message. */
export function procTails(procs: readonly Proc[], n: number): string {
  return procs.map((p) => `--- ${p.name} (pid ${p.pid}${p.alive ? '' : ', exited'})\n${p.lines.slice(-n).join('\n')}`).join('\n');
}
