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
import { chmod, mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HostClient } from '@flynn-ts/host';
import { NetnsNetwork, procTails, removeMountedDir, startOrClose, waitHostUp } from './netns-network.js';
import { removeCgroups, removeContainers, spawnIn, sweepStale, TSX } from './netns-procs.js';
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
  /** The namespaces, bridges and veths (netns-network.ts); names, addresses and the cgroup parent come from it. */
  readonly net: NetnsNetwork;
  dir = '';
  readonly procs: Proc[] = [];

  constructor(readonly options: BareClusterOptions) {
    this.net = new NetnsNetwork(options.tag, options.slot);
  }

  /** Creates the network and starts flynn-host on every host; on failure cleans up and rethrows. */
  static async start(options: BareClusterOptions): Promise<BareNetnsCluster> {
    const c = new BareNetnsCluster(options);
    return startOrClose(c, async () => {
      await sweepStale();
      c.dir = await mkdtemp(join(tmpdir(), `flynn-netns-cluster-${c.net.prefix}-`));
      await chmod(c.dir, 0o755);
      await c.createNetwork();
      if (options.serveDir) c.spawn(c.host(1), 'image-httpd', ['/usr/bin/busybox', 'httpd', '-f', '-p', String(BARE_IMAGE_PORT), '-h', options.serveDir]);
      for (const h of c.hosts) c.startHost(h);
      for (const h of c.hosts) await waitHostUp(h, () => h.proc);
    });
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
    for (const n of await this.net.create(this.options.hosts, { defaultRoute: true })) {
      const dir = join(this.dir, `h${n.index}`);
      await mkdir(dir, { recursive: true });
      const url = `http://${n.mgmtIp}:1113`;
      this.hosts.push({ ...n, id: `${this.net.prefix}h${n.index}`, dir, client: new HostClient({ url, retries: 0, timeoutMs: 10_000 }) });
    }
  }

  private startHost(h: BareHost): void {
    const d = (x: string) => join(h.dir, x);
    h.proc = this.spawn(h, 'flynn-host', [
      process.execPath, ...TSX, 'daemons/host/src/main.ts', 'daemon', '--driver', 'oci', '--id', h.id, '--http-port', '1113', '--external-ip', h.ip,
      '--state', d('state'), '--volpath', d('volumes'), '--image-dir', d('images'), '--log-dir', d('logs'),
      '--cgroup-parent', this.net.cgroupParent, '--stop-grace', '3s', '--stop-jobs-on-exit', '--memory', '8G', '--cpus', '8', '--max-job-concurrency', '8',
      '--log-level', process.env.NETNS_CLUSTER_LOG ?? 'warn',
    ], { FLYNN_HOST_CONFIG: '/nonexistent/host.json' });
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
    await this.net.remove();
    await removeCgroups(this.net.cgroupParent);
    await removeMountedDir(this.dir);
  }

  /** The last lines of every process, for a failure message. */
  tails(n = 15): string {
    return procTails(this.procs, n);
  }
}
