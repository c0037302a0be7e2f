/**
 * `DiscoveryStore`: the raft-replicated discovery registry, implementing
 * `DiscoveryBackend` on one raft member.
 *
 * - Writes run on the raft leader only (NotLeaderError naming the leader
 *   elsewhere, 503 "no known leader" when there is none) and go through the
 *   log; the reducer's refusals come back as typed `FlynnError`s.
 * - Heartbeats: on the leader, re-registering a known, unchanged instance
 *   only refreshes its in-memory `lastSeen` (no raft write).
 * - Expiry: the leader expires instances not seen within the TTL, but only
 *   after it has led for 2×TTL (see `ExpiryLoop`, `planExpiry`).
 * - Reads are local, refused with 503 until the node has caught up after a
 *   (re)start (`CatchUp`); `consistent: true` reads pass a raft read barrier.
 * - Subscriptions replay the state, then get every later event in order.
 *
 * Node ids are advertised addresses (`host:port`).
 */
import { noopLogger, systemClock } from '@flynn-ts/core';
import type { Clock, Logger, Random } from '@flynn-ts/core';
import { NotLeaderError, RaftNode } from '@flynn-ts/raft';
import type { RaftNodeOptions, RaftNodeStatus, RaftStorage, Transport } from '@flynn-ts/raft';
import type { Command } from '../core/commands.js';
import { encodeCommand, toInstanceInput } from '../core/commands.js';
import type { CommandResult, CommandSuccess } from '../core/errors.js';
import { catchingUp, commandError, noKnownLeader, notManual, shuttingDown, validationError } from '../core/errors.js';
import { replayEvents } from '../core/replay.js';
import type { DiscoveryState } from '../core/state.js';
import { instancesOf, leaderOf, sameRegistration, serviceNames } from '../core/state.js';
import type { DiscoveryEvent, EventKindSet, Instance, ServiceConfig, ServiceMeta } from '../core/types.js';
import { addrProblem, registrationProblem, serviceNameProblem } from '../core/validate.js';
import type { DiscoveryBackend, MetaWrite, ReadOptions, Subscription } from './backend.js';
import { DiscoveryStateMachine } from './fsm.js';
import { HeartbeatTable } from './heartbeats.js';
import { CatchUp } from './store-catch-up.js';
import { ExpiryLoop } from './store-expiry.js';
import type { SubscriptionEnd } from './store-subscriptions.js';
import { SubscriptionHub } from './store-subscriptions.js';
import { raftError } from './store-raft-errors.js';

export const DEFAULT_INSTANCE_TTL_MS = 10_000;
export const DEFAULT_EXPIRY_INTERVAL_MS = 1_000;

type RaftExtras = Omit<RaftNodeOptions<CommandResult>, 'id' | 'storage' | 'transport' | 'stateMachine' | 'bootstrap' | 'clock' | 'random' | 'logger'>;

export interface DiscoveryStoreOptions {
  /** This node's raft id = its advertised address, `host:port`. */
  id: string;
  storage: RaftStorage;
  transport: Transport;
  /** Founding voters of a new cluster (this node included); used only when the storage is empty. */
  bootstrap?: readonly string[];
  clock?: Clock;
  random?: Random;
  logger?: Logger;
  /** Instance TTL. Default 10 s. */
  ttlMs?: number;
  /** Interval of the leader's expiry check. Default 1 s. */
  expiryIntervalMs?: number;
  /** Timeout of proposals, consistent reads and membership changes. Default 30 s (the original's apply timeout). */
  timeoutMs?: number;
  /** Timeout of one catch-up barrier attempt. Default 5 s. */
  catchUpTimeoutMs?: number;
  /** Delay before retrying a failed catch-up barrier. Default 500 ms. */
  catchUpRetryMs?: number;
  /** Timeout of the leadership hand-over on shutdown. Default 5 s. */
  transferTimeoutMs?: number;
  /** Further `RaftNode` options (tickMs, electionTicks, snapshotEvery, …). `forwardProposals` is always false. */
  raft?: RaftExtras;
}

