/**
 * The flannel document in discovery: the three CAS writes the agent makes,
 * each a read-modify-write of the one `flannel` service meta.
 *
 * - `loadOrCreateDocument`: create-only (index 0) write of the config when
 *   there is no meta yet; the first agent's config wins.
 * - `writeLease`: claim or renew this host's lease (`acquireLease`).
 * - `removeLease`: give it back (`releaseLease`).
 */
import { FlynnError } from '@flynn-ts/core';
import type { Clock, Logger, Random } from '@flynn-ts/core';
import type { ServiceDiscovery, ServiceMeta } from '@flynn-ts/discovery';
import { acquireLease, releaseLease } from './core/allocate.js';
import { networkConfig, sameConfig } from './core/config.js';
import type { NetworkConfig, NetworkConfigInput } from './core/config.js';
import { encodeDocument, parseDocument } from './core/lease.js';
import type { Lease, ParsedDocument } from './core/lease.js';

type Discovery = Pick<ServiceDiscovery, 'addService' | 'getMeta' | 'setMeta' | 'updateMeta'>;

/** Reads the stored document, creating it (config only, CAS create-only) when absent. */
export async function loadOrCreateDocument(discovery: Discovery, service: string, wanted: NetworkConfigInput | undefined, logger: Logger, signal: AbortSignal): Promise<ParsedDocument> {
  await discovery.addService(service, { ifNotExists: true, signal });
  for (;;) {
    const meta = await discovery.getMeta(service, { consistent: true, signal });
    if (meta) {
      const doc = parseDocument(meta.data);
      const want = wanted && networkConfig(wanted);
      if (want && !sameConfig(want, doc.config)) logger.warn({ stored: doc.config, wanted: want }, 'a different network config is stored; using the stored one');
      return doc;
    }
    const config = networkConfig(wanted);
    try {
      const stored = await discovery.setMeta(service, { data: encodeDocument(config, []), index: 0, signal });
      logger.info({ config, index: stored.index }, 'network config created');
      return parseDocument(stored.data);
    } catch (err) {
      if (!(FlynnError.is(err) && err.code === 'FLYNN_DISCOVERY_META_EXISTS')) throw err;
    }
  }
}

export interface LeaseWrite {
  config: NetworkConfig;
  publicIp: string;
  vtepMac: string;
  ttlMs: number;
  /** The subnet to keep or ask for first. */
  preferred: string | undefined;
  clock: Clock;
  random: Random;
  signal: AbortSignal;
}

/** Claims or renews the lease; resolves with it and the stored meta. */
export async function writeLease(discovery: Discovery, service: string, w: LeaseWrite): Promise<{ lease: Lease; stored: ServiceMeta | undefined }> {
  let granted: Lease | undefined;
  const stored = await discovery.updateMeta(
    service,
    (current) => {
      const doc: ParsedDocument = current ? parseDocument(current.data) : { config: w.config, leases: [], invalid: [] };
      const grant = acquireLease(doc, { publicIp: w.publicIp, vtepMac: w.vtepMac, now: w.clock.now(), ttlMs: w.ttlMs, random: w.random, ...(w.preferred ? { preferred: w.preferred } : {}) });
      granted = grant.lease;
      return grant.document;
    },
    { signal: w.signal },
  );
  return { lease: granted!, stored };
}

/** Removes the lease of `publicIp` (and expired ones); a no-op when it holds none. */
export async function removeLease(discovery: Discovery, service: string, publicIp: string, clock: Clock): Promise<void> {
  await discovery.updateMeta(service, (current) => (current ? releaseLease(parseDocument(current.data), publicIp, clock.now()) : undefined));
}
