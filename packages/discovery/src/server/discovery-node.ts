/**
 * `DiscoveryNode`: what a discoverd daemon (or an embedding program) starts.
 *
 * A node is a raft **member** (it runs a `DiscoveryStore` on a file WAL in
 * `<dataDir>/raft` and an `HttpTransport` mounted with {@link raftHandler})
 * when its advertised address is in `peers`; otherwise it is a **proxy**: it
 * holds no state and the HTTP layer redirects requests to a peer.
 * `promote()` / `demote()` switch at runtime (reference §1.8), and record the
 * outcome in `<dataDir>/raft-member.json`, which wins over `peers` on the
 * next start (a promoted node restarts as a member; a demoted founder does
 * not bootstrap a stale cluster of its own).
 *
 * ```
 *            promote()                        shutdown()
 *   proxy ─────────────▶ member ──────────────────────────▶ stopped
 *     ▲ ◀───────────────  │                                    ▲
 *     │     demote()      └────────────────────────────────────┤
 *     └────────────────────────────────────────────────────────┘
 * ```
 *
 * The node itself implements `DiscoveryBackend` and stays the same object
 * across role changes, so an HTTP server built on `backend()` keeps working:
 * in proxy mode, data methods throw `NotLeaderError` naming a random peer
 * (the HTTP layer answers with a redirect), `isMember()` is false and
 * `peers()` lists the peers to redirect to.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { cryptoRandom, noopLogger, systemClock } from '@flynn-ts/core';
import type { Clock, Logger, Random, Timer } from '@flynn-ts/core';
import { NotLeaderError, RaftTimeoutError } from '@flynn-ts/raft';
import type { RaftStorage, Transport } from '@flynn-ts/raft';
import { FileStorage, HttpTransport } from '@flynn-ts/raft/node';
import { noKnownLeader, shuttingDown, validationError } from '../core/errors.js';
import type { DiscoveryEvent, EventKindSet, Instance, ServiceConfig, ServiceMeta } from '../core/types.js';
import type { DiscoveryBackend, MetaWrite, ReadOptions, Subscription } from './backend.js';
import type { MembershipClient } from './discovery-node-membership.js';
import { SelfAddressedTransport } from './discovery-node-transport.js';
import { httpMembershipClient } from './discovery-node-membership.js';
import type { DiscoveryStoreOptions } from './store.js';
import { DiscoveryStore } from './store.js';
import type { SubscriptionEnd } from './store-subscriptions.js';

/** Where raft traffic is served, apart from the API's own `/raft/leader`, `/raft/peers`, … */
export const RAFT_PATH_PREFIX = '/raft/v1';
const MARKER = 'raft-member.json';

export type NodeRole = 'member' | 'proxy' | 'stopped';

type State = { kind: 'member'; store: DiscoveryStore } | { kind: 'proxy'; peers: string[] } | { kind: 'stopped'; lastIndex: number };

export interface DiscoveryNodeOptions {
  /** Holds the raft WAL (`<dataDir>/raft`) and the membership marker. Required unless `storage` is given. */
  dataDir?: string;
  /** This node's address, `host:port`; also its raft id. */
  advertise: string;
  /** The initial raft voters (`host:port`); the bootstrap set when the storage is empty. */
  peers: readonly string[];
  clock?: Clock;
  random?: Random;
  logger?: Logger;
  /** Instance TTL. Default 10 s. */
  ttlMs?: number;
  /** Raft tick. Default 100 ms. */
  tickMs?: number;
  /** Election timeout in ticks. Default 10. */
  electionTicks?: number;
  /** Opens the raft storage (called on every start and promote). Default: `FileStorage` in `<dataDir>/raft`. */
  storage?: () => Promise<RaftStorage>;
  /** Makes the raft transport. Default: an `HttpTransport` served by {@link DiscoveryNode.raftHandler}. */
  transport?: (id: string) => Transport;
  /** How promote/demote reach the leader. Default: the discoverd HTTP API on the peers. */
  membership?: MembershipClient;
  /** Time allowed for a promoted node to catch up. Default 60 s. */
  promoteTimeoutMs?: number;
  /** Further store options. */
  store?: Omit<DiscoveryStoreOptions, 'id' | 'storage' | 'transport' | 'bootstrap' | 'clock' | 'random' | 'logger'>;
}

