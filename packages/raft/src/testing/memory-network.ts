/**
 * An in-process network for tests: one `MemoryNetwork`, one `Transport` per
 * node (`network.transport(id)`), and faults you switch on and off
 * (`partition`, `isolate`, `drop`, `delay`, `duplicate`, `reorder`, `heal`).
 *
 * Everything runs on the injected `Clock` and `Random`, so a seed replays
 * exactly. Delivery is always asynchronous through `clock.setTimer`: a message
 * with delay 0 is due "now" and is delivered when the clock next runs its due
 * timers. With `ManualClock` that means nothing arrives until the test calls
 * `advance(...)` (`advance(0)` suffices for zero delay), and a message sent from
 * inside a delivery with delay 0 is delivered within the same `advance` call.
 *
 * Messages go through the binary codec (`encodeMessage`/`decodeMessage`), so
 * nodes never share objects and every test exercises the codec.
 *
 * Per-link (sender → receiver) delivery is FIFO unless `reorder` is set.
 * Like a real network, partitions and drops are silent; `unreachable` is
 * reported only when the receiver has no open, started transport. Snapshot
 * messages report `snapshotStatus(to, true)` once delivered and `false` when
 * lost (dropped, cut off, or the receiver is gone).
 */
import type { Clock, Random } from '@flynn-ts/core';
import { InvariantError } from '@flynn-ts/core';
import { decodeMessage, encodeMessage } from '../codec.js';
import type { Message, NodeId } from '../core/types.js';
import { FaultRules, type LinkSelector } from './memory-network-faults.js';
import { MemoryTransport } from './memory-network-transport.js';
import { NetworkLink, type LinkItem } from './memory-network-link.js';

export type { LinkSelector } from './memory-network-faults.js';
export { MemoryTransport } from './memory-network-transport.js';

export interface MemoryNetworkOptions {
  clock: Clock;
  random: Random;
}

/** Counters since the network was created. */
export interface MemoryNetworkStats {
  /** Messages handed to `send` by open, started transports. */
  sent: number;
  /** Messages handed to a receiver's `deliver` (duplicates included). */
  delivered: number;
  /** Messages lost to `drop`, partitions or isolation. */
  dropped: number;
  /** Extra copies made by `duplicate`. */
  duplicated: number;
  /** `unreachable` reports (receiver unknown, closed or not started). */
  unreachable: number;
}

/** The network's side of a transport; `MemoryTransport` calls these. */
export interface NetworkPort {
  route(sender: MemoryTransport, target: NodeId, msg: Message): void;
  detach(sender: MemoryTransport): void;
}

export class MemoryNetwork {
  private readonly clock: Clock;
  private readonly random: Random;
  private readonly transports = new Map<NodeId, MemoryTransport>();
  private readonly links = new Map<string, NetworkLink>();
  private readonly faults = new FaultRules();
  private groups = new Map<NodeId, number>();
  private partitioned = false;
  private readonly isolated = new Set<NodeId>();
  private readonly counters: MemoryNetworkStats = { sent: 0, delivered: 0, dropped: 0, duplicated: 0, unreachable: 0 };
  private readonly port: NetworkPort = {
    route: (sender, target, msg) => this.route(sender, target, msg),
    detach: (sender) => this.detach(sender),
  };

  constructor(options: MemoryNetworkOptions) {
    this.clock = options.clock;
    this.random = options.random;
  }

  /**
   * A new transport for node `id`. Peers are addressed by node id; `addPeer(id, address)`
   * may map a peer id to another node id of this network. Throws if a transport
   * for `id` is open; after `close()` the id may be reused (a restarted node).
   */
  transport(id: NodeId): MemoryTransport {
    const existing = this.transports.get(id);
    if (existing && !existing.closed) throw new InvariantError('MemoryNetwork: a transport for this id is already open', { id });
    const t = new MemoryTransport(id, this.port);
    this.transports.set(id, t);
    return t;
  }

  /**
   * Splits the nodes into groups that cannot reach each other. Nodes not named
   * in any group form one more group together. Replaces the previous partition;
   * `heal()` removes it.
   */
  partition(...groups: ReadonlyArray<readonly NodeId[]>): void {
    this.groups = new Map();
    groups.forEach((g, i) => g.forEach((id) => this.groups.set(id, i)));
    this.partitioned = true;
  }

  /** Cuts `id` off from every other node until `heal()`. */
  isolate(id: NodeId): void {
    this.isolated.add(id);
  }

  /** Loses each matching message with probability `rate`. `link` fields left out match any node. */
  drop(rate: number, link: LinkSelector = {}): void {
    this.faults.set('drop', link, checkRate(rate));
  }

