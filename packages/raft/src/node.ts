/**
 * `RaftNode`: the driver around the pure `RaftCore`. The only place with
 * timers, storage writes, sends and state-machine calls. See DESIGN.md.
 *
 * One serial loop owns the core: inputs (ticks, messages, proposals, reads,
 * reports) are queued and fed to the core only between Readys, and each Ready
 * is handled in the order the core's contract demands: persist (one group
 * commit, fsync'd) → send → apply → advance. Nothing is sent before the state
 * it depends on is durable.
 */
import { channels, cryptoRandom, FlynnError, noopLogger, publish, systemClock } from '@flynn-ts/core';
import type { Clock, Logger, Random, Timer } from '@flynn-ts/core';
import { decodeConfChange } from './core/conf-change.js';
import { NotLeaderError, ProposalDroppedError } from './core/errors.js';
import { RaftCore } from './core/raft.js';
import type { ReadOnlyOption } from './core/config.js';
import type { ConfChange, ConfState, Entry, Message, NodeId, Ready, RoleKind, Snapshot } from './core/types.js';
import { decodeEnvelope, encodeEnvelope } from './envelope.js';
import { RaftShutdownError, RaftTimeoutError } from './node-errors.js';
import { ProposalSessions } from './proposal-sessions.js';
import { unwrapSnapshotData, wrapSnapshotData } from './snapshot-data.js';
import type { StateMachine } from './state-machine.js';
import type { RaftStorage } from './storage.js';
import type { Transport } from './transport.js';

export interface RaftNodeOptions<R> {
  id: NodeId;
  storage: RaftStorage;
  transport: Transport;
  stateMachine: StateMachine<R>;
  /**
   * Founding voters of a new cluster (this node included). Used only when the
   * storage is empty; every founder must be given the same list. A node that
   * joins an existing cluster is started without it and added by the leader.
   */
  bootstrap?: readonly NodeId[];
  /** Transport addresses by node id. Default: the id itself is the address. */
  addresses?: Readonly<Record<NodeId, string>>;
  clock?: Clock;
  random?: Random;
  logger?: Logger;
  /** Milliseconds per logical tick. Default 100. */
  tickMs?: number;
  /** Election timeout in ticks (randomised in [n, 2n)). Default 10. */
  electionTicks?: number;
  /** Heartbeat interval in ticks. Default 1. */
  heartbeatTicks?: number;
  preVote?: boolean;
  checkQuorum?: boolean;
  readOnly?: ReadOnlyOption;
  maxSizePerMsg?: number;
  maxInflightMsgs?: number;
  maxInflightBytes?: number;
  /** Forward proposals from followers to the leader (default). When false, followers reject with NotLeader. */
  forwardProposals?: boolean;
  /** fsync each Ready that needs it. Default true. Turning it off loses the durability guarantees. */
  sync?: boolean;
  /** Take a snapshot after this many applied entries. Default 10_000. */
  snapshotEvery?: number;
  /** Entries kept in the log behind a snapshot, for slow followers. Default 1_000. */
  snapshotTrailing?: number;
  /** Default timeout for proposals, reads and membership changes. Default 30 s. */
  timeoutMs?: number;
  /**
   * TESTING ONLY. Breaks the persist-before-send rule (messages go out before
   * the Ready is durable) so the test suite can show it catches the violation.
   */
  unsafeSendBeforePersist?: boolean;
}

export interface RaftNodeStatus {
  id: NodeId;
  role: RoleKind;
  leader: NodeId;
  term: number;
  commit: number;
  applied: number;
  lastIndex: number;
  conf: ConfState;
}

interface Pending<T> {
  resolve(v: T): void;
  reject(e: unknown): void;
  timer: Timer;
}

interface PendingRead extends Pending<number> {
  index: number | undefined;
}

type Input =
  | { kind: 'tick' }
  | { kind: 'msg'; msg: Message }
  | { kind: 'unreachable'; id: NodeId }
  | { kind: 'snap-status'; id: NodeId; ok: boolean }
  | { kind: 'propose'; data: Uint8Array; seq: number }
  | { kind: 'read'; seq: number }
  | { kind: 'conf'; cc: ConfChange }
  | { kind: 'transfer'; to: NodeId }
  | { kind: 'campaign' };