export class DiscoveryNode implements DiscoveryBackend {
  private state: State = { kind: 'proxy', peers: [] };
  private transport: SelfAddressedTransport | undefined;
  private readonly clock: Clock;
  private readonly random: Random;
  private readonly log: Logger;
  private readonly membership: MembershipClient;
  private readonly roleListeners = new Set<(role: NodeRole) => void>();
  private readonly shutdownHooks = new Set<() => void | Promise<void>>();
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(private readonly o: DiscoveryNodeOptions) {
    if (!o.storage && !o.dataDir) throw validationError('DiscoveryNode: dataDir is required without a storage factory');
    this.clock = o.clock ?? systemClock;
    this.random = o.random ?? cryptoRandom();
    this.log = (o.logger ?? noopLogger).child({ component: 'discovery-node', node: o.advertise });
    this.membership = o.membership ?? httpMembershipClient({ clock: this.clock, random: this.random, logger: this.log });
  }

  /** Starts as a member (bootstrapping a new cluster if the storage is empty) or as a proxy. */
  static async start(o: DiscoveryNodeOptions): Promise<DiscoveryNode> {
    const node = new DiscoveryNode(o);
    // A promote or demote since the first start overrides the peer list (which names the founders).
    const recorded = await node.readMarker();
    const founder = o.peers.includes(o.advertise);
    if (recorded ?? founder) {
      node.state = { kind: 'member', store: await node.openStore(founder ? o.peers : undefined, false) };
    } else {
      node.state = { kind: 'proxy', peers: o.peers.filter((p) => p !== o.advertise) };
    }
    node.log.info({ role: node.role }, 'discovery node started');
    return node;
  }

  get role(): NodeRole {
    return this.state.kind;
  }

  /** The backend for the HTTP API and DNS: this node, whatever its role. */
  backend(): DiscoveryBackend {
    return this;
  }

  /** The store while a member. */
  store(): DiscoveryStore | undefined {
    return this.state.kind === 'member' ? this.state.store : undefined;
  }

  /**
   * Serves raft traffic under {@link RAFT_PATH_PREFIX} for the daemon's HTTP
   * server: returns true when it answered (503 when not a member), false for
   * any other path.
   */
  readonly raftHandler = (req: IncomingMessage, res: ServerResponse): boolean => {
    const path = (req.url ?? '').split('?')[0]!;
    if (path !== RAFT_PATH_PREFIX && !path.startsWith(`${RAFT_PATH_PREFIX}/`)) return false;
    const t = this.transport?.inner;
    if (t instanceof HttpTransport && t.handler(req, res)) return true;
    res.statusCode = 503;
    res.end();
    return true;
  };

  /** Called with the new role after each change. Returns an unsubscribe. */
  onRoleChange(fn: (role: NodeRole) => void): () => void {
    this.roleListeners.add(fn);
    return () => this.roleListeners.delete(fn);
  }

  /** Runs `fn` at the start of `shutdown()` (e.g. to deregister the daemon's own instance). Returns an unsubscribe. */
  onShutdown(fn: () => void | Promise<void>): () => void {
    this.shutdownHooks.add(fn);
    return () => this.shutdownHooks.delete(fn);
  }

  // ---- DiscoveryBackend: data (delegated to the store) -------------------------

