import { NetlinkConnection, NetlinkDumpInterruptedError } from './conn.js';
import { NetlinkSubscription } from './events.js';
import type { SubscribeOptions } from './events.js';
import { openNetns } from './netns.js';
import type { OpenedNetns } from './netns.js';
import { nativeSocketFactory } from './node-socket.js';
import { addAddressRequest, deleteAddressRequest, dumpAddressesRequest, parseAddress } from './rtnl/core/address.js';
import type { Address, AddressSpec } from './rtnl/core/address.js';
import { AF, NETLINK_ROUTE, NTF, RT_TABLE, RTM } from './rtnl/core/constants.js';
import type { EventKind } from './rtnl/core/event.js';
import { deleteLinkRequest, dumpLinksRequest, getLinkRequest, newLinkRequest, parseLink, setLinkRequest } from './rtnl/core/link.js';
import type { Link, LinkChanges, LinkTarget, NewLink } from './rtnl/core/link.js';
import { dumpNeighborsRequest, fdbRequest, neighborRequest, parseNeighbor } from './rtnl/core/neighbor.js';
import type { Neighbor, NeighborOp } from './rtnl/core/neighbor.js';
import type { RtnlRequest } from './rtnl/core/request.js';
import { addRouteRequest, deleteRouteRequest, dumpRoutesRequest, parseRoute } from './rtnl/core/route.js';
import type { Route, RouteSpec } from './rtnl/core/route.js';
import { FDB_STATES, fdbFlags, NEIGHBOR_STATES } from './rtnl/core/state.js';
import type { NetlinkSocketFactory } from './socket.js';
import type {
  AddressOptions,
  CreateLink,
  FdbEntry,
  FdbOptions,
  LinkRef,
  NeighborOptions,
  NetlinkOptions,
  NetnsRef,
  RouteOptions,
  SetLink,
} from './types.js';
import { isNetlinkErrno, NetlinkDecodeError } from './wire/core/errors.js';
import type { NetlinkMessage } from './wire/core/header.js';

const ALL_EVENTS: readonly EventKind[] = ['link', 'address', 'route', 'neighbor'];
const DUMP_RETRIES = 5;

function familyNumber(f: 4 | 6 | undefined): number {
  return f === undefined ? AF.UNSPEC : f === 4 ? AF.INET : AF.INET6;
}

function ofType(msgs: NetlinkMessage[], type: number): NetlinkMessage[] {
  return msgs.filter((m) => m.header.type === type);
}

/**
 * rtnetlink for one network namespace: links (veth, bridge, vxlan),
 * addresses, routes, neighbours, FDB entries, and change events. Every
 * method sends one request (plus a lookup when a link is given by name where
 * the kernel needs an index) and rejects with a typed `NetlinkError`
 * (`FLYNN_NETLINK_EEXIST`, `FLYNN_NETLINK_ENODEV`, ...).
 *
 * ```ts
 * const nl = new Netlink({ netns: '/run/netns/blue' });
 * await nl.createLink({ kind: 'veth', name: 'veth0', peer: { name: 'veth1' } });
 * await nl.addAddress('veth0', '10.0.0.1/24');
 * await nl.setLinkUp('veth0');
 * nl.close();
 * ```
 */
export class Netlink {
  /** The namespace path this instance works in; undefined for the caller's own. */
  readonly netns: string | undefined;
  private readonly factory: NetlinkSocketFactory;
  private readonly conn: NetlinkConnection;

  /** Opens the request socket now (throws `FLYNN_NETLINK_ADDON_MISSING` or a NetlinkError such as ENOENT for a bad netns). */
  constructor(options: NetlinkOptions = {}) {
    this.netns = options.netns;
    this.factory = options.socketFactory ?? nativeSocketFactory;
    this.conn = new NetlinkConnection(this.openSocket());
  }

  private openSocket() {
    return this.factory(this.netns === undefined ? { protocol: NETLINK_ROUTE } : { protocol: NETLINK_ROUTE, netns: this.netns });
  }

  /** Closes the socket; outstanding requests reject with `FLYNN_NETLINK_CLOSED`. Subscriptions have their own sockets. */
  close(): void {
    this.conn.close();
  }

  /** Sends any rtnetlink request (see the `*Request` builders); resolves with the reply messages. */
  request(req: RtnlRequest): Promise<NetlinkMessage[]> {
    return this.conn.request(req);
  }

