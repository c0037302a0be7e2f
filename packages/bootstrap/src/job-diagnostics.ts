/**
 * Why a wait did not end: the jobs of an app (or given jobs) that crashed or
 * failed on the hosts, with the last lines of their logs, so a timeout says
 * "job … crashed: Error: Cannot find module …" instead of just "timed out".
 */
import type { ActiveJob } from '@flynn-ts/host';
import type { ClusterAccess, ClusterHost } from './cluster-access.js';
import { META_APP, META_APP_NAME, META_TYPE } from './core/run-app-plan.js';

export interface JobFilter {
  /** App ids or names (job metadata). */
  apps?: readonly string[];
  /** Host job ids. */
  jobIds?: readonly string[];
}

const LOG_LINES = 12;

/** Lines describing failed jobs matching `filter`, or undefined when there are none. */
export async function describeFailedJobs(cluster: ClusterAccess, filter: JobFilter, hosts?: readonly ClusterHost[]): Promise<string | undefined> {
  const list = hosts ?? (await cluster.hosts());
  const parts: string[] = [];
  for (const host of list) {
    let jobs: Record<string, ActiveJob>;
    try {
      jobs = await host.client.listJobs();
    } catch {
      continue;
    }
    const failed = Object.values(jobs)
      .filter((j) => matches(j, filter) && (j.status === 'crashed' || j.status === 'failed'))
      .sort((a, b) => (a.created_at < b.created_at ? 1 : -1))
      .slice(0, 3);
    for (const j of failed) parts.push(await describeJob(host, j));
  }
  return parts.length > 0 ? parts.join('\n') : undefined;
}

function matches(j: ActiveJob, f: JobFilter): boolean {
  const meta = j.job.metadata ?? {};
  if (f.jobIds?.includes(j.job.id)) return true;
  return (f.apps ?? []).some((a) => meta[META_APP] === a || meta[META_APP_NAME] === a);
}

/** `job dev1-… (controller/web) crashed (exit status 1): …` and its last log lines. */
export async function describeJob(host: ClusterHost, j: ActiveJob): Promise<string> {
  const meta = j.job.metadata ?? {};
  const what = meta[META_APP_NAME] ? ` (${meta[META_APP_NAME]}/${meta[META_TYPE] ?? '?'})` : '';
  const how = j.exit_status !== undefined ? ` (exit status ${j.exit_status})` : '';
  const lines = [`job ${j.job.id}${what} on host ${host.id} ${j.status}${how}${j.error ? `: ${j.error}` : ''}`];
  try {
    const tail: string[] = [];
    for await (const entry of host.client.jobLog(j.job.id, { lines: LOG_LINES })) tail.push(`  | ${entry.message}`);
    if (tail.length > 0) lines.push(`  last log lines:`, ...tail.slice(-LOG_LINES));
  } catch {
    // no log: the job may never have started
  }
  return lines.join('\n');
}
