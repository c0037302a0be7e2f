/**
 * The leader's queue of 'safe' ReadIndex requests (etcd `read_only.go`). Each
 * request records the commit index when it arrived; it is answered once a
 * quorum of voters acknowledged a heartbeat carrying its context (which proves
 * this node was still the leader after the request arrived). Acknowledging a
 * request also acknowledges every request queued before it.
 */
import type { Message, NodeId } from './types.js';

interface ReadRequest {
  index: number;
  req: Message;
  acks: Set<NodeId>;
}

export interface ReadyRead {
  index: number;
  req: Message;
}

/** A string key for a context (hex), so byte-equal contexts collide as they should. */
export function contextKey(ctx: Uint8Array): string {
  let s = '';
  for (const b of ctx) s += b.toString(16).padStart(2, '0');
  return s;
}

export class ReadOnly {
  private readonly pending = new Map<string, ReadRequest>();
  private readonly queue: string[] = [];

  /** Queues `req` (whose `context` identifies it) to be answered at `index`. A duplicate context is ignored. */
  addRequest(index: number, req: Message & { context: Uint8Array }): void {
    const key = contextKey(req.context);
    if (this.pending.has(key)) return;
    this.pending.set(key, { index, req, acks: new Set() });
    this.queue.push(key);
  }

  /** Records that `from` acknowledged the heartbeat carrying `ctx`; returns the acks so far. */
  recvAck(from: NodeId, ctx: Uint8Array): ReadonlySet<NodeId> | undefined {
    const rs = this.pending.get(contextKey(ctx));
    if (!rs) return undefined;
    rs.acks.add(from);
    return rs.acks;
  }

  /**
   * Releases the request with context `ctx` and every request queued before
   * it, in order, if `isQuorum` says its acks form a quorum.
   */
  maybeAdvance(ctx: Uint8Array, isQuorum: (acks: ReadonlySet<NodeId>) => boolean): ReadyRead[] {
    const key = contextKey(ctx);
    const rs = this.pending.get(key);
    if (!rs || !isQuorum(rs.acks)) return [];
    const at = this.queue.indexOf(key);
    const released = this.queue.splice(0, at + 1);
    return released.map((k) => {
      const r = this.pending.get(k)!;
      this.pending.delete(k);
      return { index: r.index, req: r.req };
    });
  }

  /** The context of the newest pending request (sent with every heartbeat), if any. */
  lastPendingContext(): Uint8Array | undefined {
    const key = this.queue[this.queue.length - 1];
    return key === undefined ? undefined : this.pending.get(key)!.req.context;
  }

  size(): number {
    return this.queue.length;
  }
}
