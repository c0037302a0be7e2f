/**
 * The resolv.conf bind-mounted into every job at /etc/resolv.conf. The
 * original pointed it at the bridge IP, where discoverd's DNS listens; the
 * resolvers reported with the network config (flannel's `resolvers`) take
 * that place when given.
 */
import { parseIpv4 } from './ipv4.js';

export interface ResolvConf {
  nameservers: readonly string[];
  search?: readonly string[];
  options?: readonly string[];
}

/** An IPv4 dotted quad or an IPv6 address (hex groups, `::`, optional zone-less embedded v4). */
export function isIpAddress(s: string): boolean {
  if (parseIpv4(s) !== undefined) return true;
  return s.includes(':') && /^[0-9A-Fa-f:.]{2,45}$/.test(s) && (s.match(/::/g)?.length ?? 0) <= 1;
}

/** resolv.conf text; throws RangeError for a nameserver that is not an address or a bad search domain. */
export function renderResolvConf(conf: ResolvConf): string {
  const lines: string[] = [];
  if (conf.search && conf.search.length > 0) {
    for (const d of conf.search) if (!/^[A-Za-z0-9_.-]+$/.test(d)) throw new RangeError(`invalid search domain ${JSON.stringify(d)}`);
    lines.push(`search ${conf.search.join(' ')}`);
  }
  for (const ns of conf.nameservers) {
    if (!isIpAddress(ns)) throw new RangeError(`nameserver ${JSON.stringify(ns)} is not an IP address`);
    lines.push(`nameserver ${ns}`);
  }
  if (conf.options && conf.options.length > 0) {
    for (const o of conf.options) if (!/^[A-Za-z0-9_:-]+$/.test(o)) throw new RangeError(`invalid option ${JSON.stringify(o)}`);
    lines.push(`options ${conf.options.join(' ')}`);
  }
  return lines.join('\n') + '\n';
}