  private async dump(req: RtnlRequest, type: number): Promise<NetlinkMessage[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        return ofType(await this.conn.request(req), type);
      } catch (err) {
        if (!(err instanceof NetlinkDumpInterruptedError) || attempt >= DUMP_RETRIES) throw err;
      }
    }
  }

  private async index(ref: LinkRef): Promise<number> {
    if (typeof ref === 'number') return ref;
    if (typeof ref === 'object') return ref.index;
    return (await this.link(ref)).index;
  }

  // ---- links

  /** Every link in the namespace. */
  async links(): Promise<Link[]> {
    return (await this.dump(dumpLinksRequest(), RTM.NEWLINK)).map((m) => parseLink(m.data));
  }

  /** One link; rejects with `FLYNN_NETLINK_ENODEV` if there is none. */
  async link(ref: LinkRef): Promise<Link> {
    const [reply] = ofType(await this.conn.request(getLinkRequest(target(ref)), { context: `link ${show(ref)}` }), RTM.NEWLINK);
    if (!reply) throw new NetlinkDecodeError('RTM_GETLINK was answered without a link');
    return parseLink(reply.data);
  }

  /** One link, or undefined if there is none. */
  async findLink(ref: LinkRef): Promise<Link | undefined> {
    try {
      return await this.link(ref);
    } catch (err) {
      if (isNetlinkErrno(err, 'ENODEV') || isNetlinkErrno(err, 'ENOENT')) return undefined;
      throw err;
    }
  }

  /** Creates a veth pair, bridge or VXLAN device; rejects with `FLYNN_NETLINK_EEXIST` if the name is taken. */
  async createLink(spec: CreateLink): Promise<void> {
    const opened: OpenedNetns[] = [];
    const ns = (ref: NetnsRef | undefined) => {
      if (ref === undefined) return undefined;
      const o = openNetns(ref);
      opened.push(o);
      return o.target;
    };
    try {
      const base = await this.settings(spec, ns);
      let link: NewLink;
      if (spec.kind === 'veth') {
        const { netns: peerNs, ...peer } = spec.peer;
        const peerTarget = ns(peerNs);
        link = { ...base, name: spec.name, kind: 'veth', peer: peerTarget ? { ...peer, netns: peerTarget } : peer };
      } else if (spec.kind === 'vxlan') {
        const { dev, ...vx } = spec.vxlan;
        link = { ...base, name: spec.name, kind: 'vxlan', vxlan: dev === undefined ? vx : { ...vx, dev: await this.index(dev) } };
      } else link = { ...base, name: spec.name, kind: 'bridge' };
      await this.conn.request(newLinkRequest(link), { context: `createLink ${spec.name}` });
    } finally {
      for (const o of opened) o.release();
    }
  }

  private async settings(s: SetLink, ns: (ref: NetnsRef | undefined) => LinkChanges['netns']): Promise<LinkChanges> {
    const out: LinkChanges = {};
    if (s.mtu !== undefined) out.mtu = s.mtu;
    if (s.mac !== undefined) out.mac = s.mac;
    if (s.txQueueLen !== undefined) out.txQueueLen = s.txQueueLen;
    if (s.alias !== undefined) out.alias = s.alias;
    if (s.up !== undefined) out.up = s.up;
    if (s.master !== undefined) out.master = s.master === null ? 0 : await this.index(s.master);
    const target = ns(s.netns);
    if (target) out.netns = target;
    return out;
  }

  /** Deletes a link (a veth's peer goes with it). */
  async deleteLink(ref: LinkRef): Promise<void> {
    await this.conn.request(deleteLinkRequest(target(ref)), { context: `deleteLink ${show(ref)}` });
  }

  /** Changes a link: up/down, MTU, MAC, master (`null` releases), namespace, name. */
  async setLink(ref: LinkRef, changes: SetLink): Promise<void> {
    let opened: OpenedNetns | undefined;
    try {
      const c = await this.settings(changes, (r) => (r === undefined ? undefined : (opened = openNetns(r)).target));
      if (changes.name !== undefined) c.name = changes.name;
      const t = changes.name !== undefined && typeof ref === 'string' ? { index: await this.index(ref) } : target(ref);
      await this.conn.request(setLinkRequest(t, c), { context: `setLink ${show(ref)}` });
    } finally {
      opened?.release();
    }
  }

  setLinkUp(ref: LinkRef): Promise<void> {
    return this.setLink(ref, { up: true });
  }

  setLinkDown(ref: LinkRef): Promise<void> {
    return this.setLink(ref, { up: false });
  }

  setMtu(ref: LinkRef, mtu: number): Promise<void> {
    return this.setLink(ref, { mtu });
  }

  setMac(ref: LinkRef, mac: string): Promise<void> {
    return this.setLink(ref, { mac });
  }

  /** Enslaves `ref` to the bridge `master`, or releases it with `null`. */
  setMaster(ref: LinkRef, master: LinkRef | null): Promise<void> {
    return this.setLink(ref, { master });
  }

  /** Moves a link to another namespace (a path, `{ pid }` or `{ fd }`). */
  moveToNetns(ref: LinkRef, netns: NetnsRef): Promise<void> {
    return this.setLink(ref, { netns });
  }

  // ---- addresses

  /** Addresses, optionally of one link and/or family. */
  async addresses(filter: { link?: LinkRef; family?: 4 | 6 } = {}): Promise<Address[]> {
    const dev = filter.link === undefined ? undefined : await this.index(filter.link);
    const all = (await this.dump(dumpAddressesRequest(familyNumber(filter.family)), RTM.NEWADDR)).map((m) => parseAddress(m.data));
    return all.filter((a) => (dev === undefined || a.dev === dev) && (filter.family === undefined || a.family === filter.family));
  }

  private async addressSpec(link: LinkRef, cidr: string, o: AddressOptions): Promise<AddressSpec> {
    return { ...o, dev: await this.index(link), cidr };
  }

  /** Adds `cidr` (`10.0.0.1/24`) to a link; `FLYNN_NETLINK_EEXIST` if present. */
  async addAddress(link: LinkRef, cidr: string, options: AddressOptions = {}): Promise<void> {
    await this.conn.request(addAddressRequest(await this.addressSpec(link, cidr, options)), { context: `addAddress ${cidr}` });
  }

  /** Adds or updates an address. */
  async replaceAddress(link: LinkRef, cidr: string, options: AddressOptions = {}): Promise<void> {
    await this.conn.request(addAddressRequest(await this.addressSpec(link, cidr, options), { replace: true }), {
      context: `replaceAddress ${cidr}`,
    });
  }

  /** Removes an address; `FLYNN_NETLINK_EADDRNOTAVAIL` if absent. */
  async deleteAddress(link: LinkRef, cidr: string, options: AddressOptions = {}): Promise<void> {
    await this.conn.request(deleteAddressRequest(await this.addressSpec(link, cidr, options)), { context: `deleteAddress ${cidr}` });
  }

  // ---- routes

  /** Routes of the main table (or `table`, or every table with `'all'`), optionally of one family or link. */
  async routes(filter: { family?: 4 | 6; table?: number | 'all'; link?: LinkRef } = {}): Promise<Route[]> {
    const dev = filter.link === undefined ? undefined : await this.index(filter.link);
    const table = filter.table ?? RT_TABLE.MAIN;
    const all = (await this.dump(dumpRoutesRequest(familyNumber(filter.family)), RTM.NEWROUTE)).map((m) => parseRoute(m.data));
    return all.filter((r) => (table === 'all' || r.table === table) && (dev === undefined || r.dev === dev));
  }

  private async routeSpec(r: RouteOptions): Promise<RouteSpec> {
    const { dev, ...rest } = r;
    return dev === undefined ? rest : { ...rest, dev: await this.index(dev) };
  }

  /** Adds a route; `FLYNN_NETLINK_EEXIST` if one with the same key exists. */
  async addRoute(route: RouteOptions): Promise<void> {
    await this.conn.request(addRouteRequest(await this.routeSpec(route)), { context: `addRoute ${route.dst}` });
  }

  /** Adds or replaces a route. */
  async replaceRoute(route: RouteOptions): Promise<void> {
    await this.conn.request(addRouteRequest(await this.routeSpec(route), { replace: true }), { context: `replaceRoute ${route.dst}` });
  }

  /** Deletes a route (a `Route` from `routes()` works); `FLYNN_NETLINK_ESRCH` if absent. */
  async deleteRoute(route: RouteOptions): Promise<void> {
    await this.conn.request(deleteRouteRequest(await this.routeSpec(route)), { context: `deleteRoute ${route.dst}` });
  }

  // ---- neighbours

  /** ARP/NDP entries (FDB entries excluded: see `fdb()`). */
  async neighbors(filter: { link?: LinkRef; family?: 4 | 6 } = {}): Promise<Neighbor[]> {
    const dev = filter.link === undefined ? undefined : await this.index(filter.link);
    const all = (await this.dump(dumpNeighborsRequest(familyNumber(filter.family)), RTM.NEWNEIGH)).map((m) => parseNeighbor(m.data));
    return all.filter((n) => n.family !== AF.BRIDGE && (dev === undefined || n.dev === dev));
  }

  private async neighbor(op: NeighborOp, n: NeighborOptions): Promise<void> {
    const state = typeof n.state === 'string' ? NEIGHBOR_STATES[n.state] : n.state;
    const spec = { dev: await this.index(n.dev), ip: n.ip, ...(n.mac === undefined ? {} : { mac: n.mac }) };
    const req = neighborRequest(op, { ...spec, ...(state === undefined ? {} : { state }), ...(n.flags === undefined ? {} : { flags: n.flags }) });
    await this.conn.request(req, { context: `${op}Neighbor ${n.ip}` });
  }

  addNeighbor(n: NeighborOptions): Promise<void> {
    return this.neighbor('add', n);
  }

  replaceNeighbor(n: NeighborOptions): Promise<void> {
    return this.neighbor('replace', n);
  }

  deleteNeighbor(n: NeighborOptions): Promise<void> {
    return this.neighbor('delete', n);
  }

  // ---- forwarding database

  /** Bridge and VXLAN forwarding entries, optionally of one link. */
  async fdb(filter: { link?: LinkRef } = {}): Promise<FdbEntry[]> {
    const dev = filter.link === undefined ? undefined : await this.index(filter.link);
    const all = (await this.dump(dumpNeighborsRequest(AF.BRIDGE), RTM.NEWNEIGH)).map((m) => toFdbEntry(parseNeighbor(m.data)));
    return all.filter((e) => dev === undefined || e.dev === dev);
  }

  private async fdbOp(op: NeighborOp, e: FdbOptions): Promise<void> {
    const state = typeof e.state === 'string' ? FDB_STATES[e.state] : e.state;
    const spec = {
      dev: await this.index(e.dev),
      mac: e.mac,
      flags: fdbFlags(e),
      ...(e.dst === undefined ? {} : { ip: e.dst }),
      ...(state === undefined ? {} : { state }),
      ...(e.vni === undefined ? {} : { vni: e.vni }),
      ...(e.port === undefined ? {} : { port: e.port }),
      ...(e.vlan === undefined ? {} : { vlan: e.vlan }),
      ...(e.via === undefined ? {} : { via: await this.index(e.via) }),
    };
    await this.conn.request(fdbRequest(op, spec), { context: `${op}Fdb ${e.mac}` });
  }

  /** Adds an entry next to existing ones for the same MAC (`bridge fdb append`: VXLAN flooding to several VTEPs). */
  appendFdb(e: FdbOptions): Promise<void> {
    return this.fdbOp('append', e);
  }

  addFdb(e: FdbOptions): Promise<void> {
    return this.fdbOp('add', e);
  }

  replaceFdb(e: FdbOptions): Promise<void> {
    return this.fdbOp('replace', e);
  }

  deleteFdb(e: FdbOptions): Promise<void> {
    return this.fdbOp('delete', e);
  }

  // ---- events

  /** Change notifications (default: all four kinds) on a socket of their own, in this namespace. */
  subscribe(kinds: readonly EventKind[] = ALL_EVENTS, options: SubscribeOptions = {}): NetlinkSubscription {
    return new NetlinkSubscription(this.openSocket(), kinds, options);
  }
}

function show(ref: LinkRef): string {
  return typeof ref === 'object' ? String(ref.index) : String(ref);
}

function target(ref: LinkRef): LinkTarget {
  if (typeof ref === 'number') return { index: ref };
  if (typeof ref === 'string') return { name: ref };
  return { index: ref.index };
}

function toFdbEntry(n: Neighbor): FdbEntry {
  const e: FdbEntry = { dev: n.dev, mac: n.mac ?? '', self: (n.flags & NTF.SELF) !== 0, state: n.state, flags: n.flags };
  if (n.ip !== undefined) e.dst = n.ip;
  if (n.master !== undefined) e.bridge = n.master;
  if (n.vni !== undefined) e.vni = n.vni;
  if (n.port !== undefined) e.port = n.port;
  if (n.vlan !== undefined) e.vlan = n.vlan;
  if (n.via !== undefined) e.via = n.via;
  return e;
}
