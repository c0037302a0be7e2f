/**
 * The overlay agent: the I/O shell around the pure core. It
 *
 * 1. picks the underlay (interface, public IP, MTU);
 * 2. reads the network config from the `flannel` service meta, creating it
 *    create-only (CAS index 0) when absent: the first agent's config wins;
 * 3. creates or fixes the VXLAN device `flannel.<vni>` (learning off, MTU =
 *    underlay − 50, local = underlay address);
 * 4. leases a subnet by CAS (`acquireLease`), reusing the lease of its public
 *    IP, and renews it halfway through its TTL;
 * 5. watches the meta, and reconciles the kernel (`reconcile`) on every
 *    change, when a lease expires, periodically, and after failures;
 * 6. reports the subnet and MTU through `onNetwork`.
 *
 * States: idle → starting → running → stopped (see DESIGN.md). `stop()` keeps
 * the lease and the kernel entries, so a restart converges without churn; pass
 * `{ release: true }` to give the subnet back.
 */
import { AbortedError, backoffDelay, cryptoRandom, FlynnError, noopLogger, publish, systemClock } from '@flynn-ts/core';
import type { BackoffOptions, Clock, Logger, Random, Timer } from '@flynn-ts/core';
import type { ServiceDiscovery, ServiceMeta } from '@flynn-ts/discovery';
import { overlayMtu, sameConfig, vxlanDeviceName } from './core/config.js';
import type { NetworkConfig, NetworkConfigInput } from './core/config.js';
import type { VxlanSpec } from './core/device.js';
import { FLANNEL_INVALID_CONFIG, FLANNEL_INVALID_DOCUMENT, FLANNEL_NO_UNDERLAY, FLANNEL_STATE, FlannelError } from './core/errors.js';
import { leaseOf, parseDocument, renewAt } from './core/lease.js';
import type { Lease, ParsedDocument } from './core/lease.js';
import { networkInfo } from './core/network-info.js';
import type { NetworkInfo } from './core/network-info.js';
import { vtepIpOf } from './core/reconcile.js';
import { selectUnderlay } from './core/underlay.js';
import type { Underlay, UnderlayChoice } from './core/underlay.js';
import { ensureDevice } from './ensure-device.js';
import { loadOrCreateDocument, removeLease, writeLease } from './lease-store.js';
import { flannelChannels } from './channels.js';
import type { OverlayKernel } from './overlay-kernel.js';
import { Reconciler } from './reconciler.js';

/** The discovery calls the agent makes (a `DiscoveryClient` or `MemoryDiscovery`). */
export type FlannelDiscovery = Pick<ServiceDiscovery, 'addService' | 'getMeta' | 'setMeta' | 'updateMeta' | 'watch'>;

export interface FlannelAgentOptions {
  discovery: FlannelDiscovery;
  kernel: OverlayKernel;
  clock?: Clock;
  random?: Random;
  logger?: Logger;
  /** The discovery service whose meta holds the document. Default `flannel`. */
  service?: string;
  /** The config to store when none is (ignored when one is stored). Default 100.100.0.0/16, /24s, VNI 1, port 8472. */
  config?: NetworkConfigInput;
  /** Which interface and public IP to use. Default: the default-route interface and its address. */
  underlay?: UnderlayChoice;
  /** Lease time to live. Default 24 h (flannel's). Renewed at half of it. */
  leaseTtlMs?: number;
  /** A subnet to ask for first if this host holds no lease (from the last run's subnet file). */
  preferredSubnet?: string;
  /** Overlay MTU. Default underlay MTU − 50. */
  mtu?: number;
  /** How often the kernel state is re-read and reconciled even without changes. Default 60 s; 0 disables. */
  resyncIntervalMs?: number;
  /** Delays between retries of failed steps. Default `{ initialMs: 200, maxMs: 10_000 }`. */
  retryBackoff?: BackoffOptions;
  /** Called with the host's network once leased, and again if the subnet changes. A rejection fails `start()`. */
  onNetwork?: (info: NetworkInfo) => void | Promise<void>;
}

export type AgentState =
  | { kind: 'idle' }
  | { kind: 'starting' }
  | { kind: 'running'; lease: Lease; info: NetworkInfo }
  | { kind: 'stopped' };

const DAY_MS = 24 * 60 * 60 * 1000;
/** The longest delay a timer can take (setTimeout's limit). */
const MAX_TIMER_MS = 2 ** 31 - 1;
const META_KINDS = new Set(['service_meta', 'current'] as const);
const FATAL = new Set<string>([FLANNEL_INVALID_CONFIG, FLANNEL_INVALID_DOCUMENT, FLANNEL_NO_UNDERLAY]);

