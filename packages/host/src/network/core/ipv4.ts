/**
 * IPv4 arithmetic on uint32 numbers: parse, format, and a subnet given as
 * `<gateway ip>/<prefix>` (what flannel reports, e.g. `100.100.23.1/24`).
 */

/** An IPv4 address as a uint32, or undefined when `s` is not a dotted quad. */
export function parseIpv4(s: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return undefined;
  let n = 0;
  for (let i = 1; i <= 4; i++) {
    const part = m[i]!;
    if (part.length > 1 && part.startsWith('0')) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    n = n * 256 + octet;
  }
  return n;
}

export function formatIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff].join('.');
}

/** A host subnet: the gateway (bridge) address and the network around it. */
export interface Subnet {
  /** The address given before the slash: the bridge's own IP and the jobs' gateway. */
  gateway: number;
  prefixLength: number;
  /** First address of the network. */
  network: number;
  /** Last address of the network. */
  broadcast: number;
  /** `network/prefix`, e.g. `100.100.23.0/24`. */
  cidr: string;
}

/**
 * Parses `<gateway>/<prefix>`; the prefix must leave room for the gateway and
 * at least one job (8..30), and the gateway must be a host address of it.
 * Returns a reason string instead of throwing, for the caller to wrap.
 */
export function parseSubnet(s: string): Subnet | string {
  const slash = s.indexOf('/');
  if (slash < 0) return `subnet ${JSON.stringify(s)} is not <ip>/<prefix>`;
  const gateway = parseIpv4(s.slice(0, slash));
  const prefixText = s.slice(slash + 1);
  if (gateway === undefined) return `subnet ${JSON.stringify(s)} has no valid IPv4 address`;
  if (!/^\d{1,2}$/.test(prefixText)) return `subnet ${JSON.stringify(s)} has no valid prefix length`;
  const prefixLength = Number(prefixText);
  if (prefixLength < 8 || prefixLength > 30) return `subnet prefix /${prefixLength} is outside /8../30`;
  const size = 2 ** (32 - prefixLength);
  const network = gateway - (gateway % size);
  const broadcast = network + size - 1;
  if (gateway === network || gateway === broadcast) {
    return `subnet ${JSON.stringify(s)} names the network or broadcast address, not a host address for the bridge`;
  }
  return { gateway, prefixLength, network, broadcast, cidr: `${formatIpv4(network)}/${prefixLength}` };
}

export function inSubnet(subnet: Subnet, ip: number): boolean {
  return ip >= subnet.network && ip <= subnet.broadcast;
}
