/**
 * Host networking as the original flynn-host did it (reference §2.6), over
 * @flynn-ts/netlink: a bridge (`flynnbr0`) holding the first IP of the host's
 * subnet, IP forwarding, outbound masquerade in an nftables table of our own,
 * a resolv.conf for jobs, and per job a network namespace joined to the
 * bridge by a veth pair (`eth0` inside, with an address from the subnet, a
 * random `fe:…` MAC and a default route via the bridge).
 *
 * Allocations are persisted in `<stateDir>/network.json` (atomically), so a
 * restarted daemon can `adopt()` its jobs' networks and `detach()` leftovers.
 * See DESIGN.md ("Networking and images").
 */
import { writeFile, readFile, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { cryptoRandom, noopLogger, ValidationError } from '@flynn-ts/core';
import type { Logger, Random } from '@flynn-ts/core';
import { isNetlinkErrno, Netlink } from '@flynn-ts/netlink';
import type { HostNetworkConfig, JobNetwork, NetworkManager } from '../contracts.js';
import { writeFileDurable } from '../job/atomic-file.js';
import { allocateIp } from './core/ipam.js';
import { formatIpv4, parseSubnet } from './core/ipv4.js';
import type { Subnet } from './core/ipv4.js';
import { hostVethName, netnsName, randomMac, validIfName } from './core/names.js';
import { deleteTableRuleset, masqueradeRuleset, normalizeCidr } from './core/nft-ruleset.js';
import { isIpAddress, renderResolvConf } from './core/resolv-conf.js';
import { NetworkError } from './network-error.js';
import { loadNetworkState, saveNetworkState } from './network-state.js';
import type { JobNetworkRecord, NetworkState } from './network-state.js';
import { createNetns, deleteNetns, netnsExists, netnsPath } from './netns.js';
import { runCommand } from './run-command.js';

export interface BridgeNetworkOptions {
  /** Directory for `network.json` and `resolv.conf` (created if missing). */
  stateDir: string;
  /** Default `flynnbr0`. */
  bridgeName?: string;
  logger?: Logger;
  /** Picks IPs and MACs; default `cryptoRandom()`. */
  random?: Random;
  /**
   * Build the bridge, forwarding and NAT in this network namespace (a path)
   * instead of the daemon's own. For tests and nested setups; job namespaces
   * are always separate namespaces.
   */
  hostNetns?: string;
  /** Destination CIDRs reached without masquerading (e.g. the flannel network `100.100.0.0/16`). */
  noMasqueradeTo?: string[];
}

const GONE = ['ENODEV', 'ENOENT', 'ESRCH', 'EADDRNOTAVAIL'];

export class BridgeNetworkManager implements NetworkManager {
  readonly bridgeName: string;
  readonly stateDir: string;
  private readonly log: Logger;
  private readonly random: Random;
  private readonly hostNetns: string | undefined;
  private readonly noMasqueradeTo: string[];
  private current: HostNetworkConfig | undefined;
  private statePromise: Promise<NetworkState> | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(options: BridgeNetworkOptions) {
    this.bridgeName = options.bridgeName ?? 'flynnbr0';
    if (!validIfName(this.bridgeName)) throw new ValidationError('bridgeName', `invalid interface name ${JSON.stringify(this.bridgeName)}`);
    this.stateDir = options.stateDir;
    this.log = options.logger ?? noopLogger;
    this.random = options.random ?? cryptoRandom();
    this.hostNetns = options.hostNetns;
    this.noMasqueradeTo = (options.noMasqueradeTo ?? []).map((c) => {
      try {
        return normalizeCidr(c);
      } catch (err) {
        throw new ValidationError('noMasqueradeTo', (err as Error).message);
      }
    });
  }

  /** The config applied by the last `configure()`/`restore()`; undefined before. */
  get config(): HostNetworkConfig | undefined {
    return this.current;
  }

  /** The file jobs get bind-mounted at /etc/resolv.conf. */
  get resolvConfPath(): string {
    return join(this.stateDir, 'resolv.conf');
  }

  private get statePath(): string {
    return join(this.stateDir, 'network.json');
  }

  async configure(config: HostNetworkConfig): Promise<void> {
    const { subnet, resolvers } = validateConfig(config);
    await this.serialize(async () => {
      const state = await this.state();
      await this.withHostNetlink((nl) => this.ensureBridge(nl, subnet, config.mtu));
      await this.enableForwarding();
      const rules = masqueradeRuleset({ bridge: this.bridgeName, subnet, noMasqueradeTo: this.noMasqueradeTo });
      await this.setup('load nftables masquerade', () => runCommand('nft', ['-f', '-'], this.nsOpts({ input: rules })));
      const nameservers = resolvers.length > 0 ? resolvers : [formatIpv4(subnet.gateway)];
      await writeFileDurable(this.resolvConfPath, renderResolvConf({ nameservers }), 0o644);
      const applied: HostNetworkConfig = { subnet: config.subnet, mtu: config.mtu, resolvers: [...config.resolvers] };
      if (state.config && state.config.subnet !== config.subnet) {
        this.log.warn({ from: state.config.subnet, to: config.subnet }, 'host subnet changed; existing job addresses are kept until detached');
      }
      state.config = applied;
      await this.save();
      this.current = applied;
      this.log.info({ bridge: this.bridgeName, subnet: config.subnet, mtu: config.mtu, nameservers }, 'host network configured');
    });
  }

  /** Re-applies the persisted config after a daemon restart (idempotent); undefined when none was ever applied. */
  async restore(): Promise<HostNetworkConfig | undefined> {
    const saved = (await this.state()).config;
    if (saved) await this.configure(saved);
    return saved;
  }

  async attach(jobId: string): Promise<JobNetwork> {
    validateJobId(jobId);
    const config = this.current;
    if (!config) throw new NetworkError('FLYNN_HOST_NETWORK_NOT_CONFIGURED', 'host network is not configured yet');
    const subnet = parseSubnet(config.subnet) as Subnet;
    const { rec, fresh } = await this.serialize(async () => {
      const state = await this.state();
      const existing = state.jobs[jobId];
      if (existing) return { rec: existing, fresh: false };
      const ip = allocateIp(subnet, Object.values(state.jobs).map((r) => r.ip), this.random);
      if (ip === undefined) throw new NetworkError('FLYNN_HOST_NETWORK_EXHAUSTED', `no free address left in ${subnet.cidr}`);
      const created: JobNetworkRecord = { ip, netns: netnsName(jobId), hostVeth: hostVethName(ip), mac: randomMac(this.random) };
      state.jobs[jobId] = created; // persisted before anything is made, so a crash leaves a record to clean up
      await this.save();
      return { rec: created, fresh: true };
    });
    try {
      if (!fresh) await this.removeJobLinks(rec); // leftovers of an earlier attempt: rebuild with the same IP
      await this.buildJobNetns(rec, subnet, config.mtu);
    } catch (err) {
      await this.removeJobLinks(rec).catch((e: unknown) => this.log.warn({ jobId, err: String(e) }, 'cleanup after failed attach failed'));
      await this.serialize(async () => {
        delete (await this.state()).jobs[jobId];
        await this.save();
      });
      throw err;
    }
    this.log.info({ jobId, ip: rec.ip, netns: rec.netns, veth: rec.hostVeth }, 'job network attached');
    return this.jobNetwork(rec, subnet);
  }

  async adopt(jobId: string): Promise<JobNetwork | null> {
    const state = await this.state();
    const rec = state.jobs[jobId];
    const config = this.current ?? state.config;
    if (!rec || !config || !netnsExists(rec.netns)) return null;
    const subnet = parseSubnet(config.subnet);
    return typeof subnet === 'string' ? null : this.jobNetwork(rec, subnet);
  }

  async detach(jobId: string): Promise<void> {
    const rec = (await this.state()).jobs[jobId];
    if (!rec) return;
    await this.removeJobLinks(rec);
    await this.serialize(async () => {
      delete (await this.state()).jobs[jobId];
      await this.save();
    });
    this.log.info({ jobId, ip: rec.ip }, 'job network detached');
  }

  /** Job ids holding an address (also those whose namespace vanished): for cleanup after a restart. */
  async jobIds(): Promise<string[]> {
    return Object.keys((await this.state()).jobs);
  }

  /**
   * Removes everything this manager made: every job's namespace and veth, the
   * bridge, the nftables table and the state files. IP forwarding is left on
   * (other software may rely on it). For tests and decommissioning.
   */
  async teardown(): Promise<void> {
    await this.serialize(async () => {
      const state = await this.state();
      for (const rec of Object.values(state.jobs)) await this.removeJobLinks(rec);
      await this.withHostNetlink(async (nl) => {
        await ignoreGone(nl.deleteLink(this.bridgeName));
      });
      await this.setup('delete nftables table', () => runCommand('nft', ['-f', '-'], this.nsOpts({ input: deleteTableRuleset(this.bridgeName) })));
      await rm(this.statePath, { force: true });
      await rm(this.resolvConfPath, { force: true });
      state.jobs = {};
      delete state.config;
      this.current = undefined;
      this.log.info({ bridge: this.bridgeName }, 'host network torn down');
    });
  }

  // ---------------------------------------------------------------- steps

  private async ensureBridge(nl: Netlink, subnet: Subnet, mtu: number): Promise<void> {
    const name = this.bridgeName;
    const found = await nl.findLink(name);
    if (found && found.kind !== 'bridge') {
      throw new NetworkError('FLYNN_HOST_NETWORK_SETUP', `${name} exists and is a ${found.kind ?? 'device'}, not a bridge`);
    }
    if (!found) {
      // An explicit MAC keeps the bridge's address from changing as ports come and go (flynn#223).
      await this.setup(`create bridge ${name}`, () => nl.createLink({ kind: 'bridge', name, mtu, mac: randomMac(this.random) }));
    }
    const link = found ?? (await nl.link(name));
    if (link.mtu !== mtu) await this.setup(`set ${name} mtu ${mtu}`, () => nl.setMtu(name, mtu));
    const want = `${formatIpv4(subnet.gateway)}/${subnet.prefixLength}`;
    let present = false;
    for (const a of await nl.addresses({ link: link.index, family: 4 })) {
      if (a.cidr === want) present = true;
      else await this.setup(`remove ${a.cidr} from ${name}`, () => nl.deleteAddress(link.index, a.cidr));
    }
    if (!present) await this.setup(`add ${want} to ${name}`, () => nl.addAddress(link.index, want));
    await this.setup(`set ${name} up`, () => nl.setLinkUp(link.index));
  }

  private async enableForwarding(): Promise<void> {
    const file = '/proc/sys/net/ipv4/ip_forward';
    if (this.hostNetns !== undefined) {
      await this.setup('enable ip_forward', () => runCommand('sh', ['-c', `echo 1 > ${file}`], this.nsOpts({})));
      return;
    }
    const now = await readFile(file, 'utf8').catch(() => '');
    if (!now.startsWith('1')) await this.setup('enable ip_forward', () => writeFile(file, '1\n'));
  }

  private async buildJobNetns(rec: JobNetworkRecord, subnet: Subnet, mtu: number): Promise<void> {
    const path = await this.setup(`create netns ${rec.netns}`, () => createNetns(rec.netns));
    await this.withHostNetlink(async (nl) => {
      await ignoreGone(nl.deleteLink(rec.hostVeth)); // a leftover of a lost record would block the name
      await this.setup(`create veth ${rec.hostVeth}`, () =>
        nl.createLink({
          kind: 'veth',
          name: rec.hostVeth,
          mtu,
          master: this.bridgeName,
          up: true,
          peer: { name: 'eth0', netns: path, mtu, mac: rec.mac },
        }),
      );
    });
    const jnl = await this.setup(`open netns ${rec.netns}`, async () => new Netlink({ netns: path }));
    try {
      await this.setup(`configure eth0 in ${rec.netns}`, async () => {
        await jnl.setLinkUp('lo');
        await jnl.addAddress('eth0', `${rec.ip}/${subnet.prefixLength}`);
        await jnl.setLinkUp('eth0');
        await jnl.addRoute({ dst: 'default', via: formatIpv4(subnet.gateway), dev: 'eth0' });
      });
    } finally {
      jnl.close();
    }
  }

  /** Deletes the job's host veth (its peer goes with it) and namespace; idempotent. */
  private async removeJobLinks(rec: JobNetworkRecord): Promise<void> {
    await this.withHostNetlink((nl) => ignoreGone(nl.deleteLink(rec.hostVeth)));
    await this.setup(`delete netns ${rec.netns}`, () => deleteNetns(rec.netns));
  }

  // ---------------------------------------------------------------- plumbing

  private jobNetwork(rec: JobNetworkRecord, subnet: Subnet): JobNetwork {
    return {
      ip: rec.ip,
      gateway: formatIpv4(subnet.gateway),
      prefixLength: subnet.prefixLength,
      netnsPath: netnsPath(rec.netns),
      resolvConf: this.resolvConfPath,
    };
  }

  private nsOpts<T extends object>(o: T): T & { netns?: string } {
    return this.hostNetns === undefined ? o : { ...o, netns: this.hostNetns };
  }

  private async withHostNetlink<T>(fn: (nl: Netlink) => Promise<T>): Promise<T> {
    const nl = await this.setup('open netlink', async () => new Netlink(this.hostNetns === undefined ? {} : { netns: this.hostNetns }));
    try {
      return await fn(nl);
    } finally {
      nl.close();
    }
  }

  /** Runs one step; a failure becomes `FLYNN_HOST_NETWORK_SETUP` naming the step (typed errors of ours pass through). */
  private async setup<T>(step: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof NetworkError) throw err;
      throw new NetworkError('FLYNN_HOST_NETWORK_SETUP', `${step}: ${(err as Error).message}`, { cause: err });
    }
  }

  private state(): Promise<NetworkState> {
    this.statePromise ??= mkdir(this.stateDir, { recursive: true }).then(() => loadNetworkState(this.statePath, this.bridgeName));
    const p = this.statePromise;
    p.catch(() => {
      if (this.statePromise === p) this.statePromise = undefined; // retry reading next time
    });
    return p;
  }

  private async save(): Promise<void> {
    await saveNetworkState(this.statePath, await this.state());
  }

  private serialize<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => {});
    return run;
  }
}