export class FlannelAgent {
  readonly service: string;
  private readonly discovery: FlannelDiscovery;
  private readonly kernel: OverlayKernel;
  private readonly clock: Clock;
  private readonly random: Random;
  private readonly logger: Logger;
  private readonly ttlMs: number;
  private readonly backoff: BackoffOptions;
  private readonly ctl = new AbortController();
  private stateValue: AgentState = { kind: 'idle' };
  private config: NetworkConfig | undefined;
  private underlayValue: Underlay | undefined;
  private spec: VxlanSpec | undefined;
  private mac = '';
  private leaseValue: Lease | undefined;
  private metaIndex = 0;
  private leases: Lease[] = [];
  private reconciler: Reconciler | undefined;
  private renewTimer: Timer | undefined;
  private resyncTimer: Timer | undefined;
  private renewing: Promise<void> | undefined;
  private renewFailures = 0;
  private watchDone: Promise<void> | undefined;
  /** The subnet `onNetwork` last accepted. */
  private reportedSubnet: string | undefined;
  /** When the leases were last known to be current (a read, a write or an event); expiry is judged as of then. */
  private viewAt = 0;

  constructor(private readonly options: FlannelAgentOptions) {
    this.service = options.service ?? 'flannel';
    this.discovery = options.discovery;
    this.kernel = options.kernel;
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? cryptoRandom();
    this.logger = (options.logger ?? noopLogger).child({ component: 'flannel' });
    this.ttlMs = options.leaseTtlMs ?? DAY_MS;
    this.backoff = options.retryBackoff ?? { initialMs: 200, maxMs: 10_000 };
    if (!(this.ttlMs >= 2 && this.ttlMs <= MAX_TIMER_MS)) throw new FlannelError(FLANNEL_INVALID_CONFIG, `lease TTL must be in 2 ms..${MAX_TIMER_MS} ms (24.8 days), got ${this.ttlMs}`);
  }

  get state(): AgentState {
    return this.stateValue;
  }

  /** The held lease (undefined before start). */
  get lease(): Lease | undefined {
    return this.leaseValue;
  }

  /** The underlay in use (undefined before start). */
  get underlay(): Underlay | undefined {
    return this.underlayValue;
  }

  /** The network config in use (the stored one). */
  get networkConfig(): NetworkConfig | undefined {
    return this.config;
  }

  /**
   * Brings the overlay up; resolves with this host's network once the lease is
   * held, the device configured, `onNetwork` done and the kernel reconciled.
   * Transient failures (discovery unreachable, CAS races, netlink errors) are
   * retried with backoff; invalid config and no underlay reject at once.
   */
  async start(signal?: AbortSignal): Promise<NetworkInfo> {
    if (this.stateValue.kind !== 'idle') throw new FlannelError(FLANNEL_STATE, `start() in state ${this.stateValue.kind}`);
    this.stateValue = { kind: 'starting' };
    const off = signal ? linkAbort(signal, this.ctl) : () => {};
    try {
      const choice = this.options.underlay ?? {};
      const underlay = await this.step('underlay', async () => selectUnderlay(await this.kernel.interfaces(), await this.kernel.defaultRouteInterface(), choice));
      this.underlayValue = underlay;
      const doc = await this.step('config', () => loadOrCreateDocument(this.discovery, this.service, this.options.config, this.logger, this.ctl.signal));
      const config = doc.config;
      this.config = config;
      this.spec = { name: vxlanDeviceName(config.backend.vni), vni: config.backend.vni, port: config.backend.port, local: underlay.localIp, mtu: this.options.mtu ?? overlayMtu(underlay.mtu) };
      const spec = this.spec;
      const dev = await this.step('device', () => ensureDevice(this.kernel, spec, undefined, this.logger));
      this.mac = dev.mac;
      this.reconciler = new Reconciler({
        kernel: this.kernel, device: spec.name, clock: this.clock, random: this.random, logger: this.logger, backoff: this.backoff,
        desired: () => ({ leases: this.leases, self: { publicIp: underlay.publicIp, ...(this.leaseValue ? { subnet: this.leaseValue.subnet } : {}) }, asOf: this.viewAt }),
        refresh: () => this.refreshView(),
      });
      await this.step('lease', () => this.writeLease());
      const lease = this.leaseValue!;
      await this.step('address', () => ensureDevice(this.kernel, spec, `${vtepIpOf(lease.subnet)}/32`, this.logger));
      const info = networkInfo(config.network, lease.subnet, spec.mtu, underlay.publicIp);
      await this.options.onNetwork?.(info);
      this.reportedSubnet = lease.subnet;
      this.ctl.signal.throwIfAborted();
      await this.reconciler.run();
      this.stateValue = { kind: 'running', lease, info };
      this.scheduleRenew(renewAt(lease, this.ttlMs));
      this.watchDone = this.watchLoop();
      const every = this.options.resyncIntervalMs ?? 60_000;
      if (every > 0) this.resyncTimer = this.clock.every(every, () => void this.resync());
      this.logger.info({ subnet: lease.subnet, gateway: info.gateway, mtu: info.mtu, publicIp: underlay.publicIp, device: spec.name, vtepMac: this.mac }, 'overlay up');
      return info;
    } catch (err) {
      await this.stop();
      throw err;
    } finally {
      off();
    }
  }

