/**
 * Bare hosts for the shipped-manifest test (cluster-manifest.priv.test.ts):
 * the network of netns-cluster.ts (a switch namespace with the cluster
 * bridge 198.18.0.0/24 and the management bridge 198.19.y.0/24, one
 * namespace per host, the test's management veth in the root namespace) but
 * each host runs ONLY `flynn-host daemon --driver oci` — no discoverd, no
 * flannel, no router, no controller: those come from the manifest, as jobs,
 * as in the original. Host 1 also serves the release images
 * (busybox httpd over the images directory, port {@link BARE_IMAGE_PORT}).
 *
 * Everything is a child process (nsenter --net, tracked by PID); `close()`
 * stops the hosts (--stop-jobs-on-exit), kills what is left by PID, removes
 * the jobs' containers and namespaces, the namespaces, the root veth, the
 * jobs' cgroups, mounts under the temp dir and the temp dir. Names carry
 * the pid, like netns-cluster's, so sweepStale() finds a crashed run's.
 */
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@flynn-ts/core/testing';
import { HostClient } from '@flynn-ts/host';
import { deleteNetns, ipIn, mountsUnder, removeCgroups, removeContainers, run, spawnIn, sweepStale, TSX } from './netns-procs.js';
import type { Proc } from './netns-procs.js';

/** The image server on h1. */
export const BARE_IMAGE_PORT = 8099;

export interface BareHost {
  index: number;
  id: string;
  ns: string;
  /** Cluster address (eth0). */
  ip: string;
  /** Management address (mgmt0), reachable from the test process. */
  mgmtIp: string;
  dir: string;
  client: HostClient;
  proc?: Proc;
}

export interface BareClusterOptions {
  hosts: number;
  /** One lowercase letter, distinguishing clusters of one test process. */
  tag: string;
  /** Management network 198.19.y.0/24, y = 2 × (pid % 125) + slot. */
  slot: 0 | 1;
  /** A directory to serve from h1 (the release images), or none. */
  serveDir?: string;
}

export class BareNetnsCluster {
  readonly hosts: BareHost[] = [];
  readonly prefix: string;
  readonly cgroupParent: string;
  readonly rootIp: string;
  dir = '';
  private readonly mgmt: string;
  private readonly namespaces: string[] = [];
  readonly procs: Proc[] = [];
  private rootLink = '';

  constructor(readonly options: BareClusterOptions) {
    this.prefix = `nc${process.pid}${options.tag}`;
    this.mgmt = `198.19.${(process.pid % 125) * 2 + options.slot}`;
    this.rootIp = `${this.mgmt}.254`;
    this.cgroupParent = `flynn-${this.prefix}`;
  }

  /** Creates the network and starts flynn-host on every host; on failure cleans up and rethrows. */
  static async start(options: BareClusterOptions): Promise<BareNetnsCluster> {
    const c = new BareNetnsCluster(options);
    try {
      await sweepStale();
      c.dir = await mkdtemp(join(tmpdir(), `flynn-netns-cluster-${c.prefix}-`));
      await chmod(c.dir, 0o755);
      await c.createNetwork();
      if (options.serveDir) c.spawn(c.host(1), 'image-httpd', ['/usr/bin/busybox', 'httpd', '-f', '-p', String(BARE_IMAGE_PORT), '-h', options.serveDir]);
      for (const h of c.hosts) c.startHost(h);
      for (const h of c.hosts) await c.waitHost(h);
    } catch (err) {
      const tails = c.tails();
      await c.close();
      throw new Error(`${(err as Error).message}\n${tails}`, { cause: err });
    }
    return c;
  }

  host(i: number): BareHost {
    const h = this.hosts[i - 1];
    if (!h) throw new Error(`no host ${i}`);
    return h;
  }

  /** The base URL of the image server, as the hosts reach it (h1's cluster address). */
  get imageBaseUrl(): string {
    return `http://${this.host(1).ip}:${BARE_IMAGE_PORT}`;
  }

  /** Starts `argv` in host i's namespace (cwd: the checkout), tracked and killed in close(). */
  spawn(h: BareHost, name: string, argv: string[], env: Record<string, string> = {}): Proc {
    const p = spawnIn(h.ns, `${name}-h${h.index}`, argv, env);
    this.procs.push(p);
    return p;
  }

