/**
 * What a new JobManager does with the jobs an earlier daemon left: finished
 * ones are kept (and cleaned up if that was interrupted); active ones are
 * re-attached through the driver (still running: followed again, logs
 * resumed from the persisted cursor, a pending SIGKILL re-armed; exited
 * meanwhile: reported with their exit code; gone: `crashed`/`failed` with an
 * error). After a host reboot (a new boot id) nothing is re-attached: active
 * jobs are marked lost and those with `resurrect` are started again under a
 * new id.
 */
import type { Logger } from '@flynn-ts/core';
import type { ImageStore, NetworkManager, RuntimeDriver } from '../contracts.js';
import { orphanedNetworks } from './core/orphaned-networks.js';
import type { Job } from '../types.js';
import { isTerminal } from './core/job-state.js';
import { errorMessage } from './errors.js';
import type { JobRecord } from './job-store.js';
import type { JobRunner } from './job-runner.js';
import type { JobEntry, JobTable } from './job-table.js';

export interface RestoreContext {
  table: JobTable;
  runner: JobRunner;
  driver: RuntimeDriver;
  network: NetworkManager | undefined;
  images: ImageStore | undefined;
  logger: Logger;
  /** The host rebooted since the records were written. */
  rebooted: boolean;
  /** Start jobs with `resurrect` again after a reboot. */
  resurrect: boolean;
}

export interface RestoreResult {
  reattached: string[];
  lost: string[];
  /** Network allocations released because no job owned them any more (see {@link orphanedNetworks}). */
  reclaimedNetworks: string[];
  /** Jobs to start again under a new id (resurrection). */
  resurrect: Job[];
}

export async function restoreJobs(records: readonly JobRecord[], ctx: RestoreContext): Promise<RestoreResult> {
  const result: RestoreResult = { reattached: [], lost: [], reclaimedNetworks: [], resurrect: [] };
  const work: Promise<void>[] = [];
  for (const record of records) {
    const entry = ctx.table.insert(record);
    if (isTerminal(record.active.status)) {
      if (!record.cleanedUp) work.push(rehold(entry, ctx).then(() => void ctx.runner.cleanup(entry)));
      continue;
    }
    if (ctx.rebooted) {
      result.lost.push(entry.id);
      void ctx.runner.onLost(entry, 'host rebooted while the job was active');
      if (record.active.job.resurrect && ctx.resurrect) result.resurrect.push(record.active.job);
      continue;
    }
    work.push(reattach(entry, ctx, result));
  }
  await Promise.all(work);
  result.reclaimedNetworks = await reclaimNetworks(records, ctx);
  return result;
}

/**
 * A {@link NetworkManager} that can list the jobs holding an allocation
 * (BridgeNetworkManager can): restore then releases the allocations no job
 * owns any more, e.g. after a crash between a job's cleanup and its detach.
 */
export interface ListingNetworkManager extends NetworkManager {
  /** Ids of the jobs holding an allocation, also those whose namespace vanished. */
  jobIds(): Promise<string[]>;
}

export function isListingNetworkManager(n: NetworkManager): n is ListingNetworkManager {
  return typeof (n as Partial<ListingNetworkManager>).jobIds === 'function';
}

async function reclaimNetworks(records: readonly JobRecord[], ctx: RestoreContext): Promise<string[]> {
  const network = ctx.network;
  if (!network || !isListingNetworkManager(network)) return [];
  let allocated: string[];
  try {
    allocated = await network.jobIds();
  } catch (err) {
    ctx.logger.warn({ event: 'network_reclaim_failed', err }, 'could not list the network allocations');
    return [];
  }
  const owners = records.map((r) => ({ id: r.active.job.id, network: r.setup?.network === true, cleanedUp: r.cleanedUp === true }));
  const reclaimed: string[] = [];
  for (const jobId of orphanedNetworks(allocated, owners)) {
    try {
      await network.detach(jobId);
      reclaimed.push(jobId);
      ctx.logger.info({ event: 'network_reclaimed', jobId }, 'released the network allocation of a job that no longer owns it');
    } catch (err) {
      ctx.logger.warn({ event: 'network_reclaim_failed', jobId, err }, 'could not release an orphaned network allocation');
    }
  }
  return reclaimed;
}

/**
 * Takes this process's hold on the job's image layers again (they are still
 * mounted from the previous daemon), so that the job's cleanup releases them.
 */
async function rehold(entry: JobEntry, ctx: RestoreContext): Promise<void> {
  const specs = entry.record.active.job.mountspecs;
  if (ctx.rebooted || !entry.record.setup?.image || !ctx.images || !specs || entry.record.cleanedUp) return;
  try {
    await ctx.images.prepare(specs);
    entry.imageHeld = true;
  } catch (err) {
    ctx.logger.warn({ event: 'job_image_rehold_failed', jobId: entry.id, err }, 'could not take the hold on the job image again');
  }
}

async function reattach(entry: JobEntry, ctx: RestoreContext, result: RestoreResult): Promise<void> {
  const log = ctx.logger.child({ jobId: entry.id });
  // Before anything else: a job that exited meanwhile or is gone is cleaned up, which releases this hold
  // (and so unmounts a layer the previous daemon left mounted for it).
  await rehold(entry, ctx);
  let handle;
  try {
    handle = await ctx.driver.reattach(entry.id, ctx.runner.containerDir(entry.id));
  } catch (err) {
    log.error({ event: 'job_reattach_failed', err }, 'could not re-attach to the job');
    result.lost.push(entry.id);
    await ctx.runner.onLost(entry, `could not re-attach after a flynn-host restart: ${errorMessage(err)}`);
    return;
  }
  if (!handle) {
    result.lost.push(entry.id);
    const why = entry.record.active.status === 'starting' ? 'flynn-host restarted before the job started' : 'the container was gone after a flynn-host restart';
    await ctx.runner.onLost(entry, why);
    return;
  }
  if (entry.record.setup?.network && ctx.network) {
    try {
      await ctx.network.adopt(entry.id);
    } catch (err) {
      log.warn({ event: 'job_network_adopt_failed', err }, 'could not re-adopt the job network');
    }
  }
  result.reattached.push(entry.id);
  log.info({ event: 'job_reattached', pid: handle.pid, status: entry.record.active.status }, 're-attached to job');
  ctx.runner.onStarted(entry, handle);
  await ctx.table.persist(entry);
  ctx.runner.resumeStop(entry);
}
