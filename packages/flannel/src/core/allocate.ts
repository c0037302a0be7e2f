/**
 * Subnet allocation and the lease write, as pure functions of the stored
 * document. The agent runs `acquireLease` inside a CAS read-modify-write, so
 * two hosts racing for the same subnet cannot both win: the loser's write
 * fails its index check, it re-reads and allocates again.
 */
import type { Random } from '@flynn-ts/core';
import { networkOf } from './config.js';
import type { NetworkConfig } from './config.js';
import { FLANNEL_NETWORK_FULL, FlannelError } from './errors.js';
import { containsNet, formatCidr, parseCidr, sizeOf } from './ipv4.js';
import { encodeDocument, isExpired, leaseOf } from './lease.js';
import type { FlannelDocument, Lease, ParsedDocument } from './lease.js';

export interface AllocateOptions {
  now: number;
  /** A subnet to take if nobody else holds it (the one in the subnet file from the last run). */
  preferred?: string;
}

/** Free subnets gathered before picking one at random (flannel's choice). */
const CANDIDATES = 100;

/**
 * The subnet for the host with `publicIp`, in this order:
 *
 * 1. the subnet of a lease that already names `publicIp`, expired or not
 *    (a restarted host keeps its /24);
 * 2. `preferred`, if it is in the network and not held by a live lease;
 * 3. a random one of the first 100 subnets no lease names;
 * 4. a random one of the first 100 subnets whose lease has expired.
 *
 * Throws `FLYNN_FLANNEL_NETWORK_FULL` when every subnet has a live lease.
 */
export function allocateSubnet(config: NetworkConfig, leases: readonly Lease[], publicIp: string, random: Random, options: AllocateOptions): string {
  const own = leaseOf(leases, publicIp);
  if (own) return own.subnet;
  const byKey = new Map(leases.map((l) => [l.subnet, l]));
  const network = networkOf(config);
  if (options.preferred !== undefined) {
    const p = parseCidr(options.preferred);
    if (p && p.prefix === config.subnet_len && containsNet(network, p)) {
      const holder = byKey.get(formatCidr(p));
      if (!holder || isExpired(holder, options.now)) return formatCidr(p);
    }
  }
  const unused: string[] = [];
  const expired: string[] = [];
  const step = sizeOf(config.subnet_len);
  const count = sizeOf(network.prefix) / step;
  for (let i = 0; i < count && unused.length < CANDIDATES; i++) {
    const subnet = formatCidr({ ip: network.ip + i * step, prefix: config.subnet_len });
    const holder = byKey.get(subnet);
    if (!holder) unused.push(subnet);
    else if (isExpired(holder, options.now) && expired.length < CANDIDATES) expired.push(subnet);
  }
  const pool = unused.length > 0 ? unused : expired;
  if (pool.length === 0) {
    throw new FlannelError(FLANNEL_NETWORK_FULL, `no free /${config.subnet_len} left in ${config.network} (${count} subnets, all leased)`, { retry: true });
  }
  return random.pick(pool);
}

export interface LeaseRequest extends AllocateOptions {
  publicIp: string;
  vtepMac: string;
  ttlMs: number;
  random: Random;
}

export interface LeaseGrant {
  /** The document to write (CAS) to claim or renew the lease. */
  document: FlannelDocument;
  lease: Lease;
}

/**
 * Claims (or renews: it is the same write) the lease of the host with
 * `publicIp`, valid for `ttlMs` from `now`. The written document drops every
 * other lease of this public IP, every expired lease and every entry that
 * did not parse.
 */
export function acquireLease(doc: ParsedDocument, req: LeaseRequest): LeaseGrant {
  const subnet = allocateSubnet(doc.config, doc.leases, req.publicIp, req.random, req);
  const lease: Lease = { subnet, publicIp: req.publicIp, vtepMac: req.vtepMac, expiresAt: req.now + req.ttlMs };
  const kept = doc.leases.filter((l) => l.subnet !== subnet && l.publicIp !== req.publicIp && !isExpired(l, req.now));
  return { document: encodeDocument(doc.config, [...kept, lease]), lease };
}

/**
 * The document without this host's lease (a clean shutdown that gives the
 * subnet back), or undefined when it holds none.
 */
export function releaseLease(doc: ParsedDocument, publicIp: string, now: number): FlannelDocument | undefined {
  if (!doc.leases.some((l) => l.publicIp === publicIp)) return undefined;
  return encodeDocument(
    doc.config,
    doc.leases.filter((l) => l.publicIp !== publicIp && !isExpired(l, now)),
  );
}
