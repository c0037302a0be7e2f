/**
 * A deterministic test network of pure `RaftCore`s (etcd's
 * `rafttest.InteractionEnv`): each node has in-memory "storage" (the Ready
 * applied to arrays), a state machine that records applied entries, and an
 * inbox; a router that can cut links; and `stabilize()`, which loops
 * ready → persist → send → apply → advance → deliver until nothing happens.
 *
 * Everything that happens is rendered into a transcript (`output()`), and
 * safety properties are checked after every step (`violations`). Reusable by
 * simulators: all randomness comes from the seeded `random`.
 */
import { seededRandom } from '@flynn-ts/core';
import type { Logger, LogFields, Random } from '@flynn-ts/core';
import { compareNodeIds, decodeConfChange } from '../core/conf-change.js';
import type { RaftConfig } from '../core/config.js';
import { RaftCore } from '../core/raft.js';
import type { ConfState, Entry, HardState, Message, NodeId, ReadState, Ready, Snapshot } from '../core/types.js';
import { describeMessage, describeReady, describeStatus } from './interaction-render.js';
import { SafetyChecker } from './interaction-safety.js';
import type { AppliedEntry } from './interaction-safety.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'none';
const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, none: 100 };

/** Per-node core options the env passes through (everything but identity, log and randomness). */
export type NodeOptions = Omit<RaftConfig, 'id' | 'random' | 'log' | 'applied' | 'peers' | 'learners' | 'logger' | 'snapshotSource'>;

export interface EnvStorage {
  hardState: HardState | undefined;
  snapshot: Snapshot | undefined;
  entries: Entry[];
}

export interface EnvNode {
  id: NodeId;
  core: RaftCore;
  options: NodeOptions;
  storage: EnvStorage;
  /** The state machine: every applied entry, in order (from the snapshot on). */
  applied: AppliedEntry[];
  appliedIndex: number;
  conf: ConfState;
  readStates: ReadState[];
}

export interface EnvOptions {
  seed?: number;
  logLevel?: LogLevel;
}

export class InteractionEnv {
  readonly nodes = new Map<NodeId, EnvNode>();
  readonly random: Random;
  readonly safety = new SafetyChecker();
  logLevel: LogLevel;
  /** Called with every Ready before it is handled (for checks in tests and simulators). */
  onReady: ((id: NodeId, rd: Ready) => void) | undefined;
  /** Called for every message taken from an inbox; `delivered` is false if its link was cut. */
  onDeliver: ((m: Message, delivered: boolean) => void) | undefined;
  private readonly inboxes = new Map<NodeId, Message[]>();
  private readonly cuts = new Set<string>();
  private lines: string[] = [];
  private indent = '';

  constructor(options: EnvOptions = {}) {
    this.random = seededRandom(options.seed ?? 1);
    this.logLevel = options.logLevel ?? 'info';
  }

  // --- transcript ------------------------------------------------------------

  write(line: string): void {
    if (this.logLevel === 'none') return;
    this.lines.push(this.indent + line);
  }

  /** Returns and clears the transcript written since the last call. */
  takeOutput(): string[] {
    const out = this.lines;
    this.lines = [];
    return out;
  }