export class RaftNode<R = unknown> {
  private readonly id: NodeId;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly sm: StateMachine<R>;
  private readonly storage: RaftStorage;
  private readonly transport: Transport;
  private readonly opts: RaftNodeOptions<R>;
  private core!: RaftCore;
  private tickTimer: Timer | undefined;
  private inputs: Input[] = [];
  private running = false;
  private idle: Array<() => void> = [];
  private stopped = false;
  private failure: unknown;
  private seq = 0;
  private applied = 0;
  private snapshotIndex = 0;
  /** The newest snapshot this node holds (recovered, installed or taken): what it sends to followers that need one. */
  private latestSnapshot: Snapshot | undefined;
  private leader: NodeId = '';
  private role: RoleKind = 'follower';
  private conf: ConfState = { voters: [], learners: [] };
  private readonly proposals = new Map<number, Pending<R>>();
  /** Replicated dedup table: a proposal is applied at most once however often it was appended. */
  private readonly sessions = new ProposalSessions();
  private readonly reads = new Map<number, PendingRead>();
  private confWaiter: (Pending<ConfState> & { cc: ConfChange }) | undefined;
  private readonly addresses = new Map<NodeId, string>();
  private readonly listeners = new Set<(s: RaftNodeStatus) => void>();

  private constructor(opts: RaftNodeOptions<R>) {
    this.opts = opts;
    this.id = opts.id;
    this.clock = opts.clock ?? systemClock;
    this.log = (opts.logger ?? noopLogger).child({ raft: opts.id });
    this.sm = opts.stateMachine;
    this.storage = opts.storage;
    this.transport = opts.transport;
    for (const [id, addr] of Object.entries(opts.addresses ?? {})) this.addresses.set(id, addr);
  }

  /** Recovers from storage, restores the state machine and starts ticking. */
  static async start<R>(opts: RaftNodeOptions<R>): Promise<RaftNode<R>> {
    const node = new RaftNode(opts);
    await node.open();
    return node;
  }

  private async open(): Promise<void> {
    const rec = await this.storage.load();
    const fresh = !rec.hardState && !rec.snapshot && rec.entries.length === 0;
    if (rec.snapshot) {
      this.latestSnapshot = rec.snapshot;
      await this.restoreData(rec.snapshot.data);
      this.applied = this.snapshotIndex = rec.snapshot.meta.index;
      this.conf = cloneConf(rec.snapshot.meta.conf);
    }
    const random = this.opts.random ?? cryptoRandom();
    // Envelope seqs must not repeat across restarts: an entry proposed by an
    // earlier incarnation may still commit, and must not settle a new proposal.
    // High 32 bits: a random epoch (21 bits, so seqs stay safe integers) per
    // incarnation; low 32 bits: a counter. See proposal-sessions.ts.
    this.seq = (random.uint32() & 0x1f_ffff) * 0x1_0000_0000;
    this.core = new RaftCore({
      id: this.id,
      random,
      log: rec,
      applied: this.applied,
      ...(fresh && this.opts.bootstrap ? { peers: this.opts.bootstrap } : {}),
      ...(this.opts.electionTicks !== undefined ? { electionTick: this.opts.electionTicks } : {}),
      ...(this.opts.heartbeatTicks !== undefined ? { heartbeatTick: this.opts.heartbeatTicks } : {}),
      ...(this.opts.preVote !== undefined ? { preVote: this.opts.preVote } : {}),
      ...(this.opts.checkQuorum !== undefined ? { checkQuorum: this.opts.checkQuorum } : {}),
      ...(this.opts.readOnly !== undefined ? { readOnlyOption: this.opts.readOnly } : {}),
      ...(this.opts.maxSizePerMsg !== undefined ? { maxSizePerMsg: this.opts.maxSizePerMsg } : {}),
      ...(this.opts.maxInflightMsgs !== undefined ? { maxInflightMsgs: this.opts.maxInflightMsgs } : {}),
      ...(this.opts.maxInflightBytes !== undefined ? { maxInflightBytes: this.opts.maxInflightBytes } : {}),
      disableProposalForwarding: this.opts.forwardProposals === false,
      snapshotSource: () => this.latestSnapshot,
      logger: this.log,
    });
    const st = this.core.status();
    this.conf = cloneConf(st.conf);
    this.syncPeers();
    await this.transport.start({
      deliver: (msg) => this.push({ kind: 'msg', msg }),
      unreachable: (id) => this.push({ kind: 'unreachable', id }),
      snapshotStatus: (id, ok) => this.push({ kind: 'snap-status', id, ok }),
    });
    this.tickTimer = this.clock.every(this.opts.tickMs ?? 100, () => this.push({ kind: 'tick' }));
    this.log.info({ term: st.term, commit: st.commit, applied: this.applied, voters: this.conf.voters }, 'raft node started');
    this.kick();
  }

