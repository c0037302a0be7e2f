/**
 * A real multi-host flynn-ts cluster on one machine, for root system tests:
 *
 *   switch netns:  br0 ── c1 ─┬─ c2 ─┬─ c3            cluster network 198.18.0.0/24
 *                  br1 ── m1 ─┬─ m2 ─┬─ m3 ─┬─ mr     management network 198.19.y.0/24
 *   host netns hN: eth0 = 198.18.0.N, mgmt0 = 198.19.y.N; discoverd :1111 (one raft of
 *                  all hosts), flannel (VXLAN overlay over eth0, one /24 per host,
 *                  notifying flynn-host), flynn-host --driver oci :1113 (runc; its bridge
 *                  flynnbr0 gets the host's /24), flynn-router :8080 (routes from the
 *                  controller, backends from discoverd); on h1 also the controller :3000
 *                  and the scheduler :3001, and the test image's files (busybox httpd :8099)
 *   root netns:    the test and PostgreSQL; the veth `nc<pid><tag>r` = 198.19.y.254
 *
 * TEST-NET-1 exists only inside the namespaces (this machine's own network
 * may use it too, so it never appears in the root namespace). The one thing in
 * the root namespace is the management veth with its /24 (198.19.y, from
 * RFC 2544's benchmarking range that no real network uses; y = 2 × (pid % 125) + slot), on a bridge of its own so the
 * cluster network's ARP never reaches the machine: the test process must
 * reach the hosts' APIs (runBootstrap, ControllerClient, HostClient), and the
 * test PostgreSQL (startTestPostgres runs in this namespace) listens there too
 * so that the controller and scheduler on h1 reach it. Daemons listen on all
 * addresses of their namespace and advertise 198.18.0.N.
 *
 * Every daemon is a child process (`nsenter --net`, sources through tsx),
 * killed by PID in `close()`, which also removes the jobs' containers (runc
 * state, cgroups, job namespaces), mounts, namespaces and temp dirs.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { missingRequirements, waitFor } from '@flynn-ts/core/testing';
import { ControllerClient } from '@flynn-ts/controller';
import { startTestPostgres, testPostgresMissing } from '@flynn-ts/controller/testing';
import type { TestPostgres } from '@flynn-ts/controller/testing';
import { HostClient } from '@flynn-ts/host';
import { buildBusyboxImage } from '@flynn-ts/host/testing';
import type { BusyboxImage } from '@flynn-ts/host/testing';
import { NetnsNetwork, procTails, removeMountedDir, startOrClose, waitHostUp } from './netns-network.js';
import { curlIn, removeCgroups, removeContainers, spawnIn, sweepStale, TSX } from './netns-procs.js';
import type { Proc } from './netns-procs.js';

export const ROUTER_HTTP_PORT = 8080;
/** The image server on h1 (busybox httpd over the image directory). */
export const IMAGE_PORT = 8099;

/** What a NetnsCluster test needs on this machine (root, runc, conmon, nft, busybox, PostgreSQL…), or undefined when all is there. */
export function netnsClusterMissing(): string | undefined {
  return (
    missingRequirements({
      root: true,
      commands: ['runc', 'conmon', 'ip', 'nsenter', 'nft', 'mksquashfs', 'mount', 'curl'],
      paths: ['/usr/bin/busybox', '/usr/bin/tini-static'],
    }) ?? testPostgresMissing()
  );
}

export interface NetnsHost {
  index: number;
  /** flynn-host id (`nc<pid><tag>h<i>`). */
  id: string;
  ns: string;
  /** Cluster address (eth0), what the daemons advertise. */
  ip: string;
  /** Management address (mgmt0), what the test process uses. */
  mgmtIp: string;
  dir: string;
  /** `http://<mgmtIp>:1113` (from the test process). */
  url: string;
  client: HostClient;
  /** The overlay subnet flannel leased to this host, e.g. `100.100.7.0/24` (after start). */
  subnet: string;
  procs: Partial<Record<'discoverd' | 'flannel' | 'host' | 'router', Proc>>;
}

