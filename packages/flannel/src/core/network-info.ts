/**
 * What the host needs to know once the lease is held: the overlay network,
 * this host's subnet (as the bridge address, `100.100.23.1/24`, like flannel's
 * `FLANNEL_SUBNET` and Flynn's `POST /host/network`) and the MTU to give
 * containers. Plus the `subnet.env` text format flannel writes.
 */
import { hostAddress, parseCidr } from './ipv4.js';

export interface NetworkInfo {
  /** The whole overlay, e.g. `100.100.0.0/16`. */
  network: string;
  /** This host's subnet, e.g. `100.100.23.0/24`. */
  subnet: string;
  /** The bridge address with the subnet's prefix, e.g. `100.100.23.1/24`. */
  gateway: string;
  /** MTU for the bridge and container interfaces (underlay MTU − 50). */
  mtu: number;
  /** This host's address in the lease. */
  publicIp: string;
}

/** Builds the info for a subnet. */
export function networkInfo(network: string, subnet: string, mtu: number, publicIp: string): NetworkInfo {
  const net = parseCidr(subnet);
  if (!net) throw new RangeError(`not a subnet: ${subnet}`);
  return { network, subnet, gateway: `${hostAddress(net, 1)}/${net.prefix}`, mtu, publicIp };
}

/** flannel's `subnet.env`: `FLANNEL_NETWORK`, `FLANNEL_SUBNET`, `FLANNEL_MTU`, `FLANNEL_IPMASQ`. */
export function formatSubnetEnv(info: NetworkInfo): string {
  return [`FLANNEL_NETWORK=${info.network}`, `FLANNEL_SUBNET=${info.gateway}`, `FLANNEL_MTU=${info.mtu}`, 'FLANNEL_IPMASQ=false', ''].join('\n');
}

/**
 * The subnet recorded in a `subnet.env` (its network address, e.g.
 * `100.100.23.0/24`), or undefined when there is none.
 */
export function subnetFromEnv(text: string): string | undefined {
  for (const line of text.split('\n')) {
    const m = /^\s*FLANNEL_SUBNET\s*=\s*"?([0-9./]+)"?\s*$/.exec(line);
    if (!m) continue;
    const net = parseCidr(m[1]!, false);
    return net ? `${hostAddress(net, 0)}/${net.prefix}` : undefined;
  }
  return undefined;
}
