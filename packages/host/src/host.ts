/**
 * The composition root of a flynn-host: the job manager (with the runtime
 * driver and the optional network, image and log modules), the directory
 * volumes, the HTTP API with `/attach` on one listener, and the `flynn-host`
 * registration in discovery (meta `id` and `tag:<k>=<v>`). The daemon
 * (`flynn-host daemon`) only parses flags, builds the modules and calls
 * {@link startHost}; tests and embedders do the same.
 */
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import type { Clock, Logger, Random } from '@flynn-ts/core';
import { noopLogger, systemClock } from '@flynn-ts/core';
import type { HttpServerHandle } from '@flynn-ts/core/http';
import { serve } from '@flynn-ts/core/http';
import type { Heartbeater, ServiceDiscovery } from '@flynn-ts/discovery';
import { DiscoveryClient } from '@flynn-ts/discovery';
import { createHostApi } from './api/host-api.js';
import type { HostControl } from './api/host-control.js';
import { attachUpgradeListener } from './attach/attach-server.js';
import type { ImageStore, LogManager, NetworkManager, RuntimeDriver } from './contracts.js';
import { canShipLogs } from './contracts.js';
import { JobManager } from './job/job-manager.js';
import type { JobManagerOptions } from './job/job-manager.js';
import { portsInUse } from './network/port-check.js';
import type { HostDiscoverd, HostNetwork, HostResources, HostStatus } from './types.js';
import { VolumeManager } from './volume/volume-manager.js';

/** The service name hosts register under, and the meta prefix of tags (reference §2.1). */
export const HOST_SERVICE = 'flynn-host';
export const TAG_PREFIX = 'tag:';

export interface HostOptions {
  /** The host id (job ids are `<id>-<uuid>`). */
  id: string;
  /** Job state, host state and the drivers' per-job directories. */
  stateDir: string;
  driver: RuntimeDriver;
  network?: NetworkManager;
  images?: ImageStore;
  logs?: LogManager;
  /** Where directory volumes live. Default `<stateDir>/volumes`. */
  volumesDir?: string;
  /** HTTP port. Default 1113; 0 picks a free one. */
  port?: number;
  /** Listen address. Default `127.0.0.1`. */
  listenAddress?: string;
  /** The host's external IP: jobs' default `EXTERNAL_IP`, and the address registered in discovery. */
  externalIp?: string;
  /** Jobs' `LISTEN_IP`. */
  listenIp?: string;
  /** The URL in `/host/status` and discovery. Default `http://<externalIp or listen address>:<port>`. */
  publishUrl?: string;
  tags?: Record<string, string>;
  /**
   * What the host offers to jobs, reported in `/host/status` `resources` for
   * schedulers: `memory` in bytes (default the machine's total memory), `cpu`
   * in milli-CPUs (default 1000 per CPU).
   */
  capacity?: { memory?: number; cpu?: number };
  /**
   * Register in this discovery now; otherwise a `DiscoveryClient` is made
   * when `POST /host/discoverd` reports discoverd (with `dns`), and a `logs`
   * manager that can ship (`shipWith`) then ships to its log aggregators.
   */
  discovery?: ServiceDiscovery;
  /** Makes the discovery client for a reported discoverd URL. Default `new DiscoveryClient({servers: [url]})`. */
  connectDiscovery?: (url: string) => ServiceDiscovery;
  /** Options passed to the job manager. */
  jobs?: Pick<JobManagerOptions, 'maxConcurrentStarts' | 'stopGraceMs' | 'resurrect' | 'bootId' | 'waitForDiscoverd' | 'waitForNetwork' | 'maxDownJobs' | 'cursorFlushMs' | 'drainMs'>;
  /** `/host/status` version. */
  version?: string;
  /** `/host/status` flags (the daemon's command line, as the original). */
  flags?: string[];
  /** Port-in-use check of `/host/resource-check`. Default: the host's /proc/net tables. */
  portsInUse?: HostControl['portsInUse'];
  /** SSE keep-alive interval. */
  keepAliveMs?: number;
  clock?: Clock;
  random?: Random;
  logger?: Logger;
}

