/**
 * How the bootstrap reaches the cluster: the hosts (the `flynn-host`
 * instances in discoverd, or explicit host URLs), the controller (the
 * `controller` instances in discoverd, or an explicit URL) and URLs whose
 * host is `<service>.discoverd` (looked up in discoverd, as the original's
 * bootstrap resolved them through discoverd's DNS).
 */
import type { Clock, Logger } from '@flynn-ts/core';
import { noopLogger, systemClock } from '@flynn-ts/core';
import { ControllerClient } from '@flynn-ts/controller';
import { DiscoveryClient } from '@flynn-ts/discovery';
import type { ServiceDiscovery } from '@flynn-ts/discovery';
import { HOST_SERVICE, HostClient } from '@flynn-ts/host';
import { BOOTSTRAP_STEP_FAILED, BootstrapError } from './core/errors.js';

export interface ClusterHost {
  id: string;
  /** Base URL of the host API. */
  url: string;
  /** The host's IP (for `.SortedHostIPs`). */
  ip: string;
  client: HostClient;
}

export interface ClusterAccessOptions {
  /** discoverd URL(s). */
  discoverd?: readonly string[];
  /** Or a discovery client to use (not closed by {@link ClusterAccess.close}). */
  discovery?: ServiceDiscovery;
  /** Host API URLs to use instead of discovery (`--peer-ips`). */
  hostUrls?: readonly string[];
  /** The controller's URL; default: the `controller` instances in discoverd. */
  controllerUrl?: string;
  clock?: Clock;
  logger?: Logger;
}

export class ClusterAccess {
  readonly discovery: ServiceDiscovery | undefined;
  private readonly ownsDiscovery: boolean;
  private readonly hostClients = new Map<string, HostClient>();
  private controllerUrls: string[] = [];
  private controllerClient: ControllerClient | undefined;
  private readonly clock: Clock;
  private readonly logger: Logger;

  constructor(private readonly options: ClusterAccessOptions) {
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? noopLogger;
    if (options.discovery) {
      this.discovery = options.discovery;
      this.ownsDiscovery = false;
    } else if (options.discoverd && options.discoverd.length > 0) {
      this.discovery = new DiscoveryClient({ servers: options.discoverd, clock: this.clock, logger: this.logger, timeoutMs: 5_000 });
      this.ownsDiscovery = true;
    } else {
      this.ownsDiscovery = false;
    }
    if (!this.discovery && !(options.hostUrls && options.hostUrls.length > 0)) {
      throw new BootstrapError(BOOTSTRAP_STEP_FAILED, 'the bootstrap needs discoverd or a list of host URLs to find the hosts');
    }
  }

  /** The hosts that answer now, by id order. */
  async hosts(signal?: AbortSignal): Promise<ClusterHost[]> {
    const found: { url: string; id?: string }[] = [];
    if (this.options.hostUrls && this.options.hostUrls.length > 0) {
      for (const url of this.options.hostUrls) found.push({ url: url.replace(/\/+$/, '') });
    } else {
      const instances = await this.discovery!.instances(HOST_SERVICE, signal ? { signal } : {});
      for (const i of instances) if (i.meta?.shutdown !== 'true') found.push({ url: `http://${i.addr}`, ...(i.meta?.id ? { id: i.meta.id } : {}) });
    }
    const hosts = await Promise.all(
      found.map(async (f) => {
        const client = this.hostClient(f.url);
        try {
          const status = await client.status();
          return { id: status.id, url: f.url, ip: new URL(f.url).hostname.replace(/^\[|\]$/g, ''), client };
        } catch (err) {
          this.logger.debug({ event: 'host_unreachable', url: f.url, err }, 'host did not answer');
          return undefined;
        }
      }),
    );
    return hosts.filter((h): h is ClusterHost => h !== undefined).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  private hostClient(url: string): HostClient {
    let c = this.hostClients.get(url);
    if (!c) {
      c = new HostClient({ url, timeoutMs: 10_000, clock: this.clock, logger: this.logger });
      this.hostClients.set(url, c);
    }
    return c;
  }

  /** The controller client for `key`; {@link refreshController} first to find the controller. */
  controller(key: string): ControllerClient {
    if (!this.controllerClient) {
      this.controllerClient = new ControllerClient({ urls: () => this.controllerUrls, key, timeoutMs: 15_000, clock: this.clock, logger: this.logger });
    } else {
      this.controllerClient.setKey(key);
    }
    return this.controllerClient;
  }

  /** Looks the controller up (in discoverd unless a URL was given); throws when there is none. */
  async refreshController(signal?: AbortSignal): Promise<string[]> {
    if (this.options.controllerUrl) {
      this.controllerUrls = [this.options.controllerUrl.replace(/\/+$/, '')];
      return this.controllerUrls;
    }
    const instances = this.discovery ? await this.discovery.instances('controller', signal ? { signal } : {}) : [];
    if (instances.length === 0) throw new BootstrapError(BOOTSTRAP_STEP_FAILED, 'no controller is registered in discoverd (service "controller"); did the controller start?');
    this.controllerUrls = instances.map((i) => `http://${i.addr}`);
    return this.controllerUrls;
  }

  /** The addresses of a service's instances (`leader` first for `leader.<service>`). */
  async serviceAddrs(service: string, signal?: AbortSignal): Promise<string[]> {
    if (!this.discovery) throw new BootstrapError(BOOTSTRAP_STEP_FAILED, `cannot look up ${service}.discoverd without discoverd`);
    const o = signal ? { signal } : {};
    if (service.startsWith('leader.')) {
      const leader = await this.discovery.leader(service.slice('leader.'.length), o);
      return leader ? [leader.addr] : [];
    }
    return (await this.discovery.instances(service, o)).map((i) => i.addr);
  }

  /**
   * `http://controller.discoverd/ping` → `http://127.0.0.1:1120/ping` (the
   * first instance); other URLs as they are. Undefined when the service has
   * no instance yet.
   */
  async resolveUrl(url: string, signal?: AbortSignal): Promise<string | undefined> {
    const u = new URL(url);
    const m = /^(.+)\.discoverd$/.exec(u.hostname);
    if (!m) return url;
    const addrs = await this.serviceAddrs(m[1]!, signal);
    if (addrs.length === 0) return undefined;
    const addr = addrs[0]!;
    const out = new URL(`${u.protocol}//${addr}`);
    if (u.port !== '') out.port = u.port;
    out.pathname = u.pathname;
    out.search = u.search;
    return out.toString();
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.hostClients.values()].map((c) => c.close()));
    this.hostClients.clear();
    await this.controllerClient?.close().catch(() => {});
    if (this.ownsDiscovery) await this.discovery?.close().catch(() => {});
  }
}
