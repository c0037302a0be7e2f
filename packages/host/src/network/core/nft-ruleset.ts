/**
 * The nftables scripts the network module loads with `nft -f -`: one table of
 * our own per bridge (`table ip flynn-<bridge>`), replaced as a whole in one
 * transaction, so applying it again is harmless and deleting it removes
 * everything we added. Other tables (the distribution's firewall, Docker's)
 * are never touched.
 */
import { formatIpv4, parseIpv4 } from './ipv4.js';
import type { Subnet } from './ipv4.js';
import { validIfName } from './names.js';

export function nftTableName(bridge: string): string {
  return `flynn-${bridge}`;
}

export interface MasqueradeRules {
  bridge: string;
  subnet: Subnet;
  /** Destination networks (CIDRs) reached without masquerading, e.g. the overlay `100.100.0.0/16`. */
  noMasqueradeTo?: readonly string[];
}

/**
 * Outbound NAT as the original's `iptables -t nat -A POSTROUTING -s <subnet>
 * ! -o <bridge> -j MASQUERADE`: traffic from the jobs' subnet leaving through
 * any other interface gets the host's address.
 */
export function masqueradeRuleset(r: MasqueradeRules): string {
  if (!validIfName(r.bridge)) throw new RangeError(`invalid bridge name ${JSON.stringify(r.bridge)}`);
  const table = nftTableName(r.bridge);
  const excluded = (r.noMasqueradeTo ?? []).map(normalizeCidr);
  const daddr = excluded.length > 0 ? ` ip daddr != { ${excluded.join(', ')} }` : '';
  return [
    // Declaring then deleting makes the delete succeed whether or not the table exists;
    // the whole script is one transaction.
    `table ip ${table} {}`,
    `delete table ip ${table}`,
    `table ip ${table} {`,
    `  chain postrouting {`,
    `    type nat hook postrouting priority srcnat; policy accept;`,
    `    ip saddr ${r.subnet.cidr} oifname != "${r.bridge}"${daddr} masquerade`,
    `  }`,
    `}`,
    '',
  ].join('\n');
}

/** Removes our table; succeeds when it is already gone. */
export function deleteTableRuleset(bridge: string): string {
  if (!validIfName(bridge)) throw new RangeError(`invalid bridge name ${JSON.stringify(bridge)}`);
  const table = nftTableName(bridge);
  return `table ip ${table} {}\ndelete table ip ${table}\n`;
}

/** `a.b.c.d/n` with host bits cleared; throws RangeError on anything else. */
export function normalizeCidr(cidr: string): string {
  const [ipText, prefixText, ...rest] = cidr.split('/');
  const ip = parseIpv4(ipText ?? '');
  const prefix = Number(prefixText);
  if (ip === undefined || rest.length > 0 || !/^\d{1,2}$/.test(prefixText ?? '') || prefix > 32) {
    throw new RangeError(`invalid IPv4 CIDR ${JSON.stringify(cidr)}`);
  }
  const size = 2 ** (32 - prefix);
  return `${formatIpv4(ip - (ip % size))}/${prefix}`;
}
