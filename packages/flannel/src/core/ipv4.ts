/**
 * IPv4 addresses, prefixes and MAC addresses as plain values. Addresses are
 * uint32 numbers inside this module and dotted strings everywhere else, so
 * leases and kernel state compare with `===`.
 */

/** An IPv4 network: `ip` has no host bits set. */
export interface Ipv4Net {
  /** The network address as a uint32. */
  readonly ip: number;
  /** Prefix length, 0–32. */
  readonly prefix: number;
}

const OCTET = /^(0|[1-9][0-9]{0,2})$/;

/** The address as a uint32, or undefined when `s` is not a dotted quad. */
export function parseIpv4(s: string): number | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!OCTET.test(p)) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    n = n * 256 + v;
  }
  return n;
}

export function formatIpv4(n: number): string {
  return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** True when `s` is a dotted-quad IPv4 address. */
export function isIpv4(s: string): boolean {
  return parseIpv4(s) !== undefined;
}

/**
 * Parses `a.b.c.d/n`. With `strict` (the default) host bits must be zero;
 * otherwise they are cleared.
 */
export function parseCidr(s: string, strict = true): Ipv4Net | undefined {
  const slash = s.indexOf('/');
  if (slash < 0) return undefined;
  const ip = parseIpv4(s.slice(0, slash));
  const prefixText = s.slice(slash + 1);
  if (ip === undefined || !/^[0-9]{1,2}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  if (prefix > 32) return undefined;
  const net = ip & maskOf(prefix);
  if (strict && net >>> 0 !== ip) return undefined;
  return { ip: net >>> 0, prefix };
}

export function formatCidr(net: Ipv4Net): string {
  return `${formatIpv4(net.ip)}/${net.prefix}`;
}

/** The netmask of a prefix length as a (signed) 32-bit value; use `>>> 0` for uint32. */
export function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) | 0;
}

/** Number of addresses in a network of this prefix length. */
export function sizeOf(prefix: number): number {
  return 2 ** (32 - prefix);
}

export function containsIp(net: Ipv4Net, ip: number): boolean {
  return ((ip & maskOf(net.prefix)) >>> 0) === net.ip;
}

/** True when `inner` lies entirely inside `outer`. */
export function containsNet(outer: Ipv4Net, inner: Ipv4Net): boolean {
  return inner.prefix >= outer.prefix && containsIp(outer, inner.ip);
}

/** True when the two networks share any address. */
export function overlaps(a: Ipv4Net, b: Ipv4Net): boolean {
  return containsNet(a, b) || containsNet(b, a);
}

/** The address `offset` places after the network address (`.1` is offset 1). */
export function hostAddress(net: Ipv4Net, offset: number): string {
  return formatIpv4((net.ip + offset) >>> 0);
}

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

/** The MAC in lowercase colon form, or undefined when `s` is not a 48-bit MAC. */
export function normalizeMac(s: string): string | undefined {
  const lower = s.toLowerCase().replace(/-/g, ':');
  return MAC.test(lower) ? lower : undefined;
}