  async getService(service: string, opts?: ReadOptions): Promise<ServiceConfig | undefined> {
    return this.member('getService').getService(service, opts);
  }
  async getInstances(service: string, opts?: ReadOptions): Promise<Instance[] | undefined> {
    return this.member('getInstances').getInstances(service, opts);
  }
  async getLeader(service: string, opts?: ReadOptions): Promise<Instance | undefined> {
    return this.member('getLeader').getLeader(service, opts);
  }
  async getMeta(service: string, opts?: ReadOptions): Promise<ServiceMeta | undefined> {
    return this.member('getMeta').getMeta(service, opts);
  }
  async listServices(opts?: ReadOptions): Promise<string[]> {
    return this.member('listServices').listServices(opts);
  }
  async addService(service: string, config: ServiceConfig): Promise<void> {
    return this.member('addService').addService(service, config);
  }
  async removeService(service: string): Promise<void> {
    return this.member('removeService').removeService(service);
  }
  async register(service: string, instance: Omit<Instance, 'index'>): Promise<void> {
    return this.member('register').register(service, instance);
  }
  async deregister(service: string, id: string): Promise<void> {
    return this.member('deregister').deregister(service, id);
  }
  async setMeta(service: string, write: MetaWrite): Promise<ServiceMeta> {
    return this.member('setMeta').setMeta(service, write);
  }
  async setLeader(service: string, id: string): Promise<void> {
    return this.member('setLeader').setLeader(service, id);
  }
  subscribe(service: string, kinds: EventKindSet, onEvent: (e: DiscoveryEvent, index?: number) => void, onEnd?: SubscriptionEnd): Subscription {
    return this.member('subscribe').subscribe(service, kinds, onEvent, onEnd);
  }

  // ---- DiscoveryBackend: cluster ------------------------------------------------

  lastIndex(): number {
    return this.state.kind === 'member' ? this.state.store.lastIndex() : this.state.kind === 'stopped' ? this.state.lastIndex : 0;
  }
  peers(): string[] {
    return this.state.kind === 'member' ? this.state.store.peers() : this.state.kind === 'proxy' ? [...this.state.peers] : [];
  }
  leaderAddress(): string | undefined {
    return this.state.kind === 'member' ? this.state.store.leaderAddress() : undefined;
  }
  selfAddress(): string {
    return this.o.advertise;
  }
  isMember(): boolean {
    return this.state.kind === 'member';
  }
  async addPeer(address: string): Promise<{ last_index: number }> {
    return this.member('addPeer').addPeer(address);
  }
  async removePeer(address: string): Promise<void> {
    return this.member('removePeer').removePeer(address);
  }

  /** Proxy → member: opens the store (no bootstrap), asks the leader to add this node, waits until caught up. */
  promote(): Promise<void> {
    return this.serially(async () => {
      if (this.state.kind === 'member') return;
      if (this.state.kind === 'stopped') throw shuttingDown();
      const peers = this.state.peers;
      if (peers.length === 0) throw noKnownLeader();
      const store = await this.openStore(undefined, true);
      let joined = false;
      try {
        const { last_index } = await this.membership.join(this.o.advertise, peers);
        joined = true;
        await this.within(store.whenCaughtUp(), this.o.promoteTimeoutMs ?? 60_000, 'catching up after promote');
        this.log.info({ last_index, applied: store.lastIndex() }, 'promoted to raft member');
      } catch (err) {
        this.log.warn({ err }, 'promote failed; staying a proxy');
        if (joined) await this.membership.leave(this.o.advertise, peers).catch(() => {});
        await this.closeStore(store);
        throw err;
      }
      await this.writeMarker(true);
      this.setState({ kind: 'member', store });
    });
  }

  /** Member → proxy: hands leadership over if needed, asks the leader to remove this node, stops the store. */
  demote(): Promise<void> {
    return this.serially(async () => {
      if (this.state.kind !== 'member') return;
      const store = this.state.store;
      const others = store.peers().filter((p) => p !== this.o.advertise);
      if (others.length === 0) throw validationError('discoverd: cannot demote the only raft member');
      await store.handOverLeadership();
      await this.membership.leave(this.o.advertise, store.peers().filter((p) => p !== this.o.advertise));
      await this.closeStore(store);
      await this.writeMarker(false);
      this.setState({ kind: 'proxy', peers: others });
      this.log.info({ peers: others }, 'demoted to proxy');
    });
  }

  /** Runs the shutdown hooks, then (as a member) hands leadership over and stops. Idempotent. */
  shutdown(): Promise<{ last_index: number }> {
    return this.serially(async () => {
      if (this.state.kind === 'stopped') return { last_index: this.state.lastIndex };
      for (const hook of this.shutdownHooks) {
        try {
          await hook();
        } catch (err) {
          this.log.warn({ err }, 'shutdown hook failed');
        }
      }
      let lastIndex = 0;
      if (this.state.kind === 'member') {
        lastIndex = (await this.state.store.shutdown()).last_index;
        this.transport = undefined;
      }
      this.setState({ kind: 'stopped', lastIndex });
      return { last_index: lastIndex };
    });
  }