  /**
   * Stops watching, renewing and reconciling. The lease stays in discovery
   * until it expires and the kernel entries stay, unless `release` is set
   * (then the lease is removed; kernel entries are left for the next run).
   */
  async stop(options: { release?: boolean } = {}): Promise<void> {
    if (this.stateValue.kind === 'stopped') return;
    const wasRunning = this.stateValue.kind === 'running';
    this.stateValue = { kind: 'stopped' };
    if (!this.ctl.signal.aborted) this.ctl.abort(new AbortedError('flannel agent stopped'));
    this.renewTimer?.cancel();
    this.resyncTimer?.cancel();
    this.reconciler?.stop();
    await Promise.allSettled([this.watchDone, this.renewing, this.reconciler?.idle()]);
    if (options.release && wasRunning && this.underlayValue) {
      await removeLease(this.discovery, this.service, this.underlayValue.publicIp, this.clock);
      this.logger.info({ subnet: this.leaseValue?.subnet }, 'lease released');
    }
  }

  /** Reconciles now (re-reading the kernel) and resolves when done. */
  reconcileNow(): Promise<void> {
    if (!this.reconciler || this.stateValue.kind !== 'running') return Promise.reject(new FlannelError(FLANNEL_STATE, 'reconcileNow() before the agent is running'));
    return this.reconciler.run();
  }

  // ---- steps ----------------------------------------------------------------

  /** Claims or renews the lease (one CAS read-modify-write) and takes in the written document. */
  private async writeLease(): Promise<void> {
    const previous = this.leaseValue;
    const { lease, stored } = await writeLease(this.discovery, this.service, {
      config: this.config!, publicIp: this.underlayValue!.publicIp, vtepMac: this.mac, ttlMs: this.ttlMs,
      preferred: previous?.subnet ?? this.options.preferredSubnet, clock: this.clock, random: this.random, signal: this.ctl.signal,
    });
    this.leaseValue = lease;
    this.viewAt = this.clock.now();
    if (stored) this.takeMeta(stored);
    publish(flannelChannels.lease, { lease, renewed: previous !== undefined });
    const expiresAt = new Date(lease.expiresAt).toISOString();
    if (!previous) this.logger.info({ subnet: lease.subnet, expiresAt }, 'lease acquired');
    else if (previous.subnet !== lease.subnet) this.logger.error({ previous: previous.subnet, subnet: lease.subnet }, 'lease lost: this host has a new subnet');
    else this.logger.debug({ subnet: lease.subnet, expiresAt }, 'lease renewed');
    // Also retries a move whose report failed on an earlier renewal.
    if (this.stateValue.kind === 'running' && this.reportedSubnet !== lease.subnet) await this.moveTo(lease);
  }

  /** Our lease was lost (expired and taken while we could not renew): move the device and the host to the new subnet. */
  private async moveTo(lease: Lease): Promise<void> {
    const spec = this.spec!;
    await ensureDevice(this.kernel, spec, `${vtepIpOf(lease.subnet)}/32`, this.logger);
    const info = networkInfo(this.config!.network, lease.subnet, spec.mtu, this.underlayValue!.publicIp);
    this.stateValue = { kind: 'running', lease, info };
    this.reconciler?.request();
    await this.options.onNetwork?.(info);
    this.reportedSubnet = lease.subnet;
  }

  // ---- loops ----------------------------------------------------------------

  private async watchLoop(): Promise<void> {
    const signal = this.ctl.signal;
    let failures = 0;
    while (!signal.aborted) {
      const watch = this.discovery.watch(this.service, { kinds: META_KINDS, signal });
      try {
        for await (const e of watch) {
          failures = 0;
          if (e.kind === 'service_meta' && e.service_meta) {
            this.viewAt = this.clock.now();
            this.takeMeta(e.service_meta);
          }
        }
      } catch (err) {
        if (signal.aborted) return;
        this.logger.warn({ err }, 'flannel meta watch failed');
      } finally {
        watch.close();
      }
      await this.clock.sleep(backoffDelay(failures++, this.random, this.backoff), signal).catch(() => {});
    }
  }