export class DiscoveryStore implements DiscoveryBackend {
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly timeoutMs: number;
  private readonly catchUp: CatchUp;
  private readonly expiry: ExpiryLoop;
  private readonly offStatus: () => void;
  /** The term this node leads in, or undefined when not leader. */
  private leaderTerm: number | undefined;
  private stopping: Promise<{ last_index: number }> | undefined;
  private stopped = false;

  private constructor(
    private readonly o: DiscoveryStoreOptions,
    private readonly fsm: DiscoveryStateMachine,
    private readonly hub: SubscriptionHub,
    private readonly heartbeats: HeartbeatTable,
    /** The underlying raft node (status, membership, tests). */
    readonly raft: RaftNode<CommandResult>,
    log: Logger,
  ) {
    this.log = log;
    this.clock = o.clock ?? systemClock;
    this.timeoutMs = o.timeoutMs ?? 30_000;
    this.catchUp = new CatchUp({
      raft,
      clock: this.clock,
      timeoutMs: o.catchUpTimeoutMs ?? 5_000,
      retryMs: o.catchUpRetryMs ?? 500,
      logger: log,
    });
    this.expiry = new ExpiryLoop({
      clock: this.clock,
      ttlMs: o.ttlMs ?? DEFAULT_INSTANCE_TTL_MS,
      intervalMs: o.expiryIntervalMs ?? DEFAULT_EXPIRY_INTERVAL_MS,
      heartbeats,
      state: () => this.fsm.state,
      expire: async (instances) => void (await this.propose({ v: 1, type: 'expire-instances', instances })),
      logger: log,
    });
    this.offStatus = raft.onStatusChange((s) => this.onLeadership(s));
    this.onLeadership(raft.status());
    this.catchUp.start();
    this.expiry.start();
  }

  /** Opens the raft node on `storage` and starts the store. */
  static async start(o: DiscoveryStoreOptions): Promise<DiscoveryStore> {
    const log = (o.logger ?? noopLogger).child({ component: 'discovery-store', node: o.id });
    const hub = new SubscriptionHub(log);
    const heartbeats = new HeartbeatTable();
    // Wired before raft starts: entries may be applied as soon as it does.
    const fsm = new DiscoveryStateMachine({
      logger: log,
      onEvents: (events, index) => {
        for (const e of events) if (e.kind === 'down' && e.instance) heartbeats.forget(e.service, e.instance.id);
        hub.publish(events, index);
      },
    });
    const raft = await RaftNode.start<CommandResult>({
      ...o.raft,
      id: o.id,
      storage: o.storage,
      transport: o.transport,
      stateMachine: fsm,
      ...(o.bootstrap ? { bootstrap: o.bootstrap } : {}),
      ...(o.clock ? { clock: o.clock } : {}),
      ...(o.random ? { random: o.random } : {}),
      ...(o.logger ? { logger: o.logger } : {}),
      timeoutMs: o.timeoutMs ?? 30_000,
      forwardProposals: false,
    });
    return new DiscoveryStore(o, fsm, hub, heartbeats, raft, log);
  }

  // ---- reads -----------------------------------------------------------------

  async getService(service: string, opts?: ReadOptions): Promise<ServiceConfig | undefined> {
    return (await this.readable(opts)).services.get(service)?.config;
  }

  async getInstances(service: string, opts?: ReadOptions): Promise<Instance[] | undefined> {
    const svc = (await this.readable(opts)).services.get(service);
    return svc ? [...instancesOf(svc)] : undefined;
  }

  async getLeader(service: string, opts?: ReadOptions): Promise<Instance | undefined> {
    const svc = (await this.readable(opts)).services.get(service);
    return svc && leaderOf(svc);
  }

  async getMeta(service: string, opts?: ReadOptions): Promise<ServiceMeta | undefined> {
    return (await this.readable(opts)).services.get(service)?.meta;
  }

  async listServices(opts?: ReadOptions): Promise<string[]> {
    return serviceNames(await this.readable(opts));
  }

  /** The local state, as of `lastIndex()`, whether caught up or not (tests, diagnostics). */
  get state(): DiscoveryState {
    return this.fsm.state;
  }

  /** True once the store has confirmed it holds the committed state (reads are served). */
  get caughtUp(): boolean {
    return this.catchUp.isDone;
  }