  private async createNetwork(): Promise<void> {
    const sw = await this.netns('sw');
    for (const br of ['br0', 'br1']) {
      await ipIn(sw, 'link', 'add', br, 'type', 'bridge');
      await ipIn(sw, 'link', 'set', br, 'up');
    }
    for (let i = 1; i <= this.options.hosts; i++) {
      const ns = await this.netns(`h${i}`);
      const ip = `198.18.0.${i}`;
      const mgmtIp = `${this.mgmt}.${i}`;
      for (const [end, dev, br, addr] of [[`c${i}`, 'eth0', 'br0', ip], [`m${i}`, 'mgmt0', 'br1', mgmtIp]] as const) {
        await ipIn(sw, 'link', 'add', end, 'type', 'veth', 'peer', 'name', dev, 'netns', ns);
        await ipIn(sw, 'link', 'set', end, 'master', br, 'up');
        await ipIn(ns, 'addr', 'add', `${addr}/24`, 'dev', dev);
        await ipIn(ns, 'link', 'set', dev, 'up');
      }
      // A default route over the cluster network: daemons that look for "the default-route interface" find eth0.
      await ipIn(ns, 'route', 'add', 'default', 'via', '198.18.0.254', 'dev', 'eth0');
      const dir = join(this.dir, `h${i}`);
      await mkdir(dir, { recursive: true });
      const url = `http://${mgmtIp}:1113`;
      this.hosts.push({ index: i, id: `${this.prefix}h${i}`, ns, ip, mgmtIp, dir, client: new HostClient({ url, retries: 0, timeoutMs: 10_000 }) });
    }
    this.rootLink = `${this.prefix}r`.slice(0, 15);
    await run('ip', ['link', 'add', this.rootLink, 'type', 'veth', 'peer', 'name', 'mr', 'netns', sw]);
    await ipIn(sw, 'link', 'set', 'mr', 'master', 'br1', 'up');
    await run('ip', ['addr', 'add', `${this.rootIp}/24`, 'dev', this.rootLink]);
    await run('ip', ['link', 'set', this.rootLink, 'up']);
  }

  private async netns(name: string): Promise<string> {
    const ns = `${this.prefix}-${name}`;
    await run('ip', ['netns', 'add', ns]);
    this.namespaces.push(ns);
    await ipIn(ns, 'link', 'set', 'lo', 'up');
    return ns;
  }

  private startHost(h: BareHost): void {
    const d = (x: string) => join(h.dir, x);
    h.proc = this.spawn(h, 'flynn-host', [
      process.execPath, ...TSX, 'daemons/host/src/main.ts', 'daemon', '--driver', 'oci', '--id', h.id, '--http-port', '1113', '--external-ip', h.ip,
      '--state', d('state'), '--volpath', d('volumes'), '--image-dir', d('images'), '--log-dir', d('logs'),
      '--cgroup-parent', this.cgroupParent, '--stop-grace', '3s', '--stop-jobs-on-exit', '--memory', '8G', '--cpus', '8', '--max-job-concurrency', '8',
      '--log-level', process.env.NETNS_CLUSTER_LOG ?? 'warn',
    ], { FLYNN_HOST_CONFIG: '/nonexistent/host.json' });
  }

  private async waitHost(h: BareHost): Promise<void> {
    await waitFor(
      async () => {
        if (!h.proc?.alive) throw new Error(`flynn-host on h${h.index} exited`);
        return h.client.status().then(() => true, () => false);
      },
      { timeoutMs: 90_000, intervalMs: 300, what: `flynn-host on h${h.index}` },
    );
  }

  /** Stops everything this cluster started and removes what it made. Never throws. */
  async close(): Promise<void> {
    const hostIds = this.hosts.map((h) => h.id);
    const others = this.procs.filter((p) => !p.name.startsWith('flynn-host-'));
    await Promise.all(others.map((p) => p.stop('SIGTERM', 5_000).catch(() => {})));
    await Promise.all(this.hosts.map((h) => h.proc?.stop('SIGTERM', 20_000).catch(() => {})));
    await Promise.all(this.procs.map((p) => p.stop('SIGKILL', 0).catch(() => {})));
    for (const h of this.hosts) await h.client.close().catch(() => {});
    await removeContainers(hostIds);
    for (const ns of [...this.namespaces].reverse()) await deleteNetns(ns);
    this.namespaces.length = 0;
    if (this.rootLink) await run('ip', ['link', 'del', this.rootLink]).catch(() => {});
    await removeCgroups(this.cgroupParent);
    if (this.dir) {
      for (const m of await mountsUnder(this.dir)) await run('umount', ['-l', m]).catch(() => {});
      await rm(this.dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 }).catch(() => {});
    }
  }

  /** The last lines of every process, for a failure message. */
  tails(n = 15): string {
    return this.procs.map((p) => `--- ${p.name} (pid ${p.pid}${p.alive ? '' : ', exited'})\n${p.lines.slice(-n).join('\n')}`).join('\n');
  }
}