function validateConfig(config: HostNetworkConfig): { subnet: Subnet; resolvers: string[] } {
  if (typeof config !== 'object' || config === null) throw new ValidationError('config', 'network config must be an object', { code: 'FLYNN_HOST_NETWORK_INVALID_CONFIG' });
  const subnet = typeof config.subnet === 'string' ? parseSubnet(config.subnet) : 'subnet must be a string like 100.100.23.1/24';
  if (typeof subnet === 'string') throw new ValidationError('subnet', subnet, { code: 'FLYNN_HOST_NETWORK_INVALID_CONFIG' });
  if (!Number.isInteger(config.mtu) || config.mtu < 68 || config.mtu > 65535) {
    throw new ValidationError('mtu', `mtu must be an integer in 68..65535, got ${String(config.mtu)}`, { code: 'FLYNN_HOST_NETWORK_INVALID_CONFIG' });
  }
  const resolvers = config.resolvers ?? [];
  if (!Array.isArray(resolvers) || !resolvers.every((r) => typeof r === 'string' && isIpAddress(r))) {
    throw new ValidationError('resolvers', 'resolvers must be a list of IP addresses', { code: 'FLYNN_HOST_NETWORK_INVALID_CONFIG' });
  }
  return { subnet, resolvers };
}

function validateJobId(jobId: string): void {
  if (typeof jobId !== 'string' || jobId.length === 0 || jobId.length > 255) {
    throw new ValidationError('id', 'job id must be a non-empty string of at most 255 characters');
  }
}

async function ignoreGone(p: Promise<void>): Promise<void> {
  try {
    await p;
  } catch (err) {
    if (!GONE.some((e) => isNetlinkErrno(err, e))) throw err;
  }
}
