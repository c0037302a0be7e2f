/**
 * Discovery's data model, with the original discoverd's JSON field names
 * (reference §1.3, wire-observed §2–3): these objects go over the wire as-is.
 */

export type LeaderType = 'oldest' | 'manual';

export interface ServiceConfig {
  leader_type: LeaderType;
}

/** A registered instance. `id` = hex MD5 of `${proto}-${addr}`. */
export interface Instance {
  id: string;
  /** `host:port`. */
  addr: string;
  /** Lowercase alphanumeric, default `tcp`. */
  proto: string;
  /** Omitted on the wire when empty. */
  meta?: Record<string, string>;
  /** Raft index of the first registration: stable while the instance lives; lowest = oldest. */
  index: number;
}

/** Service metadata as stored and streamed (no `leader_id`). `data` is any JSON value. */
export interface ServiceMeta {
  data: unknown;
  /** Raft index of the write that stored it. */
  index: number;
}

export type EventKind = 'up' | 'update' | 'down' | 'leader' | 'current' | 'service_meta';

/** A stream event, exactly as sent in SSE `data:` lines. */
export interface DiscoveryEvent {
  service: string;
  kind: EventKind;
  /** For up/update/down, and for leader (absent when the service has no leader any more). */
  instance?: Instance;
  service_meta?: ServiceMeta;
}

/** Which kinds a subscription wants (the original's kind mask). */
export type EventKindSet = ReadonlySet<EventKind>;

export const ALL_KINDS: EventKindSet = new Set<EventKind>(['up', 'update', 'down', 'leader', 'current', 'service_meta']);
export const INSTANCE_KINDS: EventKindSet = new Set<EventKind>(['up', 'update', 'down']);
export const LEADER_KINDS: EventKindSet = new Set<EventKind>(['leader']);
