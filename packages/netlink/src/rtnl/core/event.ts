import type { NetlinkMessage } from '../../wire/core/header.js';
import type { Address } from './address.js';
import { parseAddress } from './address.js';
import { RTM, RTNLGRP } from './constants.js';
import type { Link } from './link.js';
import { parseLink } from './link.js';
import type { Neighbor } from './neighbor.js';
import { parseNeighbor } from './neighbor.js';
import type { Route } from './route.js';
import { parseRoute } from './route.js';

export type EventKind = 'link' | 'address' | 'route' | 'neighbor';

/**
 * A change the kernel announced. `new` covers creation and change; a
 * neighbour `miss` is an RTM_GETNEIGH the kernel sends when it needs an entry
 * (VXLAN `l2miss`/`l3miss`, ARP with `app_probes`).
 */
export type NetlinkEvent =
  | { kind: 'link'; action: 'new' | 'del'; link: Link }
  | { kind: 'address'; action: 'new' | 'del'; address: Address }
  | { kind: 'route'; action: 'new' | 'del'; route: Route }
  | { kind: 'neighbor'; action: 'new' | 'del' | 'miss'; neighbor: Neighbor };

/** The multicast groups carrying each kind of event. */
export const EVENT_GROUPS: Readonly<Record<EventKind, readonly number[]>> = {
  link: [RTNLGRP.LINK],
  address: [RTNLGRP.IPV4_IFADDR, RTNLGRP.IPV6_IFADDR],
  route: [RTNLGRP.IPV4_ROUTE, RTNLGRP.IPV6_ROUTE],
  neighbor: [RTNLGRP.NEIGH],
};

/** Turns a multicast message into an event; undefined for types this package does not model. Throws NetlinkDecodeError. */
export function parseEvent(msg: NetlinkMessage): NetlinkEvent | undefined {
  switch (msg.header.type) {
    case RTM.NEWLINK:
    case RTM.DELLINK:
      return { kind: 'link', action: msg.header.type === RTM.NEWLINK ? 'new' : 'del', link: parseLink(msg.data) };
    case RTM.NEWADDR:
    case RTM.DELADDR:
      return { kind: 'address', action: msg.header.type === RTM.NEWADDR ? 'new' : 'del', address: parseAddress(msg.data) };
    case RTM.NEWROUTE:
    case RTM.DELROUTE:
      return { kind: 'route', action: msg.header.type === RTM.NEWROUTE ? 'new' : 'del', route: parseRoute(msg.data) };
    case RTM.NEWNEIGH:
    case RTM.DELNEIGH:
    case RTM.GETNEIGH: {
      const action = msg.header.type === RTM.NEWNEIGH ? 'new' : msg.header.type === RTM.DELNEIGH ? 'del' : 'miss';
      return { kind: 'neighbor', action, neighbor: parseNeighbor(msg.data) };
    }
    default:
      return undefined;
  }
}
