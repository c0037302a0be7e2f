/**
 * The two waits of the CLI, on the controller's event stream (reference
 * §5.6), as the original's Go client did them:
 *
 * - deploy (`DeployAppRelease`): create the deployment; when it finished at
 *   once (the app ran no processes) that is it, else follow the
 *   deployment's events (`past=true`, so none is missed) to `complete` or
 *   `failed`.
 * - scale (`ScaleAppRelease`): note the newest event of the app, PUT the
 *   scale request, then read the app's `job` and `scale_request` events from
 *   that point until the request is `complete` (or `cancelled`).
 *
 * Both give up after a timeout (a clear "timed out waiting for ..." error).
 */
import { linkSignals, TimeoutError } from '@flynn-ts/core';
import type { Clock } from '@flynn-ts/core';
import type { ControllerClient, ControllerEvent, Deployment, DeploymentEvent, Job, Release, ScaleRequest } from '@flynn-ts/controller';
import { formatElapsed } from './core/human-time.js';
import type { ScaleArgs } from './core/scale.js';
import { scaleStep } from './core/scale.js';
import { CLI_TIMEOUT, CliError } from './errors.js';

export const DEFAULT_DEPLOY_TIMEOUT_MS = 10 * 60_000;
/** The original's `ct.DefaultScaleTimeout`. */
export const DEFAULT_SCALE_TIMEOUT_MS = 30_000;

export interface WaitOptions {
  clock: Clock;
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** Reads `stream` until `handle` returns a value; a timeout becomes a CliError naming `what`. */
async function follow<T>(
  open: (signal: AbortSignal) => AsyncIterable<ControllerEvent>,
  handle: (e: ControllerEvent) => T | undefined,
  what: string,
  o: WaitOptions & { timeoutMs: number },
): Promise<T> {
  const linked = linkSignals([o.signal], { timeoutMs: o.timeoutMs, clock: o.clock, what });
  try {
    for await (const e of open(linked.signal)) {
      const result = handle(e);
      if (result !== undefined) return result;
    }
    throw new CliError(`event stream closed while waiting for ${what}`);
  } catch (err) {
    if (linked.signal.reason instanceof TimeoutError) {
      throw new CliError(`timed out waiting for ${what} (waited ${formatElapsed(o.timeoutMs)})`, { code: CLI_TIMEOUT, cause: err });
    }
    throw err;
  } finally {
    linked.dispose();
  }
}

export interface DeployOptions extends WaitOptions {
  /** Return once the deployment is created. */
  noWait?: boolean;
  onEvent?: (e: DeploymentEvent) => void;
}

/** Deploys `releaseId` to `app` and (unless `noWait`) waits for the outcome. */
export async function deployRelease(client: ControllerClient, app: string, releaseId: string, o: DeployOptions): Promise<Deployment> {
  const d = await client.createDeployment(app, releaseId);
  if (d.finished_at || d.status === 'complete' || o.noWait) return d;
  return follow(
    (signal) => client.streamEvents({ appId: d.app, objectTypes: ['deployment'], objectId: d.id, past: true, signal }),
    (e) => {
      const data = e.data as DeploymentEvent;
      o.onEvent?.(data);
      if (data.status === 'complete') return { ...d, status: 'complete' as const };
      if (data.status === 'failed') throw new CliError(`deployment ${d.id} failed${data.error ? `: ${data.error}` : ''}`);
      return undefined;
    },
    `deployment ${d.id}`,
    { ...o, timeoutMs: o.timeoutMs ?? DEFAULT_DEPLOY_TIMEOUT_MS },
  );
}

export interface ScaleOptions extends WaitOptions {
  noWait?: boolean;
  /** Called once the scale request is accepted. */
  onRequest?: (req: ScaleRequest) => void;
  /** Called for each job event of the release while waiting. */
  onJob?: (job: Job) => void;
}

/** Sends a scale request for `release` of app `appId` and waits for the scheduler to complete it. */
export async function scaleAndWait(client: ControllerClient, appId: string, release: Release, args: ScaleArgs, o: ScaleOptions): Promise<ScaleRequest> {
  // Everything after the newest event seen now is read, so no event of the request can be missed.
  const after = o.noWait ? undefined : ((await client.listEvents({ appId, count: 1 }))[0]?.id ?? 0);
  const req = await client.putScaleRequest(appId, release.id, {
    new_processes: args.processes,
    ...(Object.keys(args.tags).length > 0 ? { new_tags: args.tags } : {}),
  });
  o.onRequest?.(req);
  if (o.noWait) return req;
  return follow(
    (signal) => client.streamEvents({ appId, objectTypes: ['job', 'scale_request', 'scale_request_cancelation'], lastEventId: after ?? 0, signal }),
    (e) => {
      const step = scaleStep(e, req.id, release.id);
      if (step.kind === 'job') o.onJob?.(step.job);
      if (step.kind === 'cancelled') throw new CliError('scale request cancelled');
      return step.kind === 'complete' ? { ...req, state: 'complete' as const } : undefined;
    },
    'scale to complete',
    { ...o, timeoutMs: o.timeoutMs ?? DEFAULT_SCALE_TIMEOUT_MS },
  );
}