export interface NetnsClusterOptions {
  hosts: number;
  /** Distinguishes clusters of one test process in names (one lowercase letter). */
  tag: string;
  /** Management network 198.19.y.0/24, y = 2 × (pid % 125) + slot. */
  slot: 0 | 1;
}

export class NetnsCluster {
  readonly hosts: NetnsHost[] = [];
  /** The namespaces, bridges and veths (netns-network.ts); names, addresses and the cgroup parent come from it. */
  readonly net: NetnsNetwork;
  /** The controller's AUTH_KEY. */
  readonly key = randomBytes(16).toString('hex');
  dir = '';
  image!: BusyboxImage;
  client!: ControllerClient;
  controller?: Proc;
  scheduler?: Proc;
  private readonly procs: Proc[] = [];
  private pg: TestPostgres | undefined;

  constructor(readonly options: NetnsClusterOptions) {
    this.net = new NetnsNetwork(options.tag, options.slot);
  }

  /** Builds the whole cluster; on failure cleans up and rethrows (with the daemons' last lines). */
  static async start(options: NetnsClusterOptions): Promise<NetnsCluster> {
    const c = new NetnsCluster(options);
    return startOrClose(c, () => c.init());
  }

  /** The controller, from the test process. */
  get controllerUrl(): string {
    return `http://${this.host(1).mgmtIp}:3000`;
  }

  /** discoverd, from the test process. */
  get discoverdUrls(): string[] {
    return this.hosts.map((h) => `http://${h.mgmtIp}:1111`);
  }

  /** The test image's manifest, from the test process (h1's management address). */
  get imageManifestUrl(): string {
    return `http://${this.host(1).mgmtIp}:${IMAGE_PORT}/${basename(this.image.manifestPath)}`;
  }

  /** The layer URL template the hosts fetch the image's layers with (h1's cluster address). */
  get layerUrlTemplate(): string {
    const layer = relative(join(this.dir, 'image'), this.image.layerPath);
    return `http://${this.host(1).ip}:${IMAGE_PORT}/${layer.replace(this.image.mountspecs[0]!.id!, '{id}')}`;
  }

  /** Host i's router, from the test process. */
  routerUrl(i: number): string {
    return `http://${this.host(i).mgmtIp}:${ROUTER_HTTP_PORT}`;
  }

  host(i: number): NetnsHost {
    const h = this.hosts[i - 1];
    if (!h) throw new Error(`no host ${i}`);
    return h;
  }

  hostById(id: string): NetnsHost {
    const h = this.hosts.find((x) => x.id === id);
    if (!h) throw new Error(`no host ${id}`);
    return h;
  }

  private async init(): Promise<void> {
    await sweepStale();
    this.dir = await mkdtemp(join(tmpdir(), `flynn-netns-cluster-${this.net.prefix}-`));
    await chmod(this.dir, 0o755); // PostgreSQL (an unprivileged user) reads its hba file from here
    this.image = await buildBusyboxImage(join(this.dir, 'image'));
    await this.createNetwork();
    this.spawn(this.host(1), 'image-httpd', ['/usr/bin/busybox', 'httpd', '-f', '-p', String(IMAGE_PORT), '-h', join(this.dir, 'image')]);
    await this.startPostgres();
    this.startDiscoverd();
    for (const h of this.hosts) this.startHost(h);
    await this.waitRaft();
    await Promise.all(this.hosts.map((h) => waitHostUp(h, () => h.procs.host)));
    for (const h of this.hosts) this.startFlannel(h);
    await Promise.all(this.hosts.map(async (h) => (h.subnet = await this.waitSubnet(h))));
    await this.startControlPlane();
    for (const h of this.hosts) this.startRouter(h);
    this.client = new ControllerClient({ urls: [this.controllerUrl], key: this.key, timeoutMs: 15_000 });
    await waitFor(async () => (await this.client.appList().then(() => true, () => false)), { timeoutMs: 90_000, intervalMs: 300, what: 'the controller API' });
    for (const h of this.hosts) await waitFor(async () => (await curlIn(h.ns, `http://${h.ip}:${ROUTER_HTTP_PORT}/`, { timeoutS: 2 })).status > 0, { timeoutMs: 90_000, intervalMs: 500, what: `router on h${h.index}` });
  }