export interface FlynnHost {
  readonly id: string;
  /** The API's base URL as bound (e.g. `http://127.0.0.1:1113`). */
  readonly url: string;
  readonly jobs: JobManager;
  readonly volumes: VolumeManager;
  readonly server: HttpServerHandle;
  status(): HostStatus;
  /**
   * Deregisters from discovery, closes the API and stops following jobs. Jobs
   * keep running (the next start re-attaches) unless `stopJobs`.
   */
  close(options?: { stopJobs?: boolean; graceMs?: number }): Promise<void>;
}

export async function startHost(options: HostOptions): Promise<FlynnHost> {
  const logger = (options.logger ?? noopLogger).child({ hostId: options.id });
  const clock = options.clock ?? systemClock;
  const volumes = new VolumeManager({ dir: options.volumesDir ?? join(options.stateDir, 'volumes'), clock, logger, ...(options.random ? { random: options.random } : {}) });
  await volumes.init();
  const defaultEnv: Record<string, string> = {};
  if (options.externalIp) defaultEnv.EXTERNAL_IP = options.externalIp;
  if (options.listenIp) defaultEnv.LISTEN_IP = options.listenIp;
  // The registration needs the job manager, and the manager reads discovery from the registration.
  const holder: { registration?: Registration } = {};
  const jobs = await JobManager.open({
    discovery: () => holder.registration?.discovery,
    hostId: options.id,
    stateDir: options.stateDir,
    driver: options.driver,
    volumes,
    defaultEnv,
    clock,
    logger,
    ...(options.network ? { network: options.network } : {}),
    ...(options.images ? { images: options.images } : {}),
    ...(options.logs ? { logs: options.logs } : {}),
    ...(options.random ? { random: options.random } : {}),
    ...(options.jobs ?? {}),
  });
  const reg = new Registration(options, jobs, logger);
  holder.registration = reg;
  const closing = new AbortController();
  const control: HostControl = {
    status: () => reg.status(),
    updateTags: (tags) => reg.updateTags(tags),
    configureDiscoverd: (config) => reg.configureDiscoverd(config),
    configureNetwork: (config: HostNetwork) => jobs.configureNetwork(config),
    portsInUse: options.portsInUse ?? ((wanted) => portsInUse(wanted)),
  };
  const app = createHostApi({ jobs, host: control, volumes, logger, clock, closing: closing.signal, ...(options.version ? { version: options.version } : {}), ...(options.keepAliveMs !== undefined ? { keepAliveMs: options.keepAliveMs } : {}) });
  let server: HttpServerHandle;
  try {
    server = await serve(app.fetch, { port: options.port ?? 1113, host: options.listenAddress ?? '127.0.0.1', logger, clock });
  } catch (err) {
    await jobs.close();
    throw err;
  }
  server.server.on('upgrade', attachUpgradeListener({ target: jobs, logger, clock }));
  reg.bound(server);
  await reg.start();
  logger.info({ event: 'host_started', url: server.url, driver: options.driver.name, jobs: Object.keys(jobs.list({ active: true })).length }, 'flynn-host started');

  let closed: Promise<void> | undefined;
  return {
    id: options.id,
    url: server.url,
    jobs,
    volumes,
    server,
    status: () => reg.status(),
    close: (opts = {}) =>
      (closed ??= (async () => {
        await reg.close();
        closing.abort();
        await server.close(opts.graceMs ?? 5_000);
        await jobs.close(opts.stopJobs ? { stopJobs: true } : {});
        logger.info({ event: 'host_stopped', stoppedJobs: opts.stopJobs ?? false }, 'flynn-host stopped');
      })()),
  };
}

/** The host's status and its `flynn-host` instance in discovery. */
class Registration {
  private tags: Record<string, string>;
  discovery: ServiceDiscovery | undefined;
  private ownsDiscovery = false;
  private heartbeater: Promise<Heartbeater | undefined> | undefined;
  private url = '';
  private addr = '';

