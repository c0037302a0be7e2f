import { NetlinkEncodeError } from '../../wire/core/errors.js';
import { AF } from './constants.js';

/** An IP address in wire form. */
export interface IpBytes {
  family: typeof AF.INET | typeof AF.INET6;
  bytes: Uint8Array;
}

export interface Cidr extends IpBytes {
  prefix: number;
}

function parseIpv4(s: string): Uint8Array | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    if (!/^\d{1,3}$/.test(p) || (p.length > 1 && p.startsWith('0'))) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out[i] = n;
  }
  return out;
}

function parseGroups(s: string): number[] | undefined {
  if (s === '') return [];
  const out: number[] = [];
  for (const g of s.split(':')) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    out.push(parseInt(g, 16));
  }
  return out;
}

function parseIpv6(s: string): Uint8Array | undefined {
  let text = s;
  if (text.includes('.')) {
    // A dotted IPv4 tail (::ffff:1.2.3.4) becomes two hex groups.
    const lastColon = text.lastIndexOf(':');
    const v4 = parseIpv4(text.slice(lastColon + 1));
    if (!v4) return undefined;
    const hi = ((v4[0]! << 8) | v4[1]!).toString(16);
    const lo = ((v4[2]! << 8) | v4[3]!).toString(16);
    text = `${text.slice(0, lastColon + 1)}${hi}:${lo}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  let groups: number[];
  if (halves.length === 2) {
    const head = parseGroups(halves[0]!);
    const rest = parseGroups(halves[1]!);
    if (!head || !rest) return undefined;
    const fill = 8 - head.length - rest.length;
    if (fill < 1) return undefined;
    groups = [...head, ...new Array<number>(fill).fill(0), ...rest];
  } else {
    const all = parseGroups(text);
    if (!all || all.length !== 8) return undefined;
    groups = all;
  }
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[i * 2] = g >> 8;
    out[i * 2 + 1] = g & 0xff;
  });
  return out;
}

/** Parses `10.0.0.1` or `fd00::1`; throws {@link NetlinkEncodeError}. */
export function parseIp(s: string, field = 'address'): IpBytes {
  const v4 = parseIpv4(s);
  if (v4) return { family: AF.INET, bytes: v4 };
  const v6 = s.includes(':') ? parseIpv6(s) : undefined;
  if (v6) return { family: AF.INET6, bytes: v6 };
  throw new NetlinkEncodeError(field, `not an IP address: ${JSON.stringify(s)}`);
}

/** Parses `10.0.0.0/24` (a bare address gets the full prefix); throws {@link NetlinkEncodeError}. */
export function parseCidr(s: string, field = 'cidr'): Cidr {
  const slash = s.indexOf('/');
  const ip = parseIp(slash < 0 ? s : s.slice(0, slash), field);
  const max = ip.bytes.length * 8;
  if (slash < 0) return { ...ip, prefix: max };
  const p = s.slice(slash + 1);
  const prefix = Number(p);
  if (!/^\d{1,3}$/.test(p) || prefix > max) throw new NetlinkEncodeError(field, `bad prefix length in ${JSON.stringify(s)}`);
  return { ...ip, prefix };
}

function formatIpv6(b: Uint8Array): string {
  const w: number[] = [];
  for (let i = 0; i < 16; i += 2) w.push((b[i]! << 8) | b[i + 1]!);
  // The longest run of two or more zero words becomes "::" (RFC 5952, as inet_ntop).
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (w[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && w[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d) print with a dotted tail, like glibc.
  const dotted = best === 0 && (bestLen === 6 || (bestLen === 7 && w[7] !== 1) || (bestLen === 5 && w[5] === 0xffff));
  const hex = (ws: number[]) => ws.map((x) => x.toString(16)).join(':');
  if (dotted) {
    const v4 = `${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
    return bestLen === 5 ? `::ffff:${v4}` : `::${v4}`;
  }
  if (best < 0) return hex(w);
  return `${hex(w.slice(0, best))}::${hex(w.slice(best + bestLen))}`;
}

/** Formats 4 or 16 address bytes as text (`ip` style); other lengths as colon hex. */
export function formatIp(b: Uint8Array): string {
  if (b.length === 4) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  if (b.length === 16) return formatIpv6(b);
  return formatMac(b);
}

/** Parses `02:00:00:00:00:01` (any number of colon-separated bytes). */
export function parseMac(s: string, field = 'mac'): Uint8Array {
  const parts = s.split(':');
  if (parts.length < 1 || parts.some((p) => !/^[0-9a-fA-F]{1,2}$/.test(p))) {
    throw new NetlinkEncodeError(field, `not a link-layer address: ${JSON.stringify(s)}`);
  }
  return Uint8Array.from(parts.map((p) => parseInt(p, 16)));
}

/** Formats bytes as lower-case colon hex: `02:00:00:00:00:01`. */
export function formatMac(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(':');
}

/** The family of an address given as text: 4 or 6. */
export function ipFamily(s: string): 4 | 6 {
  return parseIp(s).family === AF.INET ? 4 : 6;
}
