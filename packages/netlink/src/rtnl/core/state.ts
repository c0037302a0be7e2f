import { NTF, NUD } from './constants.js';

/** Neighbour states by name, as `ip neigh ... nud <name>`. */
export const NEIGHBOR_STATES = {
  permanent: NUD.PERMANENT,
  noarp: NUD.NOARP,
  reachable: NUD.REACHABLE,
  stale: NUD.STALE,
  none: NUD.NONE,
  incomplete: NUD.INCOMPLETE,
  delay: NUD.DELAY,
  probe: NUD.PROBE,
  failed: NUD.FAILED,
} as const;

export type NeighborStateName = keyof typeof NEIGHBOR_STATES;

/** FDB entry states as `bridge fdb ... permanent|static|dynamic`. */
export const FDB_STATES = {
  permanent: NUD.NOARP | NUD.PERMANENT,
  static: NUD.NOARP | NUD.REACHABLE,
  dynamic: NUD.REACHABLE,
} as const;

export type FdbStateName = keyof typeof FDB_STATES;

/** The names of the NUD_* bits set in `state`, e.g. `['reachable']`. */
export function neighborStateNames(state: number): NeighborStateName[] {
  if (state === 0) return ['none'];
  return (Object.keys(NEIGHBOR_STATES) as NeighborStateName[]).filter((k) => NEIGHBOR_STATES[k] !== 0 && (state & NEIGHBOR_STATES[k]) !== 0);
}

/** NTF_* bits for an FDB request: `self` (the device's own table, e.g. VXLAN) and/or `master` (the bridge's). */
export function fdbFlags(o: { self?: boolean; master?: boolean }): number {
  const master = o.master ?? false;
  const self = o.self ?? !master;
  return (self ? NTF.SELF : 0) | (master ? NTF.MASTER : 0);
}