  // ---- internals ------------------------------------------------------------------

  private member(op: string): DiscoveryStore {
    if (this.state.kind === 'member') return this.state.store;
    if (this.state.kind === 'stopped') throw shuttingDown();
    if (this.state.peers.length === 0) throw noKnownLeader();
    throw new NotLeaderError(this.random.pick(this.state.peers), op);
  }

  private async openStore(bootstrap: readonly string[] | undefined, joining: boolean): Promise<DiscoveryStore> {
    const storage = await this.openStorage(joining);
    const transport = new SelfAddressedTransport(this.o.transport ? this.o.transport(this.o.advertise) : this.httpTransport());
    this.transport = transport;
    try {
      return await DiscoveryStore.start({
        ...this.o.store,
        id: this.o.advertise,
        storage,
        transport,
        ...(bootstrap ? { bootstrap } : {}),
        clock: this.clock,
        random: this.random,
        ...(this.o.logger ? { logger: this.o.logger } : {}),
        ...(this.o.ttlMs !== undefined ? { ttlMs: this.o.ttlMs } : {}),
        raft: {
          ...this.o.store?.raft,
          ...(this.o.tickMs !== undefined ? { tickMs: this.o.tickMs } : {}),
          ...(this.o.electionTicks !== undefined ? { electionTicks: this.o.electionTicks } : {}),
        },
      });
    } catch (err) {
      this.transport = undefined;
      await transport.close().catch(() => {});
      await storage.close().catch(() => {});
      throw err;
    }
  }

  private httpTransport(): HttpTransport {
    return new HttpTransport({ id: this.o.advertise, pathPrefix: RAFT_PATH_PREFIX, clock: this.clock, random: this.random, logger: this.o.logger ?? noopLogger });
  }

  /** The raft storage; a joining node starts from an empty default WAL (old data of a former membership is stale). */
  private async openStorage(joining: boolean): Promise<RaftStorage> {
    if (this.o.storage) return this.o.storage();
    const dir = join(this.o.dataDir!, 'raft');
    if (joining) await rm(dir, { recursive: true, force: true });
    return FileStorage.open(dir);
  }

  private async closeStore(store: DiscoveryStore): Promise<void> {
    await store.close();
    this.transport = undefined;
    if (!this.o.storage) await rm(join(this.o.dataDir!, 'raft'), { recursive: true, force: true });
  }

  /** The membership recorded by the last promote/demote, if any. */
  private async readMarker(): Promise<boolean | undefined> {
    if (!this.o.dataDir) return undefined;
    try {
      const raw = JSON.parse(await readFile(join(this.o.dataDir, MARKER), 'utf8')) as { member?: unknown };
      return typeof raw.member === 'boolean' ? raw.member : undefined;
    } catch {
      return undefined;
    }
  }

  private async writeMarker(member: boolean): Promise<void> {
    if (!this.o.dataDir) return;
    await mkdir(this.o.dataDir, { recursive: true });
    const tmp = join(this.o.dataDir, `${MARKER}.tmp`);
    await writeFile(tmp, JSON.stringify({ member, advertise: this.o.advertise, at: this.clock.now() }) + '\n');
    await rename(tmp, join(this.o.dataDir, MARKER));
  }

  private setState(next: State): void {
    this.state = next;
    for (const fn of [...this.roleListeners]) {
      try {
        fn(next.kind);
      } catch (err) {
        this.log.warn({ err }, 'role listener threw');
      }
    }
  }

  /** Runs role changes one at a time. */
  private serially<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => {});
    return run;
  }

  private within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
    let timer: Timer | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = this.clock.setTimer(ms, () => reject(new RaftTimeoutError(what, ms)));
    });
    return Promise.race([p, timeout]).finally(() => timer?.cancel());
  }
}
