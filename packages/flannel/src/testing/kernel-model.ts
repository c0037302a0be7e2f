/**
 * A model of what the kernel does with each reconcile op, as a pure function
 * over `KernelState`. `FakeKernel` is built on it, and the reconcile property
 * tests use it to check that applying `reconcile`'s ops converges.
 */
import type { FdbEntry, KernelState, NetlinkOp, NeighbourEntry, RouteEntry } from '../core/reconcile.js';

/** The state after `ops`, applied in order (a new object; `state` is not changed). */
export function applyOps(state: KernelState, ops: readonly NetlinkOp[]): KernelState {
  let routes: RouteEntry[] = state.routes.map((r) => ({ ...r }));
  let neighbours: NeighbourEntry[] = state.neighbours.map((n) => ({ ...n }));
  let fdb: FdbEntry[] = state.fdb.map((f) => ({ ...f }));
  for (const op of ops) {
    switch (op.kind) {
      case 'route-add':
        if (!routes.some((r) => r.dst === op.dst && r.gateway === op.gateway)) routes.push({ dst: op.dst, gateway: op.gateway });
        break;
      case 'route-del': {
        // The kernel deletes the first matching route only.
        const i = routes.findIndex((r) => r.dst === op.dst && r.gateway === op.gateway);
        if (i >= 0) routes = [...routes.slice(0, i), ...routes.slice(i + 1)];
        break;
      }
      case 'neigh-replace':
        neighbours = [...neighbours.filter((n) => n.ip !== op.ip), { ip: op.ip, mac: op.mac, permanent: true }];
        break;
      case 'neigh-del':
        neighbours = neighbours.filter((n) => n.ip !== op.ip);
        break;
      case 'fdb-add':
        if (!fdb.some((f) => f.mac === op.mac && f.dst === op.dst)) fdb.push({ mac: op.mac, dst: op.dst });
        break;
      case 'fdb-del':
        fdb = fdb.filter((f) => !(f.mac === op.mac && f.dst === op.dst));
        break;
    }
  }
  return { routes, neighbours, fdb };
}
