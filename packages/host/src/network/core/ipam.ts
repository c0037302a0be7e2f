/**
 * IP address management for one host subnet: pure functions over the set of
 * addresses in use. The network, gateway (bridge) and broadcast addresses are
 * never handed out. Which free address is picked comes from the injected
 * `Random` (a random start, then the next free one), so a seeded test replays
 * exactly and a restarted daemon does not hand out a just-freed address first.
 */
import type { Random } from '@flynn-ts/core';
import { formatIpv4, inSubnet, parseIpv4 } from './ipv4.js';
import type { Subnet } from './ipv4.js';

/** Number of addresses jobs can get in the subnet (all but network, gateway, broadcast). */
export function capacity(subnet: Subnet): number {
  return subnet.broadcast - subnet.network - 2;
}

/** Why `ip` cannot be given to a job in `subnet`, or undefined when it can (ignoring use). */
export function unusableReason(subnet: Subnet, ip: number): string | undefined {
  if (!inSubnet(subnet, ip)) return `${formatIpv4(ip)} is outside ${subnet.cidr}`;
  if (ip === subnet.network) return `${formatIpv4(ip)} is the network address`;
  if (ip === subnet.broadcast) return `${formatIpv4(ip)} is the broadcast address`;
  if (ip === subnet.gateway) return `${formatIpv4(ip)} is the gateway (bridge) address`;
  return undefined;
}

/**
 * A free address of `subnet` not in `used` (dotted quads; others are
 * ignored), or undefined when the subnet is full.
 */
export function allocateIp(subnet: Subnet, used: Iterable<string>, random: Random): string | undefined {
  const taken = new Set<number>();
  for (const s of used) {
    const n = parseIpv4(s);
    if (n !== undefined) taken.add(n);
  }
  const first = subnet.network + 1;
  const count = subnet.broadcast - first; // first .. broadcast-1
  const start = random.int(count);
  for (let i = 0; i < count; i++) {
    const ip = first + ((start + i) % count);
    if (ip !== subnet.gateway && !taken.has(ip)) return formatIpv4(ip);
  }
  return undefined;
}