  constructor(
    private readonly options: HostOptions,
    private readonly jobs: JobManager,
    private readonly logger: Logger,
  ) {
    this.tags = options.tags ?? jobs.tags ?? {};
    this.discovery = options.discovery;
  }

  bound(server: HttpServerHandle): void {
    const host = this.options.externalIp ?? (server.address === '0.0.0.0' || server.address === '::' ? '127.0.0.1' : server.address);
    const hostPart = host.includes(':') ? `[${host}]` : host;
    this.addr = `${hostPart}:${server.port}`;
    this.url = this.options.publishUrl ?? `http://${this.addr}`;
  }

  async start(): Promise<void> {
    if (!this.discovery && this.jobs.discoverd?.url && this.jobs.discoverd.dns) this.connect(this.jobs.discoverd.url);
    this.register();
    this.jobs.registerServices();
  }

  status(): HostStatus {
    const status: HostStatus = { id: this.options.id, tags: this.tags, pid: process.pid, url: this.url, version: this.options.version ?? '0.1.0' };
    const discoverd = this.jobs.discoverd;
    if (discoverd) status.discoverd = discoverd;
    const network = this.jobs.network;
    if (network) status.network = network;
    status.flags = this.options.flags ?? [];
    status.resources = this.resources();
    return status;
  }

  /** Capacity (configured, else the machine's) and the sum requested by active jobs. */
  private resources(): HostResources {
    const requested = this.jobs.requested();
    const limit = this.options.capacity ?? {};
    return {
      memory: { limit: limit.memory ?? totalmem(), requested: requested.memory },
      cpu: { limit: limit.cpu ?? Math.max(1, cpus().length) * 1000, requested: requested.cpu },
    };
  }

  async updateTags(tags: Record<string, string>): Promise<void> {
    this.tags = Object.fromEntries(Object.entries(tags).filter(([, v]) => v !== ''));
    await this.jobs.setTags(this.tags);
    const hb = await this.heartbeater;
    if (hb) await hb.setMeta(this.meta());
  }

  async configureDiscoverd(config: HostDiscoverd): Promise<void> {
    await this.jobs.configureDiscoverd(config);
    if (!this.discovery && config.url && config.dns) {
      this.connect(config.url);
      this.register();
      this.jobs.registerServices();
    }
  }

  async close(): Promise<void> {
    const hb = await this.heartbeater?.catch(() => undefined);
    if (hb) {
      try {
        await hb.setMeta({ ...this.meta(), shutdown: 'true' });
        await hb.close();
      } catch (err) {
        this.logger.warn({ event: 'discovery_deregister_failed', err }, 'could not deregister from discovery');
      }
    }
    if (this.ownsDiscovery && this.discovery instanceof DiscoveryClient) await this.discovery.close();
  }

  private connect(url: string): void {
    const discovery = this.options.connectDiscovery?.(url) ?? new DiscoveryClient({ servers: [url], logger: this.logger });
    this.discovery = discovery;
    this.ownsDiscovery = true;
    this.logger.info({ event: 'discovery_connected', url }, 'using service discovery');
    // Ship job logs to the log aggregators registered there (the host was given no discovery up front).
    const logs = this.options.logs;
    if (logs && canShipLogs(logs)) logs.shipWith(discovery);
  }

  private meta(): Record<string, string> {
    const meta: Record<string, string> = { id: this.options.id };
    for (const [k, v] of Object.entries(this.tags)) meta[`${TAG_PREFIX}${k}`] = v;
    return meta;
  }

  private register(): void {
    const discovery = this.discovery;
    if (!discovery || this.heartbeater) return;
    this.heartbeater = discovery.register(HOST_SERVICE, this.addr, this.meta()).then(
      (hb) => {
        this.logger.info({ event: 'discovery_registered', service: HOST_SERVICE, addr: this.addr }, 'registered in discovery');
        return hb;
      },
      (err: unknown) => {
        this.logger.error({ event: 'discovery_register_failed', err }, 'could not register in discovery');
        return undefined;
      },
    );
  }
}
