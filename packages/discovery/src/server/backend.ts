/**
 * The contract between the discovery HTTP API / DNS server and the replicated
 * store behind them. `DiscoveryStore` (raft-backed) implements it; the HTTP
 * handler and the DNS server only see this interface.
 *
 * Errors: methods throw `FlynnError`s whose `apiCode` gives the HTTP answer:
 * `object_not_found` (404), `object_exists` (409), `precondition_failed` (412),
 * `validation_error` (400), `service_unavailable` (503, `retry: true`, e.g. no
 * leader, or this node is still catching up after a restart), and
 * `NotLeaderError` (from @flynn-ts/raft, `leader` = the leader's node id =
 * its `host:port`) for writes on a follower, which the HTTP layer turns into
 * a 307 to the leader.
 */
import type { DiscoveryEvent, EventKindSet, Instance, ServiceConfig, ServiceMeta } from '../core/types.js';

export interface MetaWrite {
  data: unknown;
  /** Expected current index: 0 = create only (409 if it exists); n = must equal the stored index (412 otherwise). */
  index: number;
  /** Optionally set the service leader in the same write. */
  leader_id?: string;
}

export interface ReadOptions {
  /** Linearizable read (ReadIndex) instead of the local state. */
  consistent?: boolean;
}

export interface Subscription {
  /** Stops delivery; idempotent. */
  close(): void;
}

export interface DiscoveryBackend {
  // --- reads (local by default; throw service_unavailable while catching up) ---
  /** The service's config, or undefined if it does not exist. */
  getService(service: string, opts?: ReadOptions): Promise<ServiceConfig | undefined>;
  /** Live instances sorted by index; undefined if the service does not exist. */
  getInstances(service: string, opts?: ReadOptions): Promise<Instance[] | undefined>;
  getLeader(service: string, opts?: ReadOptions): Promise<Instance | undefined>;
  getMeta(service: string, opts?: ReadOptions): Promise<ServiceMeta | undefined>;
  /** All service names, sorted. */
  listServices(opts?: ReadOptions): Promise<string[]>;

  // --- writes (leader only: NotLeaderError elsewhere) ---
  /** Creates a service; object_exists if it exists. */
  addService(service: string, config: ServiceConfig): Promise<void>;
  /** Deletes a service, its instances (each gets `down`) and its meta; object_not_found if missing. */
  removeService(service: string): Promise<void>;
  /**
   * Registers or heartbeats an instance (index ignored). A heartbeat of an
   * unchanged, known instance only refreshes its timestamp on the leader (no
   * raft write). object_not_found if the service does not exist.
   */
  register(service: string, instance: Omit<Instance, 'index'>): Promise<void>;
  /** Deregisters; idempotent (no error if already gone). */
  deregister(service: string, id: string): Promise<void>;
  /** Compare-and-swap of the service metadata; returns the stored meta with its new index. */
  setMeta(service: string, write: MetaWrite): Promise<ServiceMeta>;
  /** Sets the leader of a `manual` service (validation_error otherwise). */
  setLeader(service: string, id: string): Promise<void>;

  /**
   * Streams a service's events: first the current state (`up` per instance
   * in index order, then `leader`, then `service_meta`, then `current`), each
   * part only if `kinds` includes it, then live events in commit order. Works
   * for a service that does not exist yet. `onEvent` is called synchronously
   * in order; the caller must not block. Its `index`, when the backend knows
   * it, is the raft index of the state the event belongs to: for replayed
   * events the index the replayed state is as of, for a live event the index
   * of the command that produced it (non-decreasing along a subscription).
   * The HTTP API sends it as the SSE `id:` when asked (see `Discoverd-Event-Index`).
   */
  subscribe(service: string, kinds: EventKindSet, onEvent: (e: DiscoveryEvent, index?: number) => void): Subscription;

  // --- cluster ---
  /** Last applied raft index (the `Discoverd-Index` header). */
  lastIndex(): number;
  /** Raft peer addresses (`Discoverd-Peers`), leader first when known. */
  peers(): string[];
  /** The raft leader's address, or undefined. */
  leaderAddress(): string | undefined;
  /** This node's advertised address (host:port). */
  selfAddress(): string;
  /** True when this node is a raft member (not a proxy). */
  isMember(): boolean;
  /** Adds a raft peer (leader only). Returns the index the change committed at. */
  addPeer(address: string): Promise<{ last_index: number }>;
  removePeer(address: string): Promise<void>;
  /** This node joins the raft set (proxy → member). */
  promote(): Promise<void>;
  /** This node leaves the raft set (member → proxy). */
  demote(): Promise<void>;
  /** Deregisters local registrations, hands over leadership, closes; returns the last index. */
  shutdown(): Promise<{ last_index: number }>;
}