  /** Takes in a stored document (from the watch or our own write). */
  private takeMeta(meta: ServiceMeta): void {
    if (meta.index <= this.metaIndex) return;
    this.metaIndex = meta.index;
    let doc: ParsedDocument;
    try {
      doc = parseDocument(meta.data);
    } catch (err) {
      this.logger.error({ err, index: meta.index }, 'ignoring invalid flannel meta');
      return;
    }
    if (this.config && !sameConfig(doc.config, this.config)) {
      this.logger.error({ stored: doc.config, running: this.config }, 'the stored network config changed; restart every agent to apply it');
    }
    if (doc.invalid.length > 0) this.logger.warn({ keys: doc.invalid }, 'ignoring invalid lease entries');
    this.leases = doc.leases;
    const mine = this.leaseValue;
    if (mine && this.stateValue.kind === 'running') {
      const stored = leaseOf(doc.leases, mine.publicIp);
      if (!stored || stored.subnet !== mine.subnet || stored.vtepMac !== this.mac) {
        this.logger.warn({ subnet: mine.subnet }, 'our lease is missing or changed in the stored meta; renewing');
        void this.renew();
      }
    }
    // While starting, start() runs the first pass itself once the device has its address.
    if (this.stateValue.kind === 'running') this.reconciler?.request();
  }

  private scheduleRenew(at: number): void {
    this.renewTimer?.cancel();
    if (this.ctl.signal.aborted) return;
    this.renewTimer = this.clock.setTimer(Math.max(0, at - this.clock.now()), () => void this.renew());
  }

  private renew(): Promise<void> {
    this.renewing ??= (async () => {
      try {
        await this.writeLease();
        this.renewFailures = 0;
        this.scheduleRenew(renewAt(this.leaseValue!, this.ttlMs));
      } catch (err) {
        if (this.ctl.signal.aborted) return;
        const delay = backoffDelay(this.renewFailures++, this.random, this.backoff);
        this.logger.warn({ err, retryInMs: Math.round(delay), expiresAt: this.leaseValue && new Date(this.leaseValue.expiresAt).toISOString() }, 'lease renewal failed');
        this.scheduleRenew(this.clock.now() + delay);
      }
    })().finally(() => {
      this.renewing = undefined;
    });
    return this.renewing;
  }

  /**
   * A consistent read of the document, to judge expiries against a current
   * view. When discovery cannot be reached the view stays old, and leases
   * that expire meanwhile keep their kernel entries.
   */
  private async refreshView(): Promise<void> {
    try {
      const meta = await this.discovery.getMeta(this.service, { consistent: true, signal: this.ctl.signal });
      this.viewAt = this.clock.now();
      if (meta) this.takeMeta(meta);
    } catch (err) {
      if (!this.ctl.signal.aborted) this.logger.warn({ err, viewAt: new Date(this.viewAt).toISOString() }, 'cannot read the flannel meta; keeping the entries of leases that expire meanwhile');
    }
  }

  /** Periodic check: the leases, the device (recreated if someone broke it) and the kernel entries. */
  private async resync(): Promise<void> {
    if (this.stateValue.kind !== 'running' || !this.spec || !this.leaseValue) return;
    await this.refreshView();
    try {
      const dev = await ensureDevice(this.kernel, this.spec, `${vtepIpOf(this.leaseValue.subnet)}/32`, this.logger);
      if (dev.mac !== this.mac) {
        this.logger.warn({ previous: this.mac, mac: dev.mac }, 'VXLAN device MAC changed; renewing the lease');
        this.mac = dev.mac;
        void this.renew();
      }
    } catch (err) {
      this.logger.warn({ err }, 'device check failed');
    }
    this.reconciler?.request();
  }

  /** Runs a start step, retrying transient failures with backoff until stopped. */
  private async step<T>(name: string, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      this.ctl.signal.throwIfAborted();
      try {
        return await fn();
      } catch (err) {
        if (this.ctl.signal.aborted) throw this.ctl.signal.reason;
        if (FlynnError.is(err) && FATAL.has(err.code)) throw err;
        const delay = backoffDelay(attempt, this.random, this.backoff);
        this.logger.warn({ err, step: name, attempt, retryInMs: Math.round(delay) }, 'flannel start step failed; retrying');
        await this.clock.sleep(delay, this.ctl.signal);
      }
    }
  }
}

function linkAbort(signal: AbortSignal, ctl: AbortController): () => void {
  if (signal.aborted) {
    ctl.abort(signal.reason);
    return () => {};
  }
  const on = () => ctl.abort(signal.reason);
  signal.addEventListener('abort', on, { once: true });
  return () => signal.removeEventListener('abort', on);
}
