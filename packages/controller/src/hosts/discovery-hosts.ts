/**
 * Hosts as discovery lists them: every `flynn-host` instance with meta `id`
 * (reference §2.1), skipping hosts that are shutting down (meta
 * `shutdown=true`), with the API at `http://<instance addr>` and the tags from
 * the `tag:<k>` meta. `clientFor(id)` gives one client per host (an
 * {@link HttpHostClient} unless `clientFor` is passed), kept while the host's
 * address stays the same and closed by `close()`.
 */
import type { Clock, Logger, Random } from '@flynn-ts/core';
import type { Instance, ServiceDiscovery } from '@flynn-ts/discovery';
import { notFound } from '../errors.js';
import type { HostInfo, JobStopper } from '../host-client.js';
import { HttpHostClient } from './http-host-client.js';

export const HOST_SERVICE = 'flynn-host';
const TAG_PREFIX = 'tag:';

export interface DiscoveryHostsOptions {
  /** Default `flynn-host`. */
  service?: string;
  /** Makes the client of a host. Default: an HttpHostClient. A client with a `close()` method is closed with this object. */
  clientFor?: (host: HostInfo & { url: string }) => JobStopper;
  clock?: Clock;
  random?: Random;
  logger?: Logger;
}

interface Cached {
  url: string;
  client: JobStopper;
}

export class DiscoveryHosts {
  private readonly service: string;
  private readonly clients = new Map<string, Cached>();

  constructor(
    private readonly discovery: ServiceDiscovery,
    private readonly options: DiscoveryHostsOptions = {},
  ) {
    this.service = options.service ?? HOST_SERVICE;
  }

  /** Hosts that take jobs now, in discovery's order (oldest first). */
  async hosts(): Promise<HostInfo[]> {
    const instances = await this.discovery.instances(this.service);
    return instances.flatMap((i) => {
      const host = hostOf(i);
      return host && i.meta?.shutdown !== 'true' ? [host] : [];
    });
  }

  /** The client of the host with this id (a shutting-down host included: jobs on it can still be stopped). 404 for an unknown host. */
  async clientFor(hostId: string): Promise<JobStopper> {
    const instances = await this.discovery.instances(this.service);
    const host = instances.map(hostOf).find((h) => h?.id === hostId);
    if (!host) throw notFound(`host ${hostId}`);
    const cached = this.clients.get(hostId);
    if (cached?.url === host.url) return cached.client;
    if (cached) void closeClient(cached.client);
    const client = this.options.clientFor?.(host) ?? this.httpClient(host.url);
    this.clients.set(hostId, { url: host.url, client });
    return client;
  }

  /** Closes the clients made so far. */
  async close(): Promise<void> {
    const clients = [...this.clients.values()];
    this.clients.clear();
    await Promise.all(clients.map((c) => closeClient(c.client)));
  }

  private httpClient(url: string): HttpHostClient {
    const o = this.options;
    return new HttpHostClient({
      url,
      ...(o.clock ? { clock: o.clock } : {}),
      ...(o.random ? { random: o.random } : {}),
      ...(o.logger ? { logger: o.logger } : {}),
    });
  }
}

function hostOf(i: Instance): (HostInfo & { url: string }) | undefined {
  const id = i.meta?.id;
  if (!id) return undefined;
  const tags: Record<string, string> = {};
  for (const [k, v] of Object.entries(i.meta ?? {})) if (k.startsWith(TAG_PREFIX)) tags[k.slice(TAG_PREFIX.length)] = v;
  return { id, url: `http://${i.addr}`, tags };
}

async function closeClient(client: JobStopper): Promise<void> {
  const c = client as { close?: () => unknown };
  if (typeof c.close === 'function') await Promise.resolve(c.close()).catch(() => {});
}