  private loggerFor(id: NodeId): Logger {
    const log = (level: Exclude<LogLevel, 'none'>) => (_fields: LogFields, msg?: string) => {
      if (LEVELS[level] >= LEVELS[this.logLevel]) this.write(`${level.toUpperCase()} ${id} ${msg ?? ''}`);
    };
    const logger: Logger = { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error'), child: () => logger };
    return logger;
  }

  // --- nodes -----------------------------------------------------------------

  ids(): NodeId[] {
    return [...this.nodes.keys()].sort(compareNodeIds);
  }

  node(id: NodeId): EnvNode {
    const n = this.nodes.get(id);
    if (!n) throw new Error(`no node ${id}`);
    return n;
  }

  /**
   * Adds `count` nodes with the next free numeric ids. With `bootstrap`, they
   * found a new cluster with these voters (and learners); otherwise they start
   * empty, to be added by conf changes.
   */
  addNodes(count: number, options: NodeOptions = {}, bootstrap?: { voters: NodeId[]; learners?: NodeId[] }): NodeId[] {
    const added: NodeId[] = [];
    let next = this.nodes.size + 1;
    for (let i = 0; i < count; i++) {
      while (this.nodes.has(String(next))) next++;
      added.push(String(next++));
    }
    for (const id of added) {
      const storage: EnvStorage = { hardState: undefined, snapshot: undefined, entries: [] };
      const node: EnvNode = {
        id,
        options,
        storage,
        applied: [],
        appliedIndex: 0,
        conf: { voters: [], learners: [] },
        readStates: [],
        core: undefined as unknown as RaftCore,
      };
      node.core = this.newCore(node, bootstrap);
      node.appliedIndex = node.core.status().applied;
      node.conf = node.core.status().conf;
      this.nodes.set(id, node);
      this.inboxes.set(id, []);
    }
    return added;
  }

  private newCore(node: EnvNode, bootstrap?: { voters: NodeId[]; learners?: NodeId[] }): RaftCore {
    const config: RaftConfig = {
      ...node.options,
      id: node.id,
      random: this.random,
      log: { hardState: node.storage.hardState, snapshot: node.storage.snapshot, entries: node.storage.entries.slice() },
      applied: node.appliedIndex,
      logger: this.loggerFor(node.id),
      snapshotSource: () => node.storage.snapshot,
    };
    if (bootstrap) {
      config.peers = bootstrap.voters;
      if (bootstrap.learners) config.learners = bootstrap.learners;
    }
    return new RaftCore(config);
  }

  /**
   * Crash and restart: volatile state and the inbox are lost; the core is
   * rebuilt from storage and the state machine from the snapshot.
   */
  restart(id: NodeId): void {
    const node = this.node(id);
    const snap = node.storage.snapshot;
    node.applied = snap ? decodeSnapshotData(snap.data) : [];
    node.appliedIndex = snap?.meta.index ?? 0;
    node.readStates = [];
    this.inboxes.set(id, []);
    node.core = this.newCore(node);
    node.conf = node.core.status().conf;
  }

  // --- network ---------------------------------------------------------------

  private static link(a: NodeId, b: NodeId): string {
    return compareNodeIds(a, b) < 0 ? `${a}|${b}` : `${b}|${a}`;
  }

  /** Cuts the link between `a` and `b` (both directions). */
  cut(a: NodeId, b: NodeId): void {
    this.cuts.add(InteractionEnv.link(a, b));
  }

  /** Cuts every link between `group` and the other nodes. */
  partition(group: readonly NodeId[]): void {
    for (const a of group) for (const b of this.ids()) if (!group.includes(b)) this.cut(a, b);
  }

  heal(): void {
    this.cuts.clear();
  }

  connected(a: NodeId, b: NodeId): boolean {
    return !this.cuts.has(InteractionEnv.link(a, b));
  }

  inbox(id: NodeId): readonly Message[] {
    return this.inboxes.get(id) ?? [];
  }

  /** Queues messages (as if sent). Messages to unknown nodes vanish. */
  send(messages: readonly Message[]): void {
    for (const m of messages) this.inboxes.get(m.to)?.push(m);
  }

  /** Drops queued messages for `to` matching `filter` (all by default); returns how many. */
  dropMessages(to: NodeId, filter: (m: Message) => boolean = () => true): number {
    const box = this.inboxes.get(to) ?? [];
    const keep = box.filter((m) => !filter(m));
    this.inboxes.set(to, keep);
    return box.length - keep.length;
  }

  // --- the Ready cycle -------------------------------------------------------

  /** Handles one Ready of node `id`: persist, send, apply, advance. Returns false if there was none. */
  processReady(id: NodeId): boolean {
    const node = this.node(id);
    if (!node.core.hasReady()) return false;
    const rd = node.core.ready();
    this.onReady?.(id, rd);
    this.write(`> ${id} handling Ready`);
    this.nested(() => {
      for (const line of describeReady(rd)) this.write(line);
      this.persist(node, rd);
      this.send(rd.messages);
      this.apply(node, rd);
      node.core.advance(rd);
    });
    this.observe();
    return true;
  }

  private persist(node: EnvNode, rd: Ready): void {
    const st = node.storage;
    if (rd.snapshot) {
      st.snapshot = rd.snapshot;
      st.entries = st.entries.filter((e) => e.index > rd.snapshot!.meta.index);
    }
    const first = rd.entries[0];
    if (first) {
      st.entries = st.entries.filter((e) => e.index < first.index).concat(rd.entries);
    }
    if (rd.hardState) st.hardState = rd.hardState;
  }

  private apply(node: EnvNode, rd: Ready): void {
    if (rd.snapshot) {
      node.applied = decodeSnapshotData(rd.snapshot.data);
      node.appliedIndex = rd.snapshot.meta.index;
      node.conf = rd.snapshot.meta.conf;
    }
    for (const e of rd.committedEntries) {
      if (e.type === 'conf-change') node.conf = node.core.applyConfChange(decodeConfChange(e.data));
      node.applied.push({ index: e.index, term: e.term, data: new TextDecoder().decode(e.data), conf: e.type === 'conf-change' });
      node.appliedIndex = e.index;
    }
    node.readStates.push(...rd.readStates);
  }

  /** Steps every queued message into node `id` (dropping those on cut links). */
  deliverMessages(id: NodeId): number {
    const box = this.inboxes.get(id) ?? [];
    if (box.length === 0) return 0;
    this.inboxes.set(id, []);
    this.write(`> ${id} receiving messages`);
    this.nested(() => {
      for (const m of box) this.deliver(m);
    });
    return box.length;
  }

  private deliver(m: Message): void {
    const to = this.node(m.to);
    const ok = this.connected(m.from, m.to);
    this.onDeliver?.(m, ok);
    this.write(ok ? describeMessage(m) : `${describeMessage(m)} DROPPED`);
    const sender = this.nodes.get(m.from);
    if (ok) {
      this.nested(() => to.core.step(m));
      this.observe();
    } else if (m.type !== 'snap') {
      return;
    }
    // The transport reports how sending a snapshot went.
    if (m.type === 'snap') sender?.core.reportSnapshot(m.to, ok);
  }

  /** Processes Readies and delivers messages until the network is quiet. */
  stabilize(ids: readonly NodeId[] = this.ids(), maxRounds = 1000): void {
    for (let round = 0; round < maxRounds; round++) {
      let busy = false;
      for (const id of ids) if (this.processReady(id)) busy = true;
      for (const id of ids) if (this.deliverMessages(id) > 0) busy = true;
      if (!busy) return;
    }
    throw new Error(`stabilize did not converge within ${maxRounds} rounds`);
  }

  /** Ticks node `id` `n` times. */
  tick(id: NodeId, n = 1): void {
    const core = this.node(id).core;
    for (let i = 0; i < n; i++) core.tick();
    this.observe();
  }

  /**
   * Ticks through one election timeout. A leader ticks `electionTick` times
   * (exactly one check-quorum interval). Any other node ticks until it acts on
   * the timeout (its role changes, or it has messages to send, e.g. a new
   * pre-vote round), at most 2×electionTick ticks. Returns the ticks used.
   */
  tickElection(id: NodeId): number {
    const node = this.node(id);
    const electionTick = node.options.electionTick ?? 10;
    const role = node.core.role;
    if (role === 'leader') {
      this.tick(id, electionTick);
      return electionTick;
    }
    const hadReady = node.core.hasReady();
    for (let i = 1; i <= 2 * electionTick; i++) {
      node.core.tick();
      this.observe();
      if (node.core.role !== role || (!hadReady && node.core.hasReady())) return i;
    }
    return 2 * electionTick;
  }

  /** Takes a snapshot of node `id`'s state machine at its applied index and compacts its log through `compactTo`. */
  snapshot(id: NodeId, compactTo?: number): Snapshot {
    const node = this.node(id);
    const meta = node.core.snapshotMeta();
    const snap: Snapshot = { meta, data: encodeSnapshotData(node.applied) };
    const to = compactTo ?? meta.index;
    node.storage.snapshot = snap;
    node.storage.entries = node.storage.entries.filter((e) => e.index > to);
    node.core.applySnapshotCreated(snap, to);
    return snap;
  }

  status(id: NodeId): string[] {
    return describeStatus(this.node(id).core.status());
  }

  /** Runs the safety checks on the current state (they also run after every step). */
  observe(): void {
    for (const node of this.nodes.values()) this.safety.observe(node);
  }

  /** Runs `fn` without writing to the transcript (safety checks still run). */
  quietly<T>(fn: () => T): T {
    const saved = this.lines;
    const level = this.logLevel;
    this.lines = [];
    this.logLevel = 'none';
    try {
      return fn();
    } finally {
      this.lines = saved;
      this.logLevel = level;
    }
  }

  nested(fn: () => void): void {
    const saved = this.indent;
    this.indent += '  ';
    try {
      fn();
    } finally {
      this.indent = saved;
    }
  }
}

export function encodeSnapshotData(applied: readonly AppliedEntry[]): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(applied));
}

export function decodeSnapshotData(data: Uint8Array): AppliedEntry[] {
  return JSON.parse(new TextDecoder().decode(data)) as AppliedEntry[];
}
