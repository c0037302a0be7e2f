/**
 * A node's `Transport` on a `MemoryNetwork` (create it with
 * `network.transport(id)`). Peers are reached by node id; `addPeer(id, address)`
 * can map a peer id to another node id of the network (the address), and
 * `removePeer` drops that mapping again. Sends before `start()` or after
 * `close()` are ignored; so are messages arriving for it then.
 */
import type { Message, NodeId } from '../core/types.js';
import type { Transport, TransportHandler } from '../transport.js';
import type { NetworkPort } from './memory-network.js';

export class MemoryTransport implements Transport {
  private handler: TransportHandler | undefined;
  private readonly addresses = new Map<NodeId, NodeId>();
  private isClosed = false;

  /** @internal Created by `MemoryNetwork.transport(id)`. */
  constructor(
    readonly id: NodeId,
    private readonly network: NetworkPort,
  ) {}

  get started(): boolean {
    return this.handler !== undefined;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  start(handler: TransportHandler): Promise<void> {
    if (!this.isClosed) this.handler = handler;
    return Promise.resolve();
  }

  send(messages: readonly Message[]): void {
    if (this.isClosed || !this.handler) return;
    for (const msg of messages) this.network.route(this, this.addresses.get(msg.to) ?? msg.to, msg);
  }

  addPeer(id: NodeId, address: string): void {
    this.addresses.set(id, address);
  }

  removePeer(id: NodeId): void {
    this.addresses.delete(id);
  }

  close(): Promise<void> {
    if (!this.isClosed) {
      this.isClosed = true;
      this.handler = undefined;
      this.network.detach(this);
    }
    return Promise.resolve();
  }

  /** @internal A message arrived from the network. */
  receive(msg: Message): void {
    this.handler?.deliver(msg);
  }

  /** @internal Reports an outcome to this (sending) node's handler, if it still listens. */
  report(fn: (handler: TransportHandler) => void): void {
    if (this.handler) fn(this.handler);
  }
}