  /** The network (netns-network.ts) and a directory and client per host. */
  private async createNetwork(): Promise<void> {
    for (const n of await this.net.create(this.options.hosts)) {
      const dir = join(this.dir, `h${n.index}`);
      await mkdir(dir, { recursive: true });
      const url = `http://${n.mgmtIp}:1113`;
      this.hosts.push({ ...n, id: `${this.net.prefix}h${n.index}`, dir, url, client: new HostClient({ url, retries: 0, timeoutMs: 10_000 }), subnet: '', procs: {} });
    }
  }

  /** PostgreSQL in this namespace, also listening on the test's veth address, with an hba entry for the hosts. */
  private async startPostgres(): Promise<void> {
    const hba = join(this.dir, 'pg_hba.conf');
    await writeFile(hba, `local all all trust\nhost all all 127.0.0.1/32 scram-sha-256\nhost all all ${this.net.mgmt}.0/24 scram-sha-256\n`, { mode: 0o644 });
    // netns_cluster.owner (a placeholder setting) lets sweepStale() find it after a crash.
    this.pg = await startTestPostgres({ settings: { listen_addresses: `127.0.0.1,${this.net.rootIp}`, hba_file: hba, 'netns_cluster.owner': process.pid } });
  }

  private spawn(h: NetnsHost, name: string, argv: string[], env: Record<string, string> = {}): Proc {
    const p = spawnIn(h.ns, `${name}-h${h.index}`, argv, env);
    this.procs.push(p);
    return p;
  }

  private startDiscoverd(): void {
    const peers = this.hosts.map((h) => `${h.ip}:1111`).join(',');
    for (const h of this.hosts) {
      h.procs.discoverd = this.spawn(h, 'discoverd', [process.execPath, ...TSX, 'daemons/discoverd/src/main.ts', `-data-dir=${join(h.dir, 'discoverd')}`, `-host=${h.ip}`, '-addr=:1111', `-dns-addr=${h.ip}:53`, `-peers=${peers}`]);
    }
  }

  /** Resolves when every discoverd reports the same leader and all hosts as raft peers. */
  async waitRaft(): Promise<{ leader: string; peers: string[] }> {
    return waitFor(
      async () => {
        const seen: { leader: string; peers: string[] }[] = [];
        for (const h of this.hosts) {
          if (!h.procs.discoverd?.alive) throw new Error(`discoverd on h${h.index} exited`);
          const r = await this.raft(h).catch(() => undefined);
          if (!r) return undefined;
          seen.push(r);
        }
        const first = seen[0]!;
        const same = seen.every((s) => s.leader === first.leader && s.peers.join() === first.peers.join());
        return same && first.peers.length === this.hosts.length ? first : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 500, what: 'a discoverd raft leader with every host as a peer' },
    );
  }

  /** One discoverd's view of the raft: its leader and its peers (sorted). */
  async raft(h: NetnsHost): Promise<{ leader: string; peers: string[] }> {
    const leader = (await getJson<{ host?: string }>(`http://${h.mgmtIp}:1111/raft/leader`)).host ?? '';
    const peers = await getJson<string[]>(`http://${h.mgmtIp}:1111/raft/peers`);
    if (!leader) throw new Error('no leader');
    return { leader, peers: [...peers].sort() };
  }

  private startHost(h: NetnsHost): void {
    const d = (x: string) => join(h.dir, x);
    h.procs.host = this.spawn(h, 'flynn-host', [
      process.execPath, ...TSX, 'daemons/host/src/main.ts', 'daemon', '--driver', 'oci', '--id', h.id, '--http-port', '1113', '--external-ip', h.ip,
      '--state', d('state'), '--volpath', d('volumes'), '--image-dir', d('images'), '--log-dir', d('logs'), '--discoverd', `http://${h.ip}:1111`,
      '--cgroup-parent', this.net.cgroupParent, '--stop-grace', '3s', '--stop-jobs-on-exit', '--memory', '4G', '--cpus', '4', '--max-job-concurrency', '8', '--log-level', process.env.NETNS_CLUSTER_LOG ?? 'warn',
    ], { FLYNN_HOST_CONFIG: '/nonexistent/host.json' });
  }