  /** Resolves once the store serves reads; rejects if it stops first. */
  whenCaughtUp(): Promise<void> {
    return this.catchUp.whenDone();
  }

  // ---- writes ----------------------------------------------------------------

  async addService(service: string, config: ServiceConfig): Promise<void> {
    const problem = serviceNameProblem(service);
    if (problem) throw validationError(problem);
    this.requireLeader('addService');
    await this.propose({ v: 1, type: 'add-service', service, config: { leader_type: config.leader_type === 'manual' ? 'manual' : 'oldest' } });
  }

  async removeService(service: string): Promise<void> {
    this.requireLeader('removeService');
    await this.propose({ v: 1, type: 'remove-service', service });
  }

  async register(service: string, instance: Omit<Instance, 'index'>): Promise<void> {
    const problem = registrationProblem(instance);
    if (problem) throw validationError(problem);
    this.requireLeader('register');
    const input = toInstanceInput(instance);
    this.heartbeats.touch(service, input.id, this.clock.monotonic());
    if (this.catchUp.isDone) {
      const prev = this.fsm.state.services.get(service)?.instances.get(input.id);
      if (prev && sameRegistration(prev, input)) return; // a heartbeat: no raft write
    }
    try {
      await this.propose({ v: 1, type: 'add-instance', service, instance: input });
    } catch (err) {
      if (!this.fsm.state.services.get(service)?.instances.has(input.id)) this.heartbeats.forget(service, input.id);
      throw err;
    }
  }

  async deregister(service: string, id: string): Promise<void> {
    this.requireLeader('deregister');
    await this.propose({ v: 1, type: 'remove-instance', service, id });
  }

  async setMeta(service: string, write: MetaWrite): Promise<ServiceMeta> {
    if (!Number.isSafeInteger(write.index) || write.index < 0) throw validationError('discoverd: meta index must be a non-negative integer');
    this.requireLeader('setMeta');
    const cmd: Command = { v: 1, type: 'set-meta', service, data: write.data === undefined ? null : write.data, index: write.index };
    if (write.leader_id) cmd.leader_id = write.leader_id;
    return (await this.propose(cmd)).meta!;
  }

  async setLeader(service: string, id: string): Promise<void> {
    // Like the original, the config is checked locally first (no raft index is spent on a 400).
    if (this.catchUp.isDone && this.fsm.state.services.get(service)?.config.leader_type !== 'manual') throw commandError(notManual());
    this.requireLeader('setLeader');
    await this.propose({ v: 1, type: 'set-leader', service, id });
  }

  // ---- streams ---------------------------------------------------------------

  /**
   * See `DiscoveryBackend.subscribe`. Throws 503 while catching up (a replay
   * of a stale state would end with a misleading `current`). `onEnd`, an
   * extension, is called if the server ends the subscription (shutdown).
   */
  subscribe(service: string, kinds: EventKindSet, onEvent: (e: DiscoveryEvent, index?: number) => void, onEnd?: SubscriptionEnd): Subscription {
    if (this.stopped || this.stopping) throw shuttingDown();
    if (!this.catchUp.isDone) throw catchingUp();
    return this.hub.add(service, kinds, onEvent, replayEvents(this.fsm.state, service, kinds), onEnd, this.fsm.index);
  }

  // ---- cluster ---------------------------------------------------------------

  lastIndex(): number {
    return this.raft.status().applied;
  }

  peers(): string[] {
    const { voters } = this.raft.status().conf;
    const leader = this.raft.status().leader;
    return voters.includes(leader) ? [leader, ...voters.filter((v) => v !== leader)] : [...voters];
  }

  leaderAddress(): string | undefined {
    return this.raft.status().leader || undefined;
  }

  selfAddress(): string {
    return this.o.id;
  }

  /** True when this node is the raft leader. */
  isLeader(): boolean {
    return this.raft.status().role === 'leader';
  }

  isMember(): boolean {
    return !this.stopped;
  }

