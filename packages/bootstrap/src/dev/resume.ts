/**
 * A second `npm start`: the cluster exists, so instead of bootstrapping,
 * the jobs the bootstrap had run directly on the host (controller and
 * scheduler: nothing else would start them) run again under new ids
 * (unless the host re-attached to them), then the same runner waits for the
 * controller, for every system app (which the scheduler restarts from their
 * formations) and for the demo app through the router.
 */
import type { Random } from '@flynn-ts/core';
import type { ActiveJob } from '@flynn-ts/host';
import { HostClient } from '@flynn-ts/host';
import { parseManifest } from '../core/parse-manifest.js';
import type { Manifest } from '../core/manifest-types.js';
import { META_APP, META_TYPE, uuidV4, withNewId } from '../core/run-app-plan.js';
import type { DevClusterState } from './dev-state.js';

export interface RestartReport {
  restarted: string[];
  reattached: string[];
}

/** Starts the recorded bootstrap jobs that are not running on the host. */
export async function restartBootstrapJobs(hostUrl: string, state: DevClusterState, random: Random): Promise<RestartReport> {
  const client = new HostClient({ url: hostUrl, timeoutMs: 15_000 });
  try {
    const active = Object.values(await client.listActiveJobs());
    const report: RestartReport = { restarted: [], reattached: [] };
    for (const { hostId, job } of state.bootstrapJobs) {
      const meta = job.metadata ?? {};
      const label = `${meta['flynn-controller.app_name'] ?? '?'}/${meta[META_TYPE] ?? '?'}`;
      if (active.some((a: ActiveJob) => sameProcess(a, meta))) {
        report.reattached.push(label);
        continue;
      }
      await client.addJob(withNewId(job, hostId, uuidV4(random)));
      report.restarted.push(label);
    }
    return report;
  } finally {
    await client.close();
  }
}

function sameProcess(a: ActiveJob, meta: Record<string, string>): boolean {
  const m = a.job.metadata ?? {};
  return m[META_APP] === meta[META_APP] && m[META_TYPE] === meta[META_TYPE];
}

/** The waits of a resumed cluster, run with the bootstrap's runner (templates read the dev env). */
export function resumeManifest(): Manifest {
  return parseManifest([
    { id: 'controller_key', action: 'gen-random', controller_key: true, data: '{{ getenv "FLYNN_CONTROLLER_KEY" }}' },
    { id: 'controller-wait', action: 'wait', url: 'http://controller.discoverd/ping' },
    { id: 'status-check', action: 'status-check' },
    {
      id: 'demo-wait',
      action: 'wait',
      url: 'http://{{ getenv "FLYNN_LISTEN_IP" }}:{{ getenv "FLYNN_ROUTER_HTTP_PORT" }}/',
      host: 'demo.{{ getenv "CLUSTER_DOMAIN" }}',
    },
  ]);
}
