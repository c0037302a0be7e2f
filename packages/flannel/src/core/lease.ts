/**
 * The flannel document: the network config and every host's subnet lease, as
 * ONE JSON value in the `flannel` service meta, written with compare-and-swap.
 *
 * ```json
 * { "config": { "network": "100.100.0.0/16", "subnet_len": 24, "backend": { "type": "vxlan", "vni": 1, "port": 8472 } },
 *   "leases": { "100.100.23.0/24": { "public_ip": "192.168.250.1", "vtep_mac": "0e:5c:...", "expires_at": "2026-11-26T08:00:00.000Z" } } }
 * ```
 *
 * One document (as the original, whose registry was the same service meta)
 * because discoverd CAS is per service meta: allocation must see every lease
 * and claim a subnet in one atomic write, and one watch stream then carries
 * every change. See docs/networking.md for the trade-offs.
 */
import { FLANNEL_INVALID_DOCUMENT, FlannelError } from './errors.js';
import { parseNetworkConfig, networkOf } from './config.js';
import type { NetworkConfig } from './config.js';
import { containsNet, formatCidr, isIpv4, normalizeMac, parseCidr } from './ipv4.js';

/** A host's claim on one subnet, as the agent works with it. */
export interface Lease {
  /** The host's subnet, e.g. `100.100.23.0/24` (the map key in the document). */
  subnet: string;
  /** The host's underlay address: VXLAN packets for this subnet go there. */
  publicIp: string;
  /** MAC of the host's `flannel.<vni>` device. */
  vtepMac: string;
  /** Wall-clock ms since the epoch after which the lease is void. */
  expiresAt: number;
}

/** A lease as stored in the document (JSON names, ISO time). */
export interface LeaseRecord {
  public_ip: string;
  vtep_mac: string;
  expires_at: string;
}

/** The stored meta data. */
export interface FlannelDocument {
  config: NetworkConfig;
  leases: Record<string, LeaseRecord>;
}

/** A parsed document: its config, its valid leases and the keys of the entries that were not. */
export interface ParsedDocument {
  config: NetworkConfig;
  leases: Lease[];
  /** Keys of lease entries that failed validation (dropped by the next write). */
  invalid: string[];
}

/** Parses stored meta data. Throws `FLYNN_FLANNEL_INVALID_DOCUMENT` (or `_INVALID_CONFIG`) when it is not a flannel document. */
export function parseDocument(data: unknown): ParsedDocument {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new FlannelError(FLANNEL_INVALID_DOCUMENT, 'flannel meta is not an object');
  const raw = data as Record<string, unknown>;
  if (raw.config === undefined) throw new FlannelError(FLANNEL_INVALID_DOCUMENT, 'flannel meta has no config');
  const config = parseNetworkConfig(raw.config);
  const entries = raw.leases ?? {};
  if (typeof entries !== 'object' || entries === null || Array.isArray(entries)) throw new FlannelError(FLANNEL_INVALID_DOCUMENT, 'flannel meta leases is not an object');
  const leases: Lease[] = [];
  const invalid: string[] = [];
  for (const [key, value] of Object.entries(entries as Record<string, unknown>)) {
    const lease = parseLease(config, key, value);
    if (lease) leases.push(lease);
    else invalid.push(key);
  }
  leases.sort((a, b) => compareSubnets(a.subnet, b.subnet));
  return { config, leases, invalid };
}

/** The document for a config and leases (sorted by subnet, so equal inputs give equal JSON). */
export function encodeDocument(config: NetworkConfig, leases: readonly Lease[]): FlannelDocument {
  const out: Record<string, LeaseRecord> = {};
  for (const l of [...leases].sort((a, b) => compareSubnets(a.subnet, b.subnet))) {
    out[l.subnet] = { public_ip: l.publicIp, vtep_mac: l.vtepMac, expires_at: new Date(l.expiresAt).toISOString() };
  }
  return { config, leases: out };
}

/** A lease is void from its `expiresAt` on. */
export function isExpired(lease: Lease, now: number): boolean {
  return lease.expiresAt <= now;
}

/** The leases still valid at `now`. */
export function liveLeases(leases: readonly Lease[], now: number): Lease[] {
  return leases.filter((l) => !isExpired(l, now));
}

/** The earliest future expiry among `leases` (when a reconcile must run again), or undefined. */
export function nextExpiry(leases: readonly Lease[], now: number): number | undefined {
  let min: number | undefined;
  for (const l of leases) if (l.expiresAt > now && (min === undefined || l.expiresAt < min)) min = l.expiresAt;
  return min;
}

/** When a lease should be renewed: halfway through its time to live. */
export function renewAt(lease: Lease, ttlMs: number): number {
  return lease.expiresAt - Math.floor(ttlMs / 2);
}

/** The valid lease with the latest expiry among those of `publicIp`, if any. */
export function leaseOf(leases: readonly Lease[], publicIp: string): Lease | undefined {
  let best: Lease | undefined;
  for (const l of leases) if (l.publicIp === publicIp && (!best || l.expiresAt > best.expiresAt)) best = l;
  return best;
}

function parseLease(config: NetworkConfig, key: string, value: unknown): Lease | undefined {
  const net = parseCidr(key);
  if (!net || net.prefix !== config.subnet_len || !containsNet(networkOf(config), net)) return undefined;
  if (typeof value !== 'object' || value === null) return undefined;
  const r = value as Record<string, unknown>;
  if (typeof r.public_ip !== 'string' || !isIpv4(r.public_ip)) return undefined;
  const mac = typeof r.vtep_mac === 'string' ? normalizeMac(r.vtep_mac) : undefined;
  const expiresAt = typeof r.expires_at === 'string' ? Date.parse(r.expires_at) : Number.NaN;
  if (!mac || !Number.isFinite(expiresAt)) return undefined;
  return { subnet: formatCidr(net), publicIp: r.public_ip, vtepMac: mac, expiresAt };
}

/** Orders CIDR strings numerically. */
export function compareSubnets(a: string, b: string): number {
  const x = parseCidr(a);
  const y = parseCidr(b);
  if (!x || !y) return a < b ? -1 : a > b ? 1 : 0;
  return x.ip - y.ip || x.prefix - y.prefix;
}
