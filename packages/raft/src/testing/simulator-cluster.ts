/**
 * `SimCluster`: N `RaftNode`s over one `MemoryNetwork`, each on its own
 * `MemoryStorage` (behind `LatencyStorage`), all on one `ManualClock` and one
 * seeded `Random`, with crash and restart. Every node's state machine is
 * wrapped so the `SafetyMonitor` sees each applied command, state change and
 * restored snapshot, and every leadership is reported to it.
 *
 * Generic over the replicated state machine, so other packages (discovery)
 * can run their own reducer through the same harness.
 */
import type { Random } from '@flynn-ts/core';
import type { ManualClock } from '@flynn-ts/core/testing';
import type { NodeId } from '../core/types.js';
import { RaftNode } from '../node.js';
import type { RaftNodeOptions } from '../node.js';
import type { StateMachine } from '../state-machine.js';
import type { MemoryNetwork, MemoryTransport } from './memory-network.js';
import { MemoryStorage } from './memory-storage.js';
import type { CrashKind } from './memory-storage.js';
import { hashBytes, hashString } from './simulator-safety.js';
import type { IncarnationRecord, SafetyMonitor } from './simulator-safety.js';
import { LatencyStorage } from './simulator-storage.js';

/** A state machine the monitor can inspect: where its state last changed, and the state as a canonical string. */
export interface InspectableStateMachine<R> extends StateMachine<R> {
  /** The index of the last command that changed the state. */
  readonly stateIndex: number;
  /** The whole replicated state, canonically serialised (equal states give equal strings). */
  state(): string;
}

/** Options passed to every `RaftNode` (the cluster supplies id, storage, transport, state machine, clock and random). */
export type SimNodeOptions<R> = Partial<Omit<RaftNodeOptions<R>, 'id' | 'storage' | 'transport' | 'stateMachine' | 'clock' | 'random' | 'bootstrap'>>;

export interface SimClusterOptions<R, S extends InspectableStateMachine<R>> {
  ids: readonly NodeId[];
  clock: ManualClock;
  random: Random;
  network: MemoryNetwork;
  monitor: SafetyMonitor;
  createStateMachine: () => S;
  nodeOptions?: SimNodeOptions<R>;
  /** Disk latency per save, [min, max] ms. Default [0, 0]. */
  storageLatencyMs?: readonly [number, number];
  /** Called with notable events (leader changes), for the trace. */
  onEvent?: (line: string) => void;
}

/** One incarnation of a node: from a start to its crash. */
export interface SimMember<R, S> {
  readonly id: NodeId;
  /** `n2#3`: the third start of n2. */
  readonly name: string;
  readonly node: RaftNode<R>;
  readonly sm: S;
  readonly storage: LatencyStorage;
  readonly transport: MemoryTransport;
  readonly record: IncarnationRecord;
  alive: boolean;
}

export class SimCluster<R, S extends InspectableStateMachine<R>> {
  readonly ids: readonly NodeId[];
  private readonly live = new Map<NodeId, SimMember<R, S>>();
  /** Crashed nodes and the storage they will restart from. */
  private readonly down = new Map<NodeId, MemoryStorage>();
  private readonly starts = new Map<NodeId, number>();

  constructor(private readonly opts: SimClusterOptions<R, S>) {
    this.ids = opts.ids;
  }

  /** Starts every node of a new cluster (all founders). */
  async startAll(): Promise<void> {
    for (const id of this.ids) await this.start(id, new MemoryStorage());
  }

  members(): Array<SimMember<R, S>> {
    return [...this.live.values()];
  }

  member(id: NodeId): SimMember<R, S> | undefined {
    return this.live.get(id);
  }

  downIds(): NodeId[] {
    return [...this.down.keys()];
  }

  /** The live leader with the highest term, if any. */
  leader(): SimMember<R, S> | undefined {
    let best: SimMember<R, S> | undefined;
    for (const m of this.live.values()) {
      if (m.node.isLeader && (!best || m.node.status().term > best.node.status().term)) best = m;
    }
    return best;
  }

  /**
   * Kills a node: its storage keeps what a crash of `kind` keeps, its
   * transport closes at once and the old `RaftNode` is stopped in the
   * background (pending calls reject with `RaftShutdownError`).
   */
  crash(id: NodeId, kind: CrashKind): void {
    const m = this.live.get(id);
    if (!m) throw new Error(`SimCluster: ${id} is not running`);
    m.alive = false;
    this.live.delete(id);
    this.down.set(id, m.storage.crash(kind));
    void m.transport.close();
    m.node.stop().catch(() => {});
  }

  /** Restarts a crashed node from what its storage kept. */
  async restart(id: NodeId): Promise<SimMember<R, S>> {
    const storage = this.down.get(id);
    if (!storage) throw new Error(`SimCluster: ${id} is not down`);
    this.down.delete(id);
    return this.start(id, storage);
  }

  /**
   * Stops every live node. A node may be waiting for its storage, which needs
   * the clock to move: advance it until this resolves.
   */
  async stopAll(): Promise<void> {
    const members = [...this.live.values()];
    this.live.clear();
    for (const m of members) m.alive = false;
    await Promise.all(members.map((m) => m.node.stop().catch(() => {})));
  }

  private async start(id: NodeId, inner: MemoryStorage): Promise<SimMember<R, S>> {
    const { clock, random, network, monitor } = this.opts;
    const n = (this.starts.get(id) ?? 0) + 1;
    this.starts.set(id, n);
    const name = `${id}#${n}`;
    const record: IncarnationRecord = { name, lastIndex: 0, lastState: 0 };
    const sm = this.opts.createStateMachine();
    const storage = new LatencyStorage(inner, clock, random, this.opts.storageLatencyMs ?? [0, 0]);
    const transport = network.transport(id);
    // eslint-disable-next-line prefer-const -- read by the state machine before RaftNode.start returns
    let node: RaftNode<R> | undefined;
    const stateMachine: StateMachine<R> = {
      apply: async (command, meta) => {
        monitor.apply(record, meta.index, meta.term, hashBytes(command), node?.status().term ?? Infinity);
        const before = sm.stateIndex;
        const result = await sm.apply(command, meta);
        if (sm.stateIndex !== before) monitor.state(record, sm.stateIndex, digest(sm));
        return result;
      },
      snapshot: () => sm.snapshot(),
      restore: async (data) => {
        await sm.restore(data);
        monitor.restore(record, sm.stateIndex, digest(sm));
      },
    };
    node = await RaftNode.start<R>({
      ...this.opts.nodeOptions,
      id,
      storage,
      transport,
      stateMachine,
      clock,
      random,
      bootstrap: this.ids,
    });
    const member: SimMember<R, S> = { id, name, node, sm, storage, transport, record, alive: true };
    let lastLeader = '';
    node.onStatusChange((s) => {
      if (s.role === 'leader') monitor.leader(id, s.term, s.lastIndex);
      if (s.leader !== lastLeader && member.alive) this.opts.onEvent?.(`${name} leader=${s.leader || '-'} term=${s.term}`);
      lastLeader = s.leader;
    });
    this.live.set(id, member);
    return member;
  }
}

/** The monitor's digest of a state machine's state. */
export function digest(sm: InspectableStateMachine<unknown>): string {
  return hashString(sm.state()).toString(16).padStart(8, '0');
}
