/**
 * `OverlayKernel` over `@flynn-ts/netlink`: what the agent reads and changes,
 * as rtnetlink requests on one `Netlink` (one network namespace).
 *
 * - routes: `ip route replace S via V dev flannel.N onlink` (replace, so a
 *   repeated add succeeds); proto-kernel and non-unicast routes are not reported;
 * - neighbours: `ip neigh replace V lladdr M dev flannel.N nud permanent`;
 * - FDB: `bridge fdb replace M dev flannel.N dst P self permanent`; only
 *   entries with a destination are reported;
 * - deleting something already gone (ESRCH/ENOENT/EADDRNOTAVAIL) succeeds;
 * - requests go one at a time: the kernel answers a second dump on a socket
 *   with EBUSY while one is running.
 */
import { isNetlinkErrno, NUD, RTN, RTPROT } from '@flynn-ts/netlink';
import type { Netlink } from '@flynn-ts/netlink';
import type { DeviceOp, VxlanDeviceState } from './core/device.js';
import type { KernelState, NetlinkOp } from './core/reconcile.js';
import type { InterfaceInfo } from './core/underlay.js';
import type { OverlayKernel } from './overlay-kernel.js';

const GONE = ['ESRCH', 'ENOENT', 'EADDRNOTAVAIL'];

/** The agent's kernel contract over a `Netlink` (the caller owns and closes `nl`). */
export function netlinkKernel(nl: Netlink): OverlayKernel {
  return {
    async interfaces(): Promise<InterfaceInfo[]> {
      const links = await nl.links();
      const addrs = await nl.addresses({ family: 4 });
      return links.map((l) => ({ name: l.name, index: l.index, mtu: l.mtu, up: l.up, addresses: addrs.filter((a) => a.dev === l.index).map((a) => a.cidr) }));
    },

    async defaultRouteInterface(): Promise<string | undefined> {
      const def = (await nl.routes({ family: 4 })).find((r) => r.dst === 'default' && r.dev !== undefined);
      return def?.dev === undefined ? undefined : (await nl.findLink(def.dev))?.name;
    },

    async device(name: string): Promise<VxlanDeviceState | undefined> {
      const link = await nl.findLink(name);
      if (!link) return undefined;
      const addrs = await nl.addresses({ link: link.index, family: 4 });
      const state: VxlanDeviceState = { name: link.name, index: link.index, kind: link.kind ?? 'unknown', mtu: link.mtu, up: link.up, mac: link.mac ?? '', addresses: addrs.map((a) => a.cidr) };
      const vx = link.vxlan;
      if (vx) {
        state.vni = vx.vni;
        if (vx.port !== undefined) state.port = vx.port;
        if (vx.local !== undefined) state.local = vx.local;
        state.learning = vx.learning ?? true;
      }
      return state;
    },

    async applyDevice(op: DeviceOp): Promise<void> {
      switch (op.kind) {
        case 'device-create': {
          const { name, vni, port, local, mtu } = op.spec;
          await nl.createLink({ kind: 'vxlan', name, mtu, vxlan: { vni, local, port, learning: false } });
          return;
        }
        case 'device-delete':
          return nl.deleteLink(op.name);
        case 'device-set-mtu':
          return nl.setMtu(op.name, op.mtu);
        case 'device-up':
          return nl.setLinkUp(op.name);
        case 'address-add':
          return nl.replaceAddress(op.name, op.address);
        case 'address-del':
          return ignoreGone(nl.deleteAddress(op.name, op.address));
      }
    },

    async readState(name: string): Promise<KernelState> {
      const dev = (await nl.link(name)).index;
      const routes = await nl.routes({ family: 4, link: dev });
      const neighbours = await nl.neighbors({ link: dev, family: 4 });
      const fdb = await nl.fdb({ link: dev });
      return {
        routes: routes
          .filter((r) => r.protocol !== RTPROT.KERNEL && r.type === RTN.UNICAST)
          .map((r) => (r.via === undefined ? { dst: r.dst } : { dst: r.dst, gateway: r.via })),
        neighbours: neighbours.filter((n) => n.ip !== undefined).map((n) => ({ ip: n.ip!, mac: n.mac ?? '', permanent: (n.state & NUD.PERMANENT) !== 0 })),
        fdb: fdb.filter((e) => e.self && e.dst !== undefined && !e.dst.includes(':')).map((e) => ({ mac: e.mac, dst: e.dst! })),
      };
    },

    async apply(name: string, op: NetlinkOp): Promise<void> {
      switch (op.kind) {
        case 'route-add':
          return nl.replaceRoute({ dst: op.dst, via: op.gateway, dev: name, onlink: true });
        case 'route-del':
          return ignoreGone(nl.deleteRoute({ dst: op.dst, dev: name, ...(op.gateway === undefined ? {} : { via: op.gateway }) }));
        case 'neigh-replace':
          return nl.replaceNeighbor({ dev: name, ip: op.ip, mac: op.mac, state: 'permanent' });
        case 'neigh-del':
          return ignoreGone(nl.deleteNeighbor({ dev: name, ip: op.ip }));
        case 'fdb-add':
          return nl.replaceFdb({ dev: name, mac: op.mac, dst: op.dst, self: true, state: 'permanent' });
        case 'fdb-del':
          return ignoreGone(nl.deleteFdb({ dev: name, mac: op.mac, dst: op.dst, self: true }));
      }
    },
  };
}

async function ignoreGone(p: Promise<void>): Promise<void> {
  try {
    await p;
  } catch (err) {
    if (!GONE.some((e) => isNetlinkErrno(err, e))) throw err;
  }
}
