import type { VxlanInfo } from './rtnl/core/vxlan.js';
import type { FdbStateName, NeighborStateName } from './rtnl/core/state.js';
import type { NetlinkSocketFactory } from './socket.js';

/** A link: its index (a number or a `Link`), or its name. */
export type LinkRef = number | string | { readonly index: number };

/** A network namespace: a path (`/run/netns/<name>`, `/proc/<pid>/ns/net`), a process id, or an open fd. */
export type NetnsRef = string | { pid: number } | { fd: number };

export interface NetlinkOptions {
  /** Work inside this network namespace (a path); default: the caller's. */
  netns?: string;
  /** Where sockets come from; default: the native addon. Tests pass `fakeNetlinkSocket(fn).factory`. */
  socketFactory?: NetlinkSocketFactory;
}

/** Settings a created link starts with, and what {@link SetLink} can change. */
export interface LinkSettings {
  mtu?: number;
  mac?: string;
  txQueueLen?: number;
  /** Enslave to this bridge. */
  master?: LinkRef;
  /** Create in (or move to) another namespace. */
  netns?: NetnsRef;
  alias?: string;
  /** Bring the link up. */
  up?: boolean;
}

export interface VethPeerSpec {
  name: string;
  mtu?: number;
  mac?: string;
  txQueueLen?: number;
  /** Put the peer in another namespace at creation. */
  netns?: NetnsRef;
}

/** VXLAN settings; `dev` may be given by name. */
export interface VxlanSpec extends Omit<VxlanInfo, 'dev'> {
  /** The underlying device (IFLA_VXLAN_LINK). */
  dev?: LinkRef;
}

/** What `createLink` makes. */
export type CreateLink = LinkSettings & { name: string } & (
    | { kind: 'veth'; peer: VethPeerSpec }
    | { kind: 'bridge' }
    | { kind: 'vxlan'; vxlan: VxlanSpec }
  );

/** What `setLink` changes; `master: null` releases the link from its bridge. */
export interface SetLink extends Omit<LinkSettings, 'master'> {
  master?: LinkRef | null;
  /** Rename. */
  name?: string;
}

export interface AddressOptions {
  peer?: string;
  broadcast?: string;
  label?: string;
  scope?: number;
  /** IFA_F_* bits, e.g. `IFA_F.NODAD`. */
  flags?: number;
}

/** A route to add, replace or delete, in `ip route` terms. */
export interface RouteOptions {
  /** `10.0.0.0/24`, `fd01::/64` or `default`. */
  dst: string;
  /** Next hop. */
  via?: string;
  /** Output link. */
  dev?: LinkRef;
  /** Routing table; default main (254). */
  table?: number;
  /** Use `via` even if no route says it is reachable on `dev`. */
  onlink?: boolean;
  metric?: number;
  /** Preferred source address. */
  prefsrc?: string;
  protocol?: number;
  scope?: number;
  type?: number;
  family?: 4 | 6;
}

export interface NeighborOptions {
  dev: LinkRef;
  ip: string;
  mac?: string;
  /** Default `permanent`. */
  state?: NeighborStateName | number;
  /** NTF_* bits. */
  flags?: number;
}

/** A bridge/VXLAN forwarding entry, in `bridge fdb` terms. */
export interface FdbOptions {
  dev: LinkRef;
  mac: string;
  /** Remote VTEP (VXLAN). */
  dst?: string;
  /** In the device's own table (default, unless `master`). */
  self?: boolean;
  /** In the master bridge's table. */
  master?: boolean;
  /** Default `permanent`. */
  state?: FdbStateName | number;
  vni?: number;
  port?: number;
  vlan?: number;
  /** Device to reach `dst` through (NDA_IFINDEX). */
  via?: LinkRef;
}

/** A forwarding-table entry read back (`bridge fdb show`). */
export interface FdbEntry {
  /** Link index. */
  dev: number;
  mac: string;
  dst?: string;
  /** In the device's own table (NTF_SELF). */
  self: boolean;
  /** The bridge whose table holds it (NDA_MASTER). */
  bridge?: number;
  /** NUD_* bits. */
  state: number;
  /** NTF_* bits. */
  flags: number;
  vni?: number;
  port?: number;
  vlan?: number;
  via?: number;
}