  /** Delays matching messages by a uniformly random integer in [minMs, maxMs]. */
  delay(minMs: number, maxMs: number = minMs, link: LinkSelector = {}): void {
    if (!(minMs >= 0 && maxMs >= minMs)) throw new RangeError(`MemoryNetwork.delay: need 0 <= min <= max, got ${minMs}, ${maxMs}`);
    this.faults.set('delay', link, [Math.floor(minMs), Math.floor(maxMs)]);
  }

  /** Delivers an extra copy of each matching message with probability `rate`. */
  duplicate(rate: number, link: LinkSelector = {}): void {
    this.faults.set('duplicate', link, checkRate(rate));
  }

  /** With probability `rate`, a matching message overtakes messages still queued on its link. */
  reorder(rate: number, link: LinkSelector = {}): void {
    this.faults.set('reorder', link, checkRate(rate));
  }

  /** Removes partitions, isolation and every fault. Messages already queued stay queued. */
  heal(): void {
    this.groups = new Map();
    this.partitioned = false;
    this.isolated.clear();
    this.faults.clear();
  }

  /** True when messages between `a` and `b` are cut by a partition or isolation. */
  isCut(a: NodeId, b: NodeId): boolean {
    if (a === b) return false;
    if (this.isolated.has(a) || this.isolated.has(b)) return true;
    return this.partitioned && (this.groups.get(a) ?? -1) !== (this.groups.get(b) ?? -1);
  }

  /** Messages queued on links and not yet delivered (or reported lost). */
  get inFlight(): number {
    let n = 0;
    for (const l of this.links.values()) n += l.size;
    return n;
  }

  stats(): Readonly<MemoryNetworkStats> {
    return { ...this.counters };
  }

  private route(sender: MemoryTransport, target: NodeId, msg: Message): void {
    this.counters.sent++;
    const snap = msg.type === 'snap';
    const bytes = encodeMessage(msg);
    const from = sender.id;
    const dropRate = this.faults.get('drop', from, target) ?? 0;
    const lost = this.isCut(from, target) || (dropRate > 0 && this.random.chance(dropRate));
    if (lost) {
      this.counters.dropped++;
      // A lost snapshot still has to be reported, after the link's delay like a timeout.
      if (!snap) return;
    }
    const [minMs, maxMs] = this.faults.get('delay', from, target) ?? [0, 0];
    const delay = maxMs > minMs ? this.random.between(minMs, maxMs) : minMs;
    const reorderRate = this.faults.get('reorder', from, target) ?? 0;
    const dupRate = this.faults.get('duplicate', from, target) ?? 0;
    const link = this.link(from, target);
    const item: LinkItem = { at: this.clock.monotonic() + delay, sender, target, to: msg.to, bytes, snap, lost, copy: false };
    const overtake = reorderRate > 0 && link.size > 0 && this.random.chance(reorderRate) ? this.random.int(link.size) : undefined;
    link.enqueue(item, overtake);
    if (!lost && dupRate > 0 && this.random.chance(dupRate)) {
      this.counters.duplicated++;
      link.enqueue({ ...item, copy: true });
    }
  }

  private deliver(item: LinkItem): void {
    const { sender, to } = item;
    if (sender.closed) return;
    const receiver = this.transports.get(item.target);
    if (item.lost || this.isCut(sender.id, item.target)) {
      if (!item.lost) this.counters.dropped++;
      if (item.snap && !item.copy) sender.report((h) => h.snapshotStatus(to, false));
      return;
    }
    if (!receiver || receiver.closed || !receiver.started) {
      this.counters.unreachable++;
      sender.report((h) => h.unreachable(to));
      if (item.snap && !item.copy) sender.report((h) => h.snapshotStatus(to, false));
      return;
    }
    this.counters.delivered++;
    receiver.receive(decodeMessage(item.bytes));
    if (item.snap && !item.copy) sender.report((h) => h.snapshotStatus(to, true));
  }

  private link(from: NodeId, to: NodeId): NetworkLink {
    const key = `${from}\u0000${to}`;
    let link = this.links.get(key);
    if (!link) {
      link = new NetworkLink(this.clock, (item) => this.deliver(item));
      this.links.set(key, link);
    }
    return link;
  }

  private detach(sender: MemoryTransport): void {
    for (const link of this.links.values()) link.purge((item) => item.sender === sender);
  }
}

function checkRate(rate: number): number {
  if (!(rate >= 0 && rate <= 1)) throw new RangeError(`MemoryNetwork: rate must be in [0, 1], got ${rate}`);
  return rate;
}
