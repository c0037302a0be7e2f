/**
 * `run-app`: start an app's jobs directly on the hosts, before the
 * controller and the scheduler exist (reference §4.2). Ids for the app, the
 * release and its artifacts are made here, so that `add-app` can register
 * exactly what runs. Omni types get their count on every host; singleton
 * mode caps every count at 1. Resolves once every job is running; a job
 * that crashes or fails first fails the step with its last log lines.
 */
import type { ActiveJob, Job, VolumeBinding } from '@flynn-ts/host';
import type { ClusterHost } from '../cluster-access.js';
import { BOOTSTRAP_STEP_FAILED, BootstrapError } from '../core/errors.js';
import type { ArtifactSpec, RunAppStep } from '../core/manifest-types.js';
import { countsOf, optInt } from '../core/render-step.js';
import type { NormalizedRelease } from '../core/run-app-plan.js';
import { capCounts, hostJobFor, normalizeRelease, planJobs, uuidV4 } from '../core/run-app-plan.js';
import { describeJob } from '../job-diagnostics.js';
import { errorText, pollUntil } from '../poll.js';
import { artifactEntrypoint, artifactMountspecs, loadArtifactManifests } from './artifacts.js';
import type { Action, StepContext } from '../step-context.js';

/** The output of run-app (and deploy-app): what add-app registers. */
export interface AppData {
  app: { id: string; name: string; meta: Record<string, string>; strategy?: string; deploy_timeout?: number };
  release: NormalizedRelease & { id: string };
  artifacts: (ArtifactSpec & { id: string })[];
  /** Counts after singleton capping. */
  processes: Record<string, number>;
  jobs: { id: string; uuid: string; host_id: string; type: string }[];
}

export const runApp: Action<RunAppStep> = async (ctx) => {
  const { step } = ctx;
  const data = appData(ctx, step);
  await loadArtifactManifests(data.artifacts, ctx.signal);
  const mountspecs = artifactMountspecs(data.artifacts);
  const hosts = await ctx.cluster.hosts(ctx.signal);
  if (hosts.length === 0) throw new BootstrapError(BOOTSTRAP_STEP_FAILED, 'no host answers: is flynn-host running?');
  const planned = planJobs({
    processes: data.processes,
    isOmni: (t) => data.release.processes[t]?.omni === true,
    hostIds: hosts.map((h) => h.id),
    random: ctx.random,
  });
  const byId = new Map(hosts.map((h) => [h.id, h]));
  const started: { host: ClusterHost; job: Job }[] = [];
  for (const p of planned) {
    const host = byId.get(p.hostId)!;
    const volumes = await makeVolumes(host, data.release.processes[p.type]?.volumes);
    const entrypointArgs = artifactEntrypoint(data.artifacts, p.type);
    const job = hostJobFor({
      app: data.app,
      releaseId: data.release.id,
      release: data.release,
      type: p.type,
      hostId: host.id,
      uuid: p.uuid,
      mountspecs,
      volumes,
      ...(entrypointArgs ? { entrypointArgs } : {}),
    });
    ctx.progress(`starting ${data.app.name}/${p.type} on ${host.id}`);
    await host.client.addJob(job);
    started.push({ host, job });
    ctx.state.started.push({ step: step.id, hostId: host.id, hostUrl: host.url, job });
    data.jobs.push({ id: job.id, uuid: p.uuid, host_id: host.id, type: p.type });
  }
  await waitRunning(ctx, started);
  return { data: { ...data, hostJobs: started.map((s) => ({ host_id: s.host.id, job: s.job })) } };
};

/** Ids and rendered values of an app step (run-app, deploy-app); no jobs yet. */
export function appData(ctx: StepContext, step: Pick<RunAppStep, 'app' | 'release' | 'artifacts'> & { processes?: RunAppStep['processes'] }): AppData {
  const release = normalizeRelease(step.release, ctx.at);
  const timeout = optInt(step.app.deploy_timeout, 'app.deploy_timeout', ctx.at);
  return {
    app: {
      id: step.app.id || uuidV4(ctx.random),
      name: step.app.name,
      meta: step.app.meta ?? {},
      ...(step.app.strategy ? { strategy: step.app.strategy } : {}),
      ...(timeout !== undefined ? { deploy_timeout: timeout } : {}),
    },
    release: { ...release, id: release.id || uuidV4(ctx.random) },
    artifacts: (step.artifacts ?? []).map((a) => ({ ...a, id: a.id || uuidV4(ctx.random) })),
    processes: capCounts(countsOf(step.processes, 'processes', ctx.at), ctx.singleton),
    jobs: [],
  };
}

/** A data volume on the host for each `{path}` of the process type's `volumes`. */
async function makeVolumes(host: ClusterHost, wanted: unknown): Promise<VolumeBinding[]> {
  if (!Array.isArray(wanted)) return [];
  const out: VolumeBinding[] = [];
  for (const v of wanted as { path?: unknown; delete_on_stop?: unknown }[]) {
    if (typeof v?.path !== 'string' || v.path === '') continue;
    const volume = await host.client.createVolume({ meta: { 'flynn-bootstrap.path': v.path } });
    out.push({ target: v.path, volume: volume.id, writeable: true, ...(v.delete_on_stop === true ? { delete_on_stop: true } : {}) });
  }
  return out;
}

/** Resolves once every job is running; throws with the job's log when one ends first. */
export async function waitRunning(ctx: StepContext, jobs: readonly { host: ClusterHost; job: Job }[]): Promise<void> {
  let last = '';
  await pollUntil(
    ctx,
    async () => {
      let running = 0;
      for (const { host, job } of jobs) {
        let active: ActiveJob;
        try {
          active = await host.client.getJob(job.id);
        } catch (err) {
          last = `${job.id}: ${errorText(err)}`;
          return undefined;
        }
        if (active.status === 'running') running++;
        else if (active.status !== 'starting') throw new BootstrapError(BOOTSTRAP_STEP_FAILED, await describeJob(host, active));
      }
      last = `${running} of ${jobs.length} job${jobs.length === 1 ? '' : 's'} running`;
      ctx.progress(last);
      return running === jobs.length ? true : undefined;
    },
    { what: `${jobs.length} job${jobs.length === 1 ? '' : 's'} to run`, intervalMs: 300, last: () => last },
  );
}
