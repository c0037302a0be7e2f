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
      .sort((a, b) => (a.created_at < b.created_at ? 1 : -1));
    // The newest failure of each process type; the others are counted.
    const byType = new Map<string, ActiveJob[]>();
    for (const j of failed) {
      const key = `${j.job.metadata?.[META_APP] ?? ''}/${j.job.metadata?.[META_TYPE] ?? j.job.id}`;
      byType.set(key, [...(byType.get(key) ?? []), j]);
    }
    for (const list of [...byType.values()].slice(0, 3)) {
      const more = list.length > 1 ? `\n  (${list.length - 1} earlier job${list.length > 2 ? 's' : ''} of the same process failed too)` : '';
      parts.push(`${await describeJob(host, list[0]!)}${more}`);
    }
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
    const messages: string[] = [];
    for await (const entry of host.client.jobLog(j.job.id, { lines: LOG_LINES * 4 })) messages.push(entry.message);
    const tail = logTail(messages, LOG_LINES);
    if (tail.length > 0) lines.push(`  last log lines:`, ...tail.map((l) => `  | ${l}`));
  } catch {
    // no log: the job may never have started
  }
  return lines.join('\n');
}

/** The last `n` lines, with runs of stack frames (`    at …`) folded into one line. */
export function logTail(messages: readonly string[], n: number): string[] {
  const out: string[] = [];
  let frames = 0;
  const flush = () => {
    if (frames > 0) out.push(`    … ${frames} stack frame${frames === 1 ? '' : 's'}`);
    frames = 0;
  };
  for (const m of messages) {
    if (/^\s+at /.test(m)) {
      frames++;
      continue;
    }
    flush();
    if (m.trim() !== '') out.push(m);
  }
  flush();
  return out.slice(-n);
}
