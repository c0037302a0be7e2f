/**
 * Choosing the underlay: the interface VXLAN packets leave by, its address
 * (the device's `local`), the public IP peers send to (the same, unless the
 * host is behind NAT) and its MTU. Flannel's rules for `-iface` and
 * `-public-ip`.
 */
import { FLANNEL_NO_UNDERLAY, FlannelError } from './errors.js';
import { isIpv4 } from './ipv4.js';

/** A network interface as the kernel reports it. */
export interface InterfaceInfo {
  name: string;
  index: number;
  mtu: number;
  up: boolean;
  /** IPv4 addresses as `a.b.c.d/n`, primary first. */
  addresses: string[];
}

export interface UnderlayChoice {
  /** An interface name or one of its IPv4 addresses. Default: the interface of the default route. */
  iface?: string;
  /** The address peers send VXLAN packets to. Default: the interface's address. */
  publicIp?: string;
}

export interface Underlay {
  name: string;
  /** Source address of VXLAN packets (the device's `local`). */
  localIp: string;
  /** The address written into the lease. */
  publicIp: string;
  mtu: number;
}

/** Applies the rules; throws `FLYNN_FLANNEL_NO_UNDERLAY` when they find nothing. */
export function selectUnderlay(interfaces: readonly InterfaceInfo[], defaultRouteIface: string | undefined, choice: UnderlayChoice): Underlay {
  const iface = findInterface(interfaces, defaultRouteIface, choice);
  const wantIp = choice.iface !== undefined && isIpv4(choice.iface) ? choice.iface : undefined;
  const localIp = wantIp ?? addressOf(iface.addresses[0]);
  if (localIp === undefined) throw noUnderlay(`interface ${iface.name} has no IPv4 address`);
  if (choice.publicIp !== undefined && !isIpv4(choice.publicIp)) throw noUnderlay(`public IP ${JSON.stringify(choice.publicIp)} is not an IPv4 address`);
  return { name: iface.name, localIp, publicIp: choice.publicIp ?? localIp, mtu: iface.mtu };
}

function findInterface(interfaces: readonly InterfaceInfo[], defaultRouteIface: string | undefined, choice: UnderlayChoice): InterfaceInfo {
  if (choice.iface !== undefined) {
    const want = choice.iface;
    const found = isIpv4(want) ? interfaces.find((i) => i.addresses.some((a) => addressOf(a) === want)) : interfaces.find((i) => i.name === want);
    if (!found) throw noUnderlay(`no interface ${isIpv4(want) ? 'has address' : 'named'} ${want}`);
    return found;
  }
  if (choice.publicIp !== undefined) {
    const found = interfaces.find((i) => i.addresses.some((a) => addressOf(a) === choice.publicIp));
    if (found) return found;
  }
  if (defaultRouteIface === undefined) throw noUnderlay('no interface given and no default route to pick one');
  const found = interfaces.find((i) => i.name === defaultRouteIface);
  if (!found) throw noUnderlay(`default route interface ${defaultRouteIface} not found`);
  return found;
}

function addressOf(cidr: string | undefined): string | undefined {
  return cidr?.split('/')[0];
}

function noUnderlay(message: string): FlannelError {
  return new FlannelError(FLANNEL_NO_UNDERLAY, message);
}
