/**
 * Reconciliation: from the leases that should be reachable and what the
 * kernel has on `flannel.<vni>`, the netlink operations that make the kernel
 * match, and nothing else. Entries that already match are left alone, so a
 * restarted agent converges without flushing working routes.
 *
 * The model is flannel's own VXLAN backend, without miss callouts: for each
 * remote host, with subnet S (e.g. 100.100.24.0/24), VTEP IP V (the network
 * address of S, e.g. 100.100.24.0), VTEP MAC M and public IP P:
 *
 * - route     `S via V dev flannel.<vni> onlink`
 * - neighbour `V lladdr M dev flannel.<vni> nud permanent`
 * - FDB       `M dev flannel.<vni> dst P self permanent`
 *
 * Ops come in a fixed order: deletes (routes, neighbours, FDB) before
 * adds (FDB, neighbours, routes), so a route is only installed once the
 * layer-2 entries it needs are there, and is removed before them.
 */
import { formatIpv4, parseCidr } from './ipv4.js';
import { compareSubnets } from './lease.js';
import type { Lease } from './lease.js';

/** An IPv4 route on the VXLAN device (main table). `gateway` is absent for a direct route. */
export interface RouteEntry {
  dst: string;
  gateway?: string;
}

/** An IPv4 neighbour (ARP) entry on the VXLAN device. */
export interface NeighbourEntry {
  ip: string;
  mac: string;
  /** NUD_PERMANENT. Anything else (incomplete, stale, reachable…) is replaced. */
  permanent: boolean;
}

/** A forwarding entry of the VXLAN device: frames for `mac` go to underlay `dst`. */
export interface FdbEntry {
  mac: string;
  dst: string;
}

/** What the kernel has on the VXLAN device. */
export interface KernelState {
  routes: RouteEntry[];
  neighbours: NeighbourEntry[];
  fdb: FdbEntry[];
}

export type NetlinkOp =
  | { kind: 'route-del'; dst: string; gateway?: string }
  | { kind: 'neigh-del'; ip: string }
  | { kind: 'fdb-del'; mac: string; dst: string }
  | { kind: 'fdb-add'; mac: string; dst: string }
  | { kind: 'neigh-replace'; ip: string; mac: string }
  | { kind: 'route-add'; dst: string; gateway: string };

/** The local host, which is never a peer of itself. */
export interface SelfInfo {
  publicIp: string;
  /** Our own subnet, when leased. */
  subnet?: string;
}

/** A remote host as the kernel sees it. */
export interface Peer {
  subnet: string;
  vtepIp: string;
  vtepMac: string;
  publicIp: string;
}

export const EMPTY_KERNEL_STATE: KernelState = Object.freeze({ routes: [], neighbours: [], fdb: [] }) as KernelState;

/** The VTEP address of a subnet: its network address (flannel's choice). */
export function vtepIpOf(subnet: string): string {
  const net = parseCidr(subnet);
  if (!net) throw new RangeError(`not a subnet: ${subnet}`);
  return formatIpv4(net.ip);
}

/**
 * The peers to program: every lease except our own (by subnet or public IP);
 * of several leases of one public IP, or one VTEP MAC, the latest-expiring
 * wins. Sorted by subnet. Callers pass only live leases (see `liveLeases`).
 */
export function peersOf(leases: readonly Lease[], self: SelfInfo): Peer[] {
  const best = new Map<string, Lease>();
  for (const l of leases) {
    if (l.publicIp === self.publicIp || l.subnet === self.subnet) continue;
    const prev = best.get(l.publicIp);
    if (!prev || l.expiresAt > prev.expiresAt) best.set(l.publicIp, l);
  }
  const byMac = new Map<string, Lease>();
  for (const l of best.values()) {
    const prev = byMac.get(l.vtepMac);
    if (!prev || l.expiresAt > prev.expiresAt) byMac.set(l.vtepMac, l);
  }
  return [...byMac.values()]
    .sort((a, b) => compareSubnets(a.subnet, b.subnet))
    .map((l) => ({ subnet: l.subnet, vtepIp: vtepIpOf(l.subnet), vtepMac: l.vtepMac, publicIp: l.publicIp }));
}

