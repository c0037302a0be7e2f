/**
 * What a discovery client offers, as one interface that both the HTTP
 * {@link DiscoveryClient} and the in-memory `MemoryDiscovery` (./testing)
 * implement. Code that only needs discovery (router, scheduler, overlay) takes
 * a `ServiceDiscovery`, so its unit tests run against the fake, and the shared
 * conformance suite (`describeDiscoveryClient`) keeps the two in step.
 *
 * Errors (all `FlynnError`s; match on `code`):
 * - `FLYNN_DISCOVERY_NOT_FOUND` — the service does not exist (writes);
 * - `FLYNN_DISCOVERY_EXISTS` — `addService` of an existing service;
 * - `FLYNN_DISCOVERY_META_EXISTS` / `FLYNN_DISCOVERY_META_STALE` — meta CAS
 *   conflicts (409 / 412), see `isMetaConflict`;
 * - `FLYNN_DISCOVERY_INVALID` — rejected input (400);
 * - `FLYNN_DISCOVERY_CLOSED` — used after `close()`;
 * - anything transport-level from `@flynn-ts/core/http` (`FLYNN_HTTP_CONNECTION`,
 *   `FLYNN_CORE_TIMEOUT`, an `HttpError` for a 503), with `retry: true`.
 */
import type { DiscoveryEvent, EventKindSet, Instance, LeaderType, ServiceMeta } from '../core/types.js';
import type { LeaderFollower } from './leader-follower.js';

export interface CallOptions {
  signal?: AbortSignal;
}

export interface LookupOptions extends CallOptions {
  /** Linearizable read (sent as `?consistent=true`) instead of the answering node's local state. */
  consistent?: boolean;
}

export interface AddServiceOptions extends CallOptions {
  /** Default `oldest`. */
  leaderType?: LeaderType;
  /** Resolve `false` instead of throwing when the service exists. */
  ifNotExists?: boolean;
}

export interface SetMetaInput extends CallOptions {
  /** Any JSON value. */
  data: unknown;
  /** 0 = create only (409 if meta exists); n = the index read (412 if it moved on). */
  index: number;
  /** Also make this instance the service leader, atomically with the write. */
  leaderId?: string;
}

export interface UpdateMetaOptions extends CallOptions {
  /** Read-modify-write rounds after the first before the last conflict is thrown. Default 10. */
  retries?: number;
  /** Also set the service leader with the write. */
  leaderId?: string;
}

/**
 * Computes the new meta data from the current meta (undefined when there is
 * none). Return `undefined` to leave the meta as it is. Called again on every
 * CAS conflict, so it must be free of side effects.
 */
export type MetaUpdater = (current: ServiceMeta | undefined) => unknown;

export interface RegisterOptions extends CallOptions {
  /** Lowercase alphanumeric. Default `tcp`. */
  proto?: string;
  /** Heartbeat period; each beat comes 0–40 % early (5 s → 3–5 s, as the original). Default 5 000. */
  heartbeatMs?: number;
  /** Fills a leading `:` in `addr`; overrides the client's `externalIp`. */
  externalIp?: string;
  /** How long the first registration keeps retrying retryable failures, in ms. Default 60 000. */
  registerTimeoutMs?: number;
}

/** A live registration: heartbeats until closed. */
export interface Heartbeater {
  readonly service: string;
  /** The instance id (hex MD5 of `proto-addr`). */
  readonly id: string;
  /** The registered address, after `:port` expansion. */
  readonly addr: string;
  readonly proto: string;
  /** The meta sent with every heartbeat. */
  readonly meta: Readonly<Record<string, string>>;
  /**
   * Replaces the instance meta and re-registers at once; resolves when that
   * write succeeded (it rejects if it failed, and the heartbeat keeps retrying).
   */
  setMeta(meta: Record<string, string>): Promise<void>;
  /** Stops heartbeating and deregisters (DELETE). Idempotent; rejects only if the DELETE failed. */
  close(): Promise<void>;
}

export interface WatchOptions {
  /** Event kinds to deliver. Default all (`ALL_KINDS`). */
  kinds?: EventKindSet;
  /** Aborting ends the watch; a pending or later `next()` rejects with the reason. */
  signal?: AbortSignal;
}

/**
 * A service's events as an async iterable (iterate it once). It connects on
 * the first `next()`, starts with the state as of then (`up`s, `leader`,
 * `service_meta`, then `current` once), reconnects by itself and never shows a
 * caller a state change twice or skips one: see `watch.ts` for the reconnect
 * semantics. `break` or `close()` ends it.
 */
export interface DiscoveryWatch extends AsyncIterable<DiscoveryEvent> {
  /** Ends the watch and frees its connection; a pending `next()` resolves done. Idempotent. */
  close(): void;
}

/** Something that can be closed (a leader callback subscription). */
export interface Closer {
  close(): void;
}

export interface ServiceDiscovery {
  /** Creates a service. Resolves `true` when created, `false` when it existed and `ifNotExists` was set. */
  addService(service: string, options?: AddServiceOptions): Promise<boolean>;
  /** Deletes a service with its instances (each watcher sees `down`) and meta. */
  removeService(service: string, options?: CallOptions): Promise<void>;
  /**
   * Live instances, oldest first. `[]` when there are none *or* the service
   * does not exist: discoverd answers both with the same 404.
   */
  instances(service: string, options?: LookupOptions): Promise<Instance[]>;
  /** The service leader, or undefined when there is none (or no such service). */
  leader(service: string, options?: LookupOptions): Promise<Instance | undefined>;
  /** Sets the leader of a `manual` service (validation error for `oldest`). */
  setLeader(service: string, id: string, options?: CallOptions): Promise<void>;
  /** The service meta, or undefined when none is set. Consistent by default (for CAS). */
  getMeta(service: string, options?: LookupOptions): Promise<ServiceMeta | undefined>;
  /** A compare-and-swap meta write; resolves with the stored meta and its new index. */
  setMeta(service: string, write: SetMetaInput): Promise<ServiceMeta>;
  /** Read-modify-CAS with retries on conflicts; resolves with the stored meta. */
  updateMeta(service: string, fn: MetaUpdater, options?: UpdateMetaOptions): Promise<ServiceMeta | undefined>;
  /**
   * Registers an instance (creating the service as `oldest` when missing) and
   * keeps it alive; resolves after the first successful registration.
   */
  register(service: string, addr: string, meta?: Record<string, string>, options?: RegisterOptions): Promise<Heartbeater>;
  /** Streams the service's events. */
  watch(service: string, options?: WatchOptions): DiscoveryWatch;
  /** Follows the service leader: the current one, then every change. */
  followLeader(service: string, options?: { signal?: AbortSignal }): LeaderFollower;
  /**
   * Calls `fn` with the current leader (undefined when none) once known, then
   * on every change, until the returned closer is closed. Errors that end the
   * underlying watch go to `onError` (default: ignored).
   */
  onLeaderChange(service: string, fn: (leader: Instance | undefined) => void, onError?: (err: unknown) => void): Closer;
  /** Ends every watch, closes every heartbeater (deregistering), frees sockets. Idempotent. */
  close(): Promise<void>;
}
