/**
 * Raft transport for discovery, where a node's id *is* its address
 * (`host:port`). Raft tells a transport about peers only from the membership
 * it knows, and a node that is joining knows none yet: it could not even
 * answer the leader's first append. This wrapper registers any peer it is
 * asked to send to, with its id as address, so the node can always reply.
 */
import type { Message, NodeId, Transport, TransportHandler } from '@flynn-ts/raft';

export class SelfAddressedTransport implements Transport {
  private readonly known = new Set<NodeId>();

  constructor(readonly inner: Transport) {}

  start(handler: TransportHandler): Promise<void> {
    return this.inner.start(handler);
  }

  send(messages: readonly Message[]): void {
    for (const m of messages) {
      if (this.known.has(m.to)) continue;
      this.known.add(m.to);
      try {
        this.inner.addPeer(m.to, m.to);
      } catch {
        // Not an address: the send below reports the peer unreachable.
      }
    }
    this.inner.send(messages);
  }

  /** Never throws: an address the inner transport rejects leaves the peer unreachable (raft must not fail-stop on it). */
  addPeer(id: NodeId, address: string): void {
    this.known.add(id);
    try {
      this.inner.addPeer(id, address);
    } catch {
      // Sends to it are reported unreachable.
    }
  }

  removePeer(id: NodeId): void {
    this.known.delete(id);
    this.inner.removePeer(id);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