  async addPeer(address: string): Promise<{ last_index: number }> {
    // Every node would fail to apply a membership change it cannot address: refuse it up front.
    const problem = addrProblem(address) ?? (/:\d{1,5}$/.test(address) ? undefined : `address ${address}: invalid port`);
    if (problem) throw validationError(problem);
    this.requireLeader('addPeer');
    if (!this.raft.status().conf.voters.includes(address)) await this.raft.addVoter(address, address, { timeoutMs: this.timeoutMs }).catch(raftError);
    return { last_index: this.raft.status().applied };
  }

  async removePeer(address: string): Promise<void> {
    this.requireLeader('removePeer');
    const { voters, learners } = this.raft.status().conf;
    if (voters.includes(address) || learners.includes(address)) await this.raft.removeNode(address, { timeoutMs: this.timeoutMs }).catch(raftError);
  }

  /** A store is always a member; use `DiscoveryNode` for proxy ↔ member changes. */
  async promote(): Promise<void> {
    if (this.stopped) throw shuttingDown();
  }

  async demote(): Promise<void> {
    throw validationError('discoverd: a standalone store cannot demote itself; use DiscoveryNode');
  }

  /**
   * Hands leadership to another voter if this node leads, then stops.
   * Resolves with the commit index: a successor on the same data waits
   * until it has applied that far. Idempotent.
   */
  shutdown(): Promise<{ last_index: number }> {
    this.stopping ??= (async () => {
      await this.handOverLeadership();
      await this.close();
      return { last_index: this.raft.status().commit };
    })();
    return this.stopping;
  }

  /** Stops without handing over leadership (subscriptions end, raft stops). Idempotent. */
  async close(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.offStatus();
    this.expiry.stop();
    this.catchUp.stop();
    this.heartbeats.loseLeadership();
    this.hub.closeAll(shuttingDown());
    await this.raft.stop();
  }

  /** Runs one expiry check now (tests; the loop runs it every interval). */
  enforceExpiry(): Promise<number> {
    return this.expiry.check();
  }

  /** Live subscriptions (all services, or one). */
  subscriptionCount(service?: string): number {
    return this.hub.count(service);
  }

  // ---- internals -------------------------------------------------------------

  private async readable(opts: ReadOptions | undefined): Promise<DiscoveryState> {
    if (this.stopped) throw shuttingDown();
    if (opts?.consistent) {
      await this.raft.read({ timeoutMs: this.timeoutMs });
      this.catchUp.markDone();
    } else if (!this.catchUp.isDone) {
      throw catchingUp();
    }
    return this.fsm.state;
  }

  private requireLeader(op: string): void {
    if (this.stopped || this.stopping) throw shuttingDown();
    const st = this.raft.status();
    if (st.role === 'leader') return;
    if (st.leader === '') throw noKnownLeader();
    throw new NotLeaderError(st.leader, op);
  }

  private async propose(cmd: Command): Promise<CommandSuccess> {
    const res = await this.raft.propose(encodeCommand(cmd), { timeoutMs: this.timeoutMs }).catch(raftError);
    if (!res.ok) throw commandError(res);
    return res;
  }

  /** Heartbeats are collected per leadership term: a new term (or losing it) starts afresh. */
  private onLeadership(s: RaftNodeStatus): void {
    const term = s.role === 'leader' ? s.term : undefined;
    if (term === this.leaderTerm) return;
    this.leaderTerm = term;
    if (term !== undefined) {
      this.heartbeats.becomeLeader(this.clock.monotonic());
      this.log.info({ term }, 'raft leader: waiting 2×TTL before expiring instances');
    } else {
      this.heartbeats.loseLeadership();
      this.log.info({}, 'no longer raft leader');
    }
  }

  /** If this node leads, asks another voter to take over (best effort: failures are logged). */
  async handOverLeadership(): Promise<void> {
    if (this.stopped || !this.isLeader()) return;
    const to = this.raft.status().conf.voters.find((v) => v !== this.o.id);
    if (!to) return;
    try {
      await this.raft.transferLeadership(to, { timeoutMs: this.o.transferTimeoutMs ?? 5_000 });
      this.log.info({ to }, 'leadership handed over');
    } catch (err) {
      this.log.warn({ err, to }, 'leadership hand-over failed');
    }
  }
}
