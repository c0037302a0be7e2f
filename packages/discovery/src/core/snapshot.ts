/**
 * Snapshot and restore: the whole state as canonical JSON (services sorted
 * by name, instances by index), so equal states give equal bytes.
 */
import { FlynnError } from '@flynn-ts/core';
import { parseCommand } from './commands.js';
import type { InstanceInput } from './commands.js';
import { InstanceMap } from './instance-map.js';
import { compareStrings, SortedMap } from './sorted-map.js';
import type { DiscoveryState, ServiceState } from './state.js';
import { instancesOf, makeConfig, makeInstance, makeMeta, serviceNames } from './state.js';
import type { Instance, LeaderType, ServiceMeta } from './types.js';

export const SNAPSHOT_VERSION = 1;

export interface ServiceSnapshot {
  name: string;
  config: { leader_type: LeaderType };
  leader: string;
  meta?: ServiceMeta;
  instances: Instance[];
}

export interface StateSnapshot {
  v: 1;
  /** The raft index the state is as of, when the writer knew it (the server's snapshots carry it). */
  index?: number;
  services: ServiceSnapshot[];
}

export class SnapshotCodecError extends FlynnError {
  constructor(message: string) {
    super('FLYNN_DISCOVERY_BAD_SNAPSHOT', `discovery snapshot: ${message}`, { apiCode: 'unknown_error' });
    this.name = 'SnapshotCodecError';
  }
}

/** The state as a plain JSON value. */
export function snapshotOf(state: DiscoveryState): StateSnapshot {
  const services = serviceNames(state).map((name): ServiceSnapshot => {
    const svc = state.services.get(name)!;
    const s: ServiceSnapshot = { name, config: { leader_type: svc.config.leader_type }, leader: svc.leader, instances: [...instancesOf(svc)] };
    if (svc.meta) s.meta = svc.meta;
    return s;
  });
  return { v: 1, services };
}

/** Rebuilds a state from {@link snapshotOf}'s value (e.g. after `JSON.parse`). Throws {@link SnapshotCodecError}. */
export function restoreState(raw: unknown): DiscoveryState {
  if (!isObj(raw) || raw.v !== SNAPSHOT_VERSION || !Array.isArray(raw.services)) throw new SnapshotCodecError('not a version 1 snapshot');
  let services = SortedMap.empty<string, ServiceState>(compareStrings);
  for (const s of raw.services as unknown[]) {
    if (!isObj(s) || typeof s.name !== 'string' || typeof s.leader !== 'string' || !isObj(s.config) || !Array.isArray(s.instances)) {
      throw new SnapshotCodecError('malformed service');
    }
    if (services.has(s.name)) throw new SnapshotCodecError(`duplicate service ${JSON.stringify(s.name)}`);
    let instances = InstanceMap.EMPTY;
    for (const i of s.instances as unknown[]) {
      const index = isObj(i) ? i.index : undefined;
      if (typeof index !== 'number' || !Number.isSafeInteger(index) || index < 1) throw new SnapshotCodecError('malformed instance');
      // Reuse the command decoder's checks for id/addr/proto/meta.
      const input = parseInstance(s.name, i);
      instances = instances.set(makeInstance(input, index));
    }
    let meta: ServiceMeta | undefined;
    if (s.meta !== undefined) {
      if (!isObj(s.meta) || typeof s.meta.index !== 'number') throw new SnapshotCodecError('malformed meta');
      meta = makeMeta(s.meta.data === undefined ? null : s.meta.data, s.meta.index);
    }
    const leaderType: LeaderType = s.config.leader_type === 'manual' ? 'manual' : 'oldest';
    services = services.set(s.name, { config: makeConfig({ leader_type: leaderType }), instances, leader: s.leader, meta });
  }
  return { services };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** The state as JSON bytes; with `index`, the raft index it is as of is recorded too. */
export function encodeSnapshot(state: DiscoveryState, index?: number): Uint8Array {
  const snap = snapshotOf(state);
  return encoder.encode(JSON.stringify(index === undefined ? snap : { v: snap.v, index, services: snap.services }));
}

export function decodeSnapshot(bytes: Uint8Array): DiscoveryState {
  return decodeSnapshotWithIndex(bytes).state;
}

/** {@link decodeSnapshot}, plus the raft index recorded by `encodeSnapshot(state, index)` (undefined if none). */
export function decodeSnapshotWithIndex(bytes: Uint8Array): { state: DiscoveryState; index: number | undefined } {
  let raw: unknown;
  try {
    raw = JSON.parse(decoder.decode(bytes));
  } catch {
    throw new SnapshotCodecError('not JSON');
  }
  const state = restoreState(raw);
  const index = isObj(raw) && typeof raw.index === 'number' && Number.isSafeInteger(raw.index) && raw.index >= 0 ? raw.index : undefined;
  return { state, index };
}

function parseInstance(service: string, raw: unknown): InstanceInput {
  let cmd;
  try {
    cmd = parseCommand({ v: 1, type: 'add-instance', service, instance: raw });
  } catch (err) {
    throw new SnapshotCodecError(`malformed instance: ${(err as Error).message}`);
  }
  if (cmd.type !== 'add-instance') throw new SnapshotCodecError('malformed instance');
  return cmd.instance;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
