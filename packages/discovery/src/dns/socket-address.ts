import { isIP } from 'node:net';
import { DnsConfigError } from './core/dns-errors.js';
import { splitHostPort } from './core/ip.js';

export interface SocketAddress {
  /** An IP literal (no brackets). */
  host: string;
  port: number;
  family: 4 | 6;
}

/** Parses `ip:port` / `[ipv6]:port` for a listener. Throws {@link DnsConfigError}. */
export function parseListenAddress(addr: string, what: string): SocketAddress {
  const hp = splitHostPort(addr);
  const family = hp === undefined ? 0 : isIP(hp.host);
  if (hp === undefined || family === 0) {
    throw new DnsConfigError(`discoverd: dns: invalid ${what} ${JSON.stringify(addr)}: want ip:port or [ipv6]:port`);
  }
  return { host: hp.host, port: hp.port, family: family === 4 ? 4 : 6 };
}

/**
 * Parses a recursor address as the original's `validateRecursors` does: a
 * missing port means 53 and a bare IPv6 address is allowed. Host names are
 * not resolved: give IP literals. Throws {@link DnsConfigError}.
 */
export function parseRecursorAddress(addr: string): SocketAddress {
  const bare = isIP(addr);
  if (bare !== 0) return { host: addr, port: 53, family: bare === 4 ? 4 : 6 };
  if (addr.startsWith('[') && addr.endsWith(']') && isIP(addr.slice(1, -1)) === 6) return { host: addr.slice(1, -1), port: 53, family: 6 };
  const addrWithPort = splitHostPort(addr) === undefined && !addr.includes(':') ? `${addr}:53` : addr;
  return parseListenAddress(addrWithPort, 'recursor address');
}

export function formatAddress(a: { host: string; port: number }): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}
