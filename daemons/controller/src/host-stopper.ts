/**
 * Job kills through the host API (`DELETE /host/jobs/:id`, reference §2.2),
 * finding the host by id among the `flynn-host` instances in discovery (meta
 * `id`). A stopgap until @flynn-ts/host's client is wired in: it satisfies
 * the controller's `JobStopper` contract.
 */
import { HttpError } from '@flynn-ts/core';
import { JsonClient } from '@flynn-ts/core/http';
import type { HostClientFor } from '@flynn-ts/controller';
import { notFound } from '@flynn-ts/controller';
import type { ServiceDiscovery } from '@flynn-ts/discovery';

export function discoveryHostClients(discovery: ServiceDiscovery): HostClientFor {
  return async (hostId) => {
    const instances = await discovery.instances('flynn-host');
    const host = instances.find((i) => i.meta?.id === hostId);
    if (!host) throw notFound(`host ${hostId}`);
    return {
      async stopJob(jobId) {
        const client = new JsonClient({ urls: [`http://${host.addr}`], retries: 0 });
        try {
          await client.delete(`/host/jobs/${encodeURIComponent(jobId)}`);
        } catch (err) {
          if (err instanceof HttpError && err.status === 404) throw notFound('job');
          throw err;
        } finally {
          await client.close();
        }
      },
    };
  };
}