  // ---- public API -------------------------------------------------------

  /**
   * Proposes a command. Resolves with the state machine's result once the
   * entry is applied on this node. Rejects with NotLeaderError (forwarding
   * off), ProposalDroppedError (no leader, transfer in progress…),
   * RaftTimeoutError (outcome unknown) or RaftShutdownError.
   */
  propose(command: Uint8Array, options: { timeoutMs?: number } = {}): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      if (!this.checkOpen(reject)) return;
      const seq = ++this.seq;
      const timer = this.timeout(options.timeoutMs, 'proposal', () => this.proposals.delete(seq), reject);
      this.proposals.set(seq, { resolve, reject, timer });
      this.push({ kind: 'propose', data: encodeEnvelope(this.id, seq, command), seq });
    });
  }

  /**
   * A linearizable read barrier (ReadIndex): resolves with an applied index
   * once this node's state machine reflects every write committed before the
   * call. Read the state machine after it resolves.
   */
  read(options: { timeoutMs?: number } = {}): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      if (!this.checkOpen(reject)) return;
      const seq = ++this.seq;
      const timer = this.timeout(options.timeoutMs, 'read', () => this.reads.delete(seq), reject);
      this.reads.set(seq, { resolve, reject, timer, index: undefined });
      this.push({ kind: 'read', seq });
    });
  }

  /** Adds a voter (or promotes a learner). Leader only. Resolves with the new configuration once applied. */
  addVoter(id: NodeId, address?: string, options: { timeoutMs?: number } = {}): Promise<ConfState> {
    return this.changeConf({ type: 'add-voter', node: id, ...(address !== undefined ? { context: address } : {}) }, options);
  }

  /** Adds a non-voting learner. Leader only. */
  addLearner(id: NodeId, address?: string, options: { timeoutMs?: number } = {}): Promise<ConfState> {
    return this.changeConf({ type: 'add-learner', node: id, ...(address !== undefined ? { context: address } : {}) }, options);
  }

  /** Removes a voter or learner. Leader only. */
  removeNode(id: NodeId, options: { timeoutMs?: number } = {}): Promise<ConfState> {
    return this.changeConf({ type: 'remove-node', node: id }, options);
  }

  /** Asks the leader to hand leadership to `to`. Resolves when `to` leads or rejects on timeout. */
  async transferLeadership(to: NodeId, options: { timeoutMs?: number } = {}): Promise<void> {
    if (this.failure || this.stopped) throw new RaftShutdownError(this.failure);
    this.push({ kind: 'transfer', to });
    await this.waitFor((s) => s.leader === to, options.timeoutMs ?? this.defaultTimeout(), 'leadership transfer');
  }

  /** Starts an election at once (testing and operations). */
  campaign(): void {
    this.push({ kind: 'campaign' });
  }

  status(): RaftNodeStatus {
    const st = this.core.status();
    return {
      id: this.id,
      role: st.role,
      leader: st.leader,
      term: st.term,
      commit: st.commit,
      applied: this.applied,
      lastIndex: st.lastIndex,
      conf: cloneConf(this.conf),
    };
  }

  get isLeader(): boolean {
    return this.role === 'leader';
  }

  /** Calls `fn` after every Ready that changed the role, leader or configuration. Returns an unsubscribe. */
  onStatusChange(fn: (s: RaftNodeStatus) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Resolves when `pred(status)` holds (checked after each Ready), or rejects on timeout. */
  waitFor(pred: (s: RaftNodeStatus) => boolean, timeoutMs: number, what = 'condition'): Promise<RaftNodeStatus> {
    return new Promise((resolve, reject) => {
      const now = this.status();
      if (pred(now)) return resolve(now);
      const timer = this.clock.setTimer(timeoutMs, () => {
        off();
        reject(new RaftTimeoutError(what, timeoutMs));
      });
      const off = this.onStatusChange((s) => {
        if (!pred(s)) return;
        off();
        timer.cancel();
        resolve(s);
      });
    });
  }

  /** Stops ticking, rejects pending work with RaftShutdownError, closes transport and storage. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.tickTimer?.cancel();
    await this.whenIdle();
    this.rejectAll(new RaftShutdownError());
    await this.transport.close();
    await this.storage.close();
    this.log.info({}, 'raft node stopped');
  }

  // ---- the loop -----------------------------------------------------------

  private push(input: Input): void {
    if (this.stopped || this.failure) return;
    this.inputs.push(input);
    this.kick();
  }

  private kick(): void {
    if (this.running) return;
    this.running = true;
    void this.loop();
  }

  private whenIdle(): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((r) => this.idle.push(r));
  }

  private async loop(): Promise<void> {
    try {
      for (;;) {
        this.drainInputs();
        if (!this.core.hasReady()) break;
        const rd = this.core.ready();
        await this.handleReady(rd);
        this.core.advance(rd);
        this.settleReads();
        this.maybeNotify();
        await this.maybeSnapshot();
      }
    } catch (err) {
      this.fail(err);
    } finally {
      this.running = false;
      for (const r of this.idle.splice(0)) r();
      if (this.inputs.length > 0 && !this.stopped && !this.failure) this.kick();
    }
  }

  private drainInputs(): void {
    const inputs = this.inputs;
    this.inputs = [];
    for (const input of inputs) this.feed(input);
  }

  private feed(input: Input): void {
    switch (input.kind) {
      case 'tick':
        return this.core.tick();
      case 'msg':
        return this.core.step(input.msg);
      case 'unreachable':
        return this.core.reportUnreachable(input.id);
      case 'snap-status':
        return this.core.reportSnapshot(input.id, input.ok);
      case 'campaign':
        return this.core.campaign();
      case 'transfer':
        return this.guard(() => this.core.transferLeadership(input.to), (e) => this.log.warn({ err: e }, 'leadership transfer refused'));
      case 'propose':
        return this.guard(
          () => this.core.propose(input.data),
          (e) => this.settle(this.proposals, input.seq, (p) => p.reject(this.mapDrop(e))),
        );
      case 'read':
        return this.guard(
          () => this.core.readIndex(encodeEnvelope(this.id, input.seq, new Uint8Array(0))),
          (e) => this.settle(this.reads, input.seq, (p) => p.reject(this.mapDrop(e))),
        );
      case 'conf': {
        const w = this.confWaiter;
        return this.guard(
          () => this.core.proposeConfChange(input.cc),
          (e) => {
            if (w && w.cc === input.cc) {
              this.confWaiter = undefined;
              w.timer.cancel();
              w.reject(this.mapDrop(e));
            }
          },
        );
      }
    }
  }

  /** Runs a core call that may refuse with a typed error; invariant breaks propagate. */
  private guard(fn: () => void, onRefused: (e: FlynnError) => void): void {
    try {
      fn();
    } catch (err) {
      if (FlynnError.is(err) && err.code !== 'FLYNN_CORE_INVARIANT') onRefused(err);
      else throw err;
    }
  }

  private mapDrop(e: FlynnError): FlynnError {
    if (e instanceof ProposalDroppedError && e.reason === 'forwarding-disabled') return new NotLeaderError(e.leader, 'propose');
    return e;
  }

  private async handleReady(rd: Ready): Promise<void> {
    if (this.opts.unsafeSendBeforePersist) this.transport.send(rd.messages);
    if (rd.snapshot || rd.hardState || rd.entries.length > 0) {
      const batch: Parameters<RaftStorage['save']>[0] = { entries: rd.entries };
      if (rd.hardState) batch.hardState = rd.hardState;
      if (rd.snapshot) batch.snapshot = rd.snapshot;
      await this.storage.save(batch, rd.mustSync && this.opts.sync !== false);
    }
    if (rd.snapshot) await this.restoreSnapshot(rd.snapshot);
    if (!this.opts.unsafeSendBeforePersist && rd.messages.length > 0) this.transport.send(rd.messages);
    for (const e of rd.committedEntries) await this.applyEntry(e);
    for (const rs of rd.readStates) {
      const env = decodeEnvelope(rs.context);
      if (env.origin !== this.id) continue;
      const p = this.reads.get(env.seq);
      if (p) p.index = rs.index;
    }
    if (rd.softState) {
      if (rd.softState.leader !== this.leader) {
        publish(channels.raftLeaderChanged, { id: this.id, leader: rd.softState.leader, previous: this.leader });
        this.log.info({ leader: rd.softState.leader, role: rd.softState.role }, 'leader changed');
      }
      this.leader = rd.softState.leader;
      this.role = rd.softState.role;
      this.dirty = true;
    }
  }

  private dirty = false;

  private async restoreSnapshot(s: Snapshot): Promise<void> {
    this.latestSnapshot = s;
    await this.restoreData(s.data);
    this.applied = this.snapshotIndex = s.meta.index;
    this.conf = cloneConf(s.meta.conf);
    this.syncPeers();
    this.dirty = true;
    publish(channels.raftSnapshot, { id: this.id, index: s.meta.index, restored: true });
  }

  private async restoreData(data: Uint8Array): Promise<void> {
    const parts = unwrapSnapshotData(data);
    this.sessions.restore(parts.sessions);
    await this.sm.restore(parts.state);
  }

  private async applyEntry(e: Entry): Promise<void> {
    if (e.index <= this.applied) return;
    if (e.type === 'conf-change') {
      const cc = decodeConfChange(e.data);
      this.conf = cloneConf(this.core.applyConfChange(cc));
      if (cc.context !== undefined) this.addresses.set(cc.node, cc.context);
      this.syncPeers();
      this.dirty = true;
      const w = this.confWaiter;
      if (w && w.cc.type === cc.type && w.cc.node === cc.node) {
        this.confWaiter = undefined;
        w.timer.cancel();
        w.resolve(cloneConf(this.conf));
      }
    } else if (e.data.length > 0) {
      const env = decodeEnvelope(e.data);
      const verdict = this.sessions.check(env.origin, env.seq);
      if (verdict === 'apply') {
        let result: R | undefined;
        let error: unknown;
        try {
          result = await this.sm.apply(env.payload, { index: e.index, term: e.term });
        } catch (err) {
          error = err;
        }
        if (env.origin === this.id) {
          this.settle(this.proposals, env.seq, (p) => (error === undefined ? p.resolve(result as R) : p.reject(error)));
        }
      } else {
        // A copy of an applied proposal (its proposer was settled then), or one too late to apply.
        this.log.debug({ index: e.index, origin: env.origin, seq: env.seq, verdict }, 'proposal not applied again');
        if (verdict === 'stale' && env.origin === this.id) {
          this.settle(this.proposals, env.seq, (p) => p.reject(new ProposalDroppedError('stale', this.leader)));
        }
      }
    }
    this.applied = e.index;
    publish(channels.raftApplied, { id: this.id, index: e.index });
  }

  private settleReads(): void {
    for (const [seq, p] of this.reads) {
      if (p.index !== undefined && this.applied >= p.index) this.settle(this.reads, seq, (x) => x.resolve(this.applied));
    }
  }

  private maybeNotify(): void {
    if (!this.dirty || this.listeners.size === 0) {
      this.dirty = false;
      return;
    }
    this.dirty = false;
    const s = this.status();
    for (const fn of [...this.listeners]) fn(s);
  }

  private async maybeSnapshot(): Promise<void> {
    const every = this.opts.snapshotEvery ?? 10_000;
    if (this.applied - this.snapshotIndex < every) return;
    const meta = this.core.snapshotMeta();
    const index = meta.index;
    const data = wrapSnapshotData(this.sessions.encode(), await this.sm.snapshot());
    const snapshot: Snapshot = { meta, data };
    await this.storage.saveSnapshot(snapshot);
    this.snapshotIndex = index;
    this.latestSnapshot = snapshot;
    const keepFrom = Math.max(0, index - (this.opts.snapshotTrailing ?? 1_000));
    this.core.applySnapshotCreated(snapshot, keepFrom);
    await this.storage.compact(keepFrom);
    publish(channels.raftSnapshot, { id: this.id, index, restored: false });
    this.log.info({ index, compactedTo: keepFrom }, 'snapshot taken');
  }

  // ---- helpers ---------------------------------------------------------------

  private changeConf(cc: ConfChange, options: { timeoutMs?: number }): Promise<ConfState> {
    return new Promise<ConfState>((resolve, reject) => {
      if (!this.checkOpen(reject)) return;
      if (this.role !== 'leader') return reject(new NotLeaderError(this.leader, 'membership change'));
      if (this.confWaiter) return reject(new FlynnError('FLYNN_RAFT_CONF_CHANGE_PENDING', 'raft: a membership change is already in flight', { apiCode: 'conflict', retry: true }));
      const timer = this.timeout(options.timeoutMs, 'membership change', () => (this.confWaiter = undefined), reject);
      this.confWaiter = { resolve, reject, timer, cc };
      this.push({ kind: 'conf', cc });
    });
  }

  private syncPeers(): void {
    for (const id of [...this.conf.voters, ...this.conf.learners]) {
      if (id !== this.id) this.transport.addPeer(id, this.addresses.get(id) ?? id);
    }
  }

  private checkOpen(reject: (e: unknown) => void): boolean {
    if (this.stopped || this.failure) {
      reject(new RaftShutdownError(this.failure));
      return false;
    }
    return true;
  }

  private defaultTimeout(): number {
    return this.opts.timeoutMs ?? 30_000;
  }

  private timeout(ms: number | undefined, what: string, forget: () => void, reject: (e: unknown) => void): Timer {
    const t = ms ?? this.defaultTimeout();
    return this.clock.setTimer(t, () => {
      forget();
      reject(new RaftTimeoutError(what, t));
    });
  }

  private settle<T extends { timer: Timer }>(map: Map<number, T>, seq: number, fn: (p: T) => void): void {
    const p = map.get(seq);
    if (!p) return;
    map.delete(seq);
    p.timer.cancel();
    fn(p);
  }

  private rejectAll(err: unknown): void {
    for (const [seq] of this.proposals) this.settle(this.proposals, seq, (p) => p.reject(err));
    for (const [seq] of this.reads) this.settle(this.reads, seq, (p) => p.reject(err));
    if (this.confWaiter) {
      this.confWaiter.timer.cancel();
      this.confWaiter.reject(err);
      this.confWaiter = undefined;
    }
  }

  /** Fail-stop: a storage error or a broken invariant stops the node; nothing continues silently. */
  private fail(err: unknown): void {
    this.failure = err;
    this.tickTimer?.cancel();
    this.log.error({ err }, 'raft node failed; stopping');
    this.rejectAll(new RaftShutdownError(err));
  }

  /** The error that stopped the node, if any. */
  get error(): unknown {
    return this.failure;
  }
}

function cloneConf(c: ConfState): ConfState {
  return { voters: [...c.voters], learners: [...c.learners] };
}