  private startFlannel(h: NetnsHost): void {
    h.procs.flannel = this.spawn(h, 'flannel', [
      process.execPath, ...TSX, 'daemons/flannel/src/main.ts', '--discoverd', `http://${h.ip}:1111`, '--iface', 'eth0', '--subnet-file', join(h.dir, 'subnet.env'),
      '--notify-url', `http://${h.ip}:1113/host/network`, '--lease-ttl', '1h', '--resync', '5s',
    ]);
  }

  /** Waits until flynn-host reports the network flannel gave it; returns the /24. */
  private async waitSubnet(h: NetnsHost): Promise<string> {
    const gw = await waitFor(
      async () => {
        if (!h.procs.flannel?.alive) throw new Error(`flannel on h${h.index} exited`);
        return (await h.client.status().catch(() => undefined))?.network?.subnet;
      },
      { timeoutMs: 90_000, intervalMs: 300, what: `the overlay network of h${h.index}` },
    );
    return gw.replace(/\.\d+\/(\d+)$/, '.0/$1');
  }

  /** The controller and the scheduler on h1, both using the test PostgreSQL. */
  private async startControlPlane(): Promise<void> {
    const h1 = this.host(1);
    const database = (await this.pg!.createDatabase()).replace('@127.0.0.1:', `@${this.net.rootIp}:`);
    const common = { DISCOVERD: this.hosts.map((h) => `http://${h.ip}:1111`).join(','), DATABASE_URL: database, LOG_LEVEL: process.env.NETNS_CLUSTER_LOG ?? 'warn' };
    this.controller = this.spawn(h1, 'controller', [process.execPath, ...TSX, 'daemons/controller/src/main.ts'], {
      ...common, PORT: '3000', EXTERNAL_IP: h1.ip, AUTH_KEY: this.key,
    });
    this.scheduler = this.spawn(h1, 'scheduler', [process.execPath, ...TSX, 'daemons/scheduler/src/main.ts'], {
      ...common, PORT: '3001', EXTERNAL_IP: h1.ip, CONTROLLER_KEY: this.key, SCHEDULER_NAME: 'sched-h1',
    });
  }

  private startRouter(h: NetnsHost): void {
    h.procs.router = this.spawn(h, 'router', [process.execPath, ...TSX, 'daemons/router/src/main.ts', `-http-port=${ROUTER_HTTP_PORT}`, '-https-port=8443', '-api-port=5001', '-workers=0'], {
      LISTEN_IP: '0.0.0.0', EXTERNAL_IP: h.ip, DISCOVERD: `http://${h.ip}:1111`, CONTROLLER_KEY: this.key, COOKIE_KEY: randomBytes(32).toString('base64'), LOG_LEVEL: 'warn',
    });
  }

  /** Stops everything this cluster started and removes what it made. Never throws. */
  async close(): Promise<void> {
    await this.client?.close().catch(() => {});
    const hostIds = this.hosts.map((h) => h.id);
    // Routers, control plane and flannel first; flynn-host stops its jobs on SIGTERM (--stop-jobs-on-exit).
    const others = this.procs.filter((p) => !/^(flynn-host|discoverd)-/.test(p.name));
    await Promise.all(others.map((p) => p.stop('SIGTERM', 5_000).catch(() => {})));
    await Promise.all(this.hosts.map((h) => h.procs.host?.stop('SIGTERM', 15_000).catch(() => {})));
    await Promise.all(this.procs.map((p) => p.stop('SIGKILL', 0).catch(() => {})));
    for (const h of this.hosts) await h.client.close().catch(() => {});
    await removeContainers(hostIds);
    await this.net.remove();
    await this.pg?.stop().catch(() => {});
    await removeCgroups(this.net.cgroupParent);
    await removeMountedDir(this.dir);
  }

  /** The last lines of every daemon, for a failure message. */
  tails(n = 12): string {
    return procTails(this.procs, n);
  }
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(3_000) });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return (await res.json()) as T;
}