/** The netlink operations that turn `current` into exactly the entries for `desired`. */
export function reconcile(desired: readonly Lease[], self: SelfInfo, current: KernelState): NetlinkOp[] {
  return planPeers(peersOf(desired, self), current);
}

/** `reconcile` for an already computed peer list. */
export function planPeers(peers: readonly Peer[], current: KernelState): NetlinkOp[] {
  const wantRoutes = new Map(peers.map((p) => [p.subnet, p.vtepIp]));
  const wantNeigh = new Map(peers.map((p) => [p.vtepIp, p.vtepMac]));
  const wantFdb = new Set(peers.map((p) => fdbKey(p.vtepMac, p.publicIp)));

  const dels: NetlinkOp[] = [];
  const haveRoutes = new Set<string>();
  // One delete per stale or duplicate route: the kernel deletes one match per request.
  for (const r of current.routes) {
    if (r.gateway !== undefined && wantRoutes.get(r.dst) === r.gateway && !haveRoutes.has(r.dst)) haveRoutes.add(r.dst);
    else dels.push(r.gateway === undefined ? { kind: 'route-del', dst: r.dst } : { kind: 'route-del', dst: r.dst, gateway: r.gateway });
  }
  const haveNeigh = new Set<string>();
  for (const n of uniqueBy(current.neighbours, (n) => n.ip)) {
    const mac = wantNeigh.get(n.ip);
    if (mac === undefined) dels.push({ kind: 'neigh-del', ip: n.ip });
    else if (mac === n.mac && n.permanent) haveNeigh.add(n.ip);
  }
  const haveFdb = new Set<string>();
  for (const f of uniqueBy(current.fdb, (f) => fdbKey(f.mac, f.dst))) {
    const key = fdbKey(f.mac, f.dst);
    if (wantFdb.has(key)) haveFdb.add(key);
    else dels.push({ kind: 'fdb-del', mac: f.mac, dst: f.dst });
  }

  const adds: NetlinkOp[] = [];
  for (const p of peers) if (!haveFdb.has(fdbKey(p.vtepMac, p.publicIp))) adds.push({ kind: 'fdb-add', mac: p.vtepMac, dst: p.publicIp });
  for (const p of peers) if (!haveNeigh.has(p.vtepIp)) adds.push({ kind: 'neigh-replace', ip: p.vtepIp, mac: p.vtepMac });
  for (const p of peers) if (!haveRoutes.has(p.subnet)) adds.push({ kind: 'route-add', dst: p.subnet, gateway: p.vtepIp });

  return [...dels.sort(byKindThenKey), ...adds];
}

const DEL_ORDER: Record<NetlinkOp['kind'], number> = { 'route-del': 0, 'neigh-del': 1, 'fdb-del': 2, 'fdb-add': 3, 'neigh-replace': 4, 'route-add': 5 };

function byKindThenKey(a: NetlinkOp, b: NetlinkOp): number {
  return DEL_ORDER[a.kind] - DEL_ORDER[b.kind] || opKey(a).localeCompare(opKey(b));
}

/** A stable text form of an op, for logs and sorting. */
export function describeOp(op: NetlinkOp): string {
  return `${op.kind} ${opKey(op)}`;
}

function opKey(op: NetlinkOp): string {
  switch (op.kind) {
    case 'route-del':
    case 'route-add':
      return op.gateway === undefined ? op.dst : `${op.dst} via ${op.gateway}`;
    case 'neigh-del':
      return op.ip;
    case 'neigh-replace':
      return `${op.ip} lladdr ${op.mac}`;
    case 'fdb-del':
    case 'fdb-add':
      return `${op.mac} dst ${op.dst}`;
  }
}

function fdbKey(mac: string, dst: string): string {
  return `${mac} ${dst}`;
}

function uniqueBy<T>(items: readonly T[], key: (t: T) => string): T[] {
  const seen = new Set<string>();
  const out: T[] = [];
  for (const t of items) {
    const k = key(t);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(t);
  }
  return out;
}
