/**
 * Transport contract. Implementations: `MemoryNetwork` (./testing) and
 * `HttpTransport` (./node). Both run `describeTransport` from
 * `@flynn-ts/raft/testing`.
 *
 * Semantics: best effort, like a network. `send` never blocks and never
 * throws for delivery problems; messages to one peer are delivered in order
 * when they are delivered at all; a peer that cannot be reached is reported
 * through `handler.unreachable`. Snapshot messages (`type: 'snap'`) may be
 * large: implementations stream them and report the outcome through
 * `handler.snapshotStatus`.
 */
import type { Message, NodeId } from './core/types.js';

export interface TransportHandler {
  /** A message arrived for this node. Called in arrival order. */
  deliver(msg: Message): void;
  /** Sending to `to` failed; raft backs off probing it. */
  unreachable(to: NodeId): void;
  /** A snapshot sent to `to` finished (`ok`) or failed. */
  snapshotStatus(to: NodeId, ok: boolean): void;
}

export interface Transport {
  /** Starts receiving; messages for this node go to `handler`. */
  start(handler: TransportHandler): Promise<void>;
  /** Queues messages for sending. Must not throw on delivery failure. */
  send(messages: readonly Message[]): void;
  /** Tells the transport where a peer lives (address format is the implementation's). */
  addPeer(id: NodeId, address: string): void;
  removePeer(id: NodeId): void;
  /** Stops sending and receiving; pending sends are dropped. */
  close(): Promise<void>;
}
